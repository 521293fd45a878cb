/**
 * The ordered header list of a message (contract: SipHeaders in types.ts).
 *
 * Lines are kept as written (name spelling, order, value text after unfolding), so unknown
 * headers round-trip verbatim. Look-ups go through the lower-case long-name key, so `i`, `Call-ID`
 * and `call-id` are the same header. A header list is small (tens of lines): a linear scan over a
 * parallel key array beats a map here.
 *
 * A parsed message's values stay ranges of the flat header text until read (fromSpans): most
 * lines of a received message are never looked at, so they are never cut out. Any mutation that
 * moves lines first cuts every value out (materialize), so spans never go stale.
 *
 * Typed views parsed by accessors.ts are memoised per header key and dropped on any mutation.
 */
import type { SipHeaders } from './types';
import { headerKey } from './header-names';

/** Span encoding (fromSpans): start << SPAN_BITS | end; offsets must stay below 2^SPAN_BITS. */
const SPAN_SHIFT = 15; // module-local: exported bindings are slower to read in hot code
export const SPAN_BITS = SPAN_SHIFT;
const SPAN_MASK = (1 << SPAN_SHIFT) - 1;

/** Accessor memo slots (accessors.ts numbers its parsers below this). */
export const MEMO_SLOTS = 16;

/** A memo array: a literal (cloned from its boilerplate) is cheaper than `new Array(n)`. */
function newMemo(): unknown[] {
  return [
    undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
    undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
  ];
}
if (newMemo().length !== MEMO_SLOTS) throw new Error('headers: newMemo must make MEMO_SLOTS slots');

export class Headers implements SipHeaders {
  private names: string[];
  /** Line values; an entry left undefined (or past the end) is read lazily from src (spans). */
  private values: Array<string | undefined>;
  private keys: string[];
  /** The flat header text the parser read (lazy values are ranges of it), or undefined. */
  private src: string | undefined;
  /** src's bytes (same offsets: the parser only keeps spans of all-ASCII messages). */
  private bytes: Uint8Array | undefined;
  /** Line i's value is src[spans[i] >> SPAN_BITS, spans[i] & SPAN_MASK) (see fromSpans). */
  private spans: number[] | undefined;
  /** Parsed views by accessor slot (accessors.ts), dropped on every mutation. */
  private memo: unknown[] | undefined;

  /**
   * `new Headers(entries)`. The other parameters are for fromParsed/fromSpans (one constructor,
   * so every Headers has the same hidden class, and no empty arrays made only to be replaced).
   */
  constructor(
    entries?: Iterable<readonly [string, string]>,
    names?: string[], keys?: string[], values?: Array<string | undefined>,
    src?: string, bytes?: Uint8Array, spans?: number[],
  ) {
    this.names = names ?? [];
    this.values = values ?? [];
    this.keys = keys ?? [];
    this.src = src;
    this.bytes = bytes;
    this.spans = spans;
    this.memo = undefined;
    if (entries) for (const [n, v] of entries) this.append(n, v);
  }

  /** Build from arrays the parser already holds (no copy; the caller gives them up). */
  static fromParsed(names: string[], values: string[], keys: string[]): Headers {
    return new Headers(undefined, names, keys, values);
  }

  /**
   * Build with lazy values: line i's value is src.slice(start, end) with spans[i] =
   * start << SPAN_BITS | end (one small integer per line: offsets stay below 2^SPAN_BITS), cut
   * only when asked (most lines of a received message are never read). The caller gives the
   * arrays up.
   */
  static fromSpans(names: string[], keys: string[], src: string, bytes: Uint8Array, spans: number[]): Headers {
    return new Headers(undefined, names, keys, [], src, bytes, spans);
  }

  get size(): number {
    return this.names.length;
  }

  get(name: string): string | undefined {
    return this.getByKey(headerKey(name));
  }

  /** get() for a name already in key form (lower-case long name, see headerKey). */
  getByKey(key: string): string | undefined {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.valueAt(i);
    return undefined;
  }

  getAll(name: string): string[] {
    return this.getAllByKey(headerKey(name));
  }

  /** getAll() for a name already in key form. */
  getAllByKey(key: string): string[] {
    const out: string[] = [];
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) out.push(this.valueAt(i));
    return out;
  }

  /** @internal Index of the first line with this key at or after `from`, or -1. */
  indexOfKey(key: string, from: number): number {
    const keys = this.keys;
    for (let i = from; i < keys.length; i++) if (keys[i] === key) return i;
    return -1;
  }

  /**
   * @internal The flat text holding line i's value when it is still a range of the parsed
   * message (read its bounds with spanStart/spanEnd), else undefined (use valueAt).
   */
  spanSource(i: number): string | undefined {
    return this.values[i] === undefined ? this.src : undefined;
  }

  /** @internal The bytes of spanSource's text (valid when spanSource(i) is not undefined). */
  spanBytes(): Uint8Array {
    return this.bytes!;
  }

  /** @internal */
  spanStart(i: number): number {
    return this.spans![i]! >> SPAN_SHIFT;
  }

  /** @internal */
  spanEnd(i: number): number {
    return this.spans![i]! & SPAN_MASK;
  }

  /** @internal Value of line i. */
  valueAt(i: number): string {
    const v = this.values[i];
    if (v !== undefined) return v;
    const span = this.spans![i]!;
    return (this.values[i] = this.src!.slice(span >> SPAN_SHIFT, span & SPAN_MASK));
  }

  /** Number of lines of this header. */
  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const k of this.keys) if (k === key) n++;
    return n;
  }

  has(name: string): boolean {
    return this.keys.indexOf(headerKey(name)) >= 0;
  }

  set(name: string, value: string): void {
    const key = headerKey(name);
    const first = this.keys.indexOf(key);
    if (first < 0) {
      this.append(name, value);
      return;
    }
    this.materialize();
    this.removeWhere(key, first + 1);
    this.names[first] = name;
    this.values[first] = value;
    this.memo = undefined;
  }

  append(name: string, value: string): void {
    // Indexes of existing lines do not move: lazy values stay valid (values may be shorter than
    // names while lazy, so the new value goes to its index, not to the end of values).
    this.values[this.names.length] = value;
    this.names.push(name);
    this.keys.push(headerKey(name));
    this.memo = undefined;
  }

  prepend(name: string, value: string): void {
    this.materialize();
    const key = headerKey(name);
    let at = this.keys.indexOf(key);
    if (at < 0) at = 0;
    this.names.splice(at, 0, name);
    this.values.splice(at, 0, value);
    this.keys.splice(at, 0, key);
    this.memo = undefined;
  }

  delete(name: string): void {
    this.materialize();
    this.removeWhere(headerKey(name), 0);
    this.memo = undefined;
  }

  deleteFirst(name: string): void {
    const at = this.keys.indexOf(headerKey(name));
    if (at < 0) return;
    this.materialize();
    this.names.splice(at, 1);
    this.values.splice(at, 1);
    this.keys.splice(at, 1);
    this.memo = undefined;
  }

  entries(): Array<[name: string, value: string]> {
    const out: Array<[string, string]> = new Array(this.names.length);
    for (let i = 0; i < this.names.length; i++) out[i] = [this.names[i]!, this.valueAt(i)];
    return out;
  }

  /** Calls fn for every line in wire order (no array allocation: used by the serializer). */
  forEach(fn: (name: string, value: string, key: string) => void): void {
    for (let i = 0; i < this.names.length; i++) fn(this.names[i]!, this.valueAt(i), this.keys[i]!);
  }

  clone(): Headers {
    this.materialize();
    return Headers.fromParsed(this.names.slice(), this.values.slice() as string[], this.keys.slice());
  }

  /** @internal accessor memo slot (undefined = not computed yet). */
  memoGet(slot: number): unknown {
    return this.memo === undefined ? undefined : this.memo[slot];
  }

  /** @internal */
  memoSet(slot: number, value: unknown): void {
    (this.memo ??= newMemo())[slot] = value;
  }

  /** Cut every lazy value out of src so lines can move (splice) without their spans. */
  private materialize(): void {
    if (this.src === undefined) return;
    for (let i = 0; i < this.names.length; i++) this.valueAt(i);
    this.src = undefined;
    this.bytes = undefined;
    this.spans = undefined;
  }

  private removeWhere(key: string, from: number): void {
    let w = from;
    for (let r = from; r < this.keys.length; r++) {
      if (this.keys[r] === key) continue;
      this.names[w] = this.names[r]!;
      this.values[w] = this.values[r]!;
      this.keys[w] = this.keys[r]!;
      w++;
    }
    this.names.length = w;
    this.values.length = w;
    this.keys.length = w;
  }
}
