/**
 * The ordered header list of a message (contract: SipHeaders in types.ts).
 *
 * Lines are kept as written (name spelling, order, value text after unfolding), so unknown
 * headers round-trip verbatim. Look-ups go through the lower-case long-name key, so `i`, `Call-ID`
 * and `call-id` are the same header. A header list is small (tens of lines): a linear scan beats
 * a map here.
 *
 * Storage is one flat array, three slots per line: name, key, value. A parsed message's values
 * stay ranges of its flat header text until read (a number: start << SPAN_BITS | end, see
 * fromLines): most lines of a received message are never looked at, so they are never cut out,
 * and one array per message is all the parser allocates for its lines. Spans are absolute, so
 * lines can move (prepend, delete) and clones can share the text.
 *
 * Typed views parsed by accessors.ts are memoised per header key and dropped on any mutation.
 */
import type { SipHeaders } from './types';
import { headerKey } from './header-names';

/** Span encoding (fromLines): start << SPAN_BITS | end; offsets must stay below 2^SPAN_BITS. */
const SPAN_SHIFT = 15; // module-local: exported bindings are slower to read in hot code
export const SPAN_BITS = SPAN_SHIFT;
const SPAN_MASK = (1 << SPAN_SHIFT) - 1;

/** Accessor memo slots (accessors.ts numbers its parsers below this). */
export const MEMO_SLOTS = 16;
/**
 * The memo slots of the views read on every message (accessors.ts checks its numbering against
 * these): kept in fields, so a parsed message needs no memo array for them.
 */
export const MEMO_CONTACT = 1;
export const MEMO_FROM = 5;
export const MEMO_TO = 6;
export const MEMO_CSEQ = 9;
export const MEMO_VIA_LINE = 15;

/** A memo array: a literal (cloned from its boilerplate) is cheaper than `new Array(n)`. */
function newMemo(): unknown[] {
  return [
    undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
    undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined,
  ];
}
if (newMemo().length !== MEMO_SLOTS) throw new Error('headers: newMemo must make MEMO_SLOTS slots');
if (MEMO_CONTACT !== 1 || MEMO_FROM !== 5 || MEMO_TO !== 6 || MEMO_CSEQ !== 9 || MEMO_VIA_LINE !== 15) {
  throw new Error('headers: memoGet/memoSet switch on the MEMO_ slot numbers');
}

/** One line: [name, key, value or span] at lines[3i ... 3i + 2]. */
type Slot = string | number;

/**
 * Keys whose first line the parser records (fromLines `hot`), so the accessors that run on every
 * message find their line without scanning: 8 bits each, 0 = absent, i + 1 = first at line i,
 * 255 = not recorded (scan). Via, From, To in `hot0`; Call-ID, CSeq, Contact in `hot1`, which
 * also has MULTI_VIA / MULTI_CONTACT set when the header has more than one line.
 */
export { HOT_VIA, HOT_FROM, HOT_TO, HOT_CALL_ID, HOT_CSEQ, HOT_CONTACT } from './header-names';
export const MULTI_VIA = 1 << 24;
export const MULTI_CONTACT = 1 << 25;
/** Nothing recorded: every hot key is looked up by scanning. */
export const HOT_UNKNOWN = 0xffffff;
const UNKNOWN = HOT_UNKNOWN;

export class Headers implements SipHeaders {
  private lines: Slot[];
  /** The flat header text the parser read (spans are ranges of it), or undefined. */
  private src: string | undefined;
  /** src's bytes (same offsets: the parser only keeps spans of all-ASCII messages). */
  private bytes: Uint8Array | undefined;
  /** Parsed views by accessor slot (accessors.ts), dropped on every mutation. */
  private memo: unknown[] | undefined;
  private memoContact: unknown;
  private memoFrom: unknown;
  private memoTo: unknown;
  private memoCSeq: unknown;
  private memoViaLine: unknown;
  /** First lines of the hot keys (see HOT_VIA), as the parser recorded them; reset by any edit. */
  private hot0: number;
  private hot1: number;

  /**
   * `new Headers(entries)`. The other parameters are for fromParsed/fromLines (one constructor,
   * so every Headers has the same hidden class).
   */
  constructor(
    entries?: Iterable<readonly [string, string]>,
    lines?: Slot[], src?: string, bytes?: Uint8Array, hot0 = UNKNOWN, hot1 = UNKNOWN,
  ) {
    this.lines = lines ?? [];
    this.src = src;
    this.bytes = bytes;
    this.memo = undefined;
    this.memoContact = undefined;
    this.memoFrom = undefined;
    this.memoTo = undefined;
    this.memoCSeq = undefined;
    this.memoViaLine = undefined;
    this.hot0 = hot0;
    this.hot1 = hot1;
    if (entries) for (const [n, v] of entries) this.append(n, v);
  }

  /** Build from parallel arrays of names, values and keys (see headerKey). */
  static fromParsed(names: string[], values: string[], keys: string[]): Headers {
    const lines: Slot[] = new Array(names.length * 3);
    for (let i = 0; i < names.length; i++) {
      lines[3 * i] = names[i]!;
      lines[3 * i + 1] = keys[i]!;
      lines[3 * i + 2] = values[i]!;
    }
    return new Headers(undefined, lines);
  }

  /**
   * Build from the parser's flat array (name, key, span per line; the caller gives it up): line
   * i's value is src.slice(span >> SPAN_BITS, span & (2^SPAN_BITS - 1)), cut when first read.
   * `bytes` are src's bytes, for parsing values in place (accessors.ts).
   */
  static fromLines(lines: Slot[], src: string, bytes: Uint8Array, hot0: number, hot1: number): Headers {
    return new Headers(undefined, lines, src, bytes, hot0, hot1);
  }

  get size(): number {
    return this.lines.length / 3;
  }

  get(name: string): string | undefined {
    return this.getByKey(headerKey(name));
  }

  /** get() for a name already in key form (lower-case long name, see headerKey). */
  getByKey(key: string): string | undefined {
    const lines = this.lines;
    for (let k = 1; k < lines.length; k += 3) if (lines[k] === key) return this.valueAt((k - 1) / 3);
    return undefined;
  }

  getAll(name: string): string[] {
    return this.getAllByKey(headerKey(name));
  }

  /** getAll() for a name already in key form. */
  getAllByKey(key: string): string[] {
    const out: string[] = [];
    const lines = this.lines;
    for (let k = 1; k < lines.length; k += 3) if (lines[k] === key) out.push(this.valueAt((k - 1) / 3));
    return out;
  }

  /**
   * @internal First line of a hot key (HOT_VIA ...; `key` is its key), or -1: as recorded by the
   * parser, else by scanning.
   */
  firstLine(hot: number, key: string): number {
    const f = hot < 3 ? (this.hot0 >> (hot << 3)) & 255 : (this.hot1 >> ((hot - 3) << 3)) & 255;
    return f === 255 ? this.indexOfKey(key, 0) : f - 1;
  }

  /** @internal True when Via (MULTI_VIA) or Contact (MULTI_CONTACT) is recorded with one line only. */
  recordedSingle(hot: number, multi: number): boolean {
    const f = hot < 3 ? (this.hot0 >> (hot << 3)) & 255 : (this.hot1 >> ((hot - 3) << 3)) & 255;
    return f !== 255 && f !== 0 && (this.hot1 & multi) === 0;
  }

  /** @internal Index of the first line with this key at or after line `from`, or -1. */
  indexOfKey(key: string, from: number): number {
    const lines = this.lines;
    for (let k = 3 * from + 1; k < lines.length; k += 3) if (lines[k] === key) return (k - 1) / 3;
    return -1;
  }

  /**
   * @internal The flat text holding line i's value when it is still a range of the parsed
   * message (read its bounds with spanStart/spanEnd), else undefined (use valueAt).
   */
  spanSource(i: number): string | undefined {
    return typeof this.lines[3 * i + 2] === 'number' ? this.src : undefined;
  }

  /** @internal The bytes of spanSource's text (valid when spanSource(i) is not undefined). */
  spanBytes(): Uint8Array {
    return this.bytes!;
  }

  /** @internal */
  spanStart(i: number): number {
    return (this.lines[3 * i + 2] as number) >> SPAN_SHIFT;
  }

  /** @internal */
  spanEnd(i: number): number {
    return (this.lines[3 * i + 2] as number) & SPAN_MASK;
  }

  /** @internal Value of line i (cut out of the text on first read, then kept). */
  valueAt(i: number): string {
    const v = this.lines[3 * i + 2]!;
    if (typeof v === 'string') return v;
    return (this.lines[3 * i + 2] = this.src!.slice(v >> SPAN_SHIFT, v & SPAN_MASK));
  }

  /** Number of lines of this header. */
  count(name: string): number {
    const key = headerKey(name);
    const lines = this.lines;
    let n = 0;
    for (let k = 1; k < lines.length; k += 3) if (lines[k] === key) n++;
    return n;
  }

  has(name: string): boolean {
    return this.indexOfKey(headerKey(name), 0) >= 0;
  }

  set(name: string, value: string): void {
    const key = headerKey(name);
    const first = this.indexOfKey(key, 0);
    if (first < 0) {
      this.append(name, value);
      return;
    }
    this.removeWhere(key, first + 1);
    this.lines[3 * first] = name;
    this.lines[3 * first + 2] = value;
    this.edited();
  }

  append(name: string, value: string): void {
    this.lines.push(name, headerKey(name), value);
    this.edited();
  }

  prepend(name: string, value: string): void {
    const key = headerKey(name);
    let at = this.indexOfKey(key, 0);
    if (at < 0) at = 0;
    this.lines.splice(3 * at, 0, name, key, value);
    this.edited();
  }

  delete(name: string): void {
    this.removeWhere(headerKey(name), 0);
    this.edited();
  }

  deleteFirst(name: string): void {
    const at = this.indexOfKey(headerKey(name), 0);
    if (at < 0) return;
    this.lines.splice(3 * at, 3);
    this.edited();
  }

  entries(): Array<[name: string, value: string]> {
    const n = this.lines.length / 3;
    const out: Array<[string, string]> = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [this.lines[3 * i] as string, this.valueAt(i)];
    return out;
  }

  /** Calls fn for every line in wire order (no array allocation: used by the serializer). */
  forEach(fn: (name: string, value: string, key: string) => void): void {
    const n = this.lines.length / 3;
    for (let i = 0; i < n; i++) fn(this.lines[3 * i] as string, this.valueAt(i), this.lines[3 * i + 1] as string);
  }

  /** A copy (values not yet read stay spans of the same text, which is never modified). */
  clone(): Headers {
    return new Headers(undefined, this.lines.slice(), this.src, this.bytes, this.hot0, this.hot1);
  }

  /** @internal accessor memo slot (undefined = not computed yet). */
  memoGet(slot: number): unknown {
    switch (slot) {
      case 1: return this.memoContact;
      case 5: return this.memoFrom;
      case 6: return this.memoTo;
      case 9: return this.memoCSeq;
      case 15: return this.memoViaLine;
      default: return this.memo === undefined ? undefined : this.memo[slot];
    }
  }

  /** @internal */
  memoSet(slot: number, value: unknown): void {
    switch (slot) {
      case 1: this.memoContact = value; break;
      case 5: this.memoFrom = value; break;
      case 6: this.memoTo = value; break;
      case 9: this.memoCSeq = value; break;
      case 15: this.memoViaLine = value; break;
      default: (this.memo ??= newMemo())[slot] = value;
    }
  }

  /** After any edit: parsed views and recorded first lines no longer hold. */
  private edited(): void {
    this.memo = undefined;
    this.memoContact = undefined;
    this.memoFrom = undefined;
    this.memoTo = undefined;
    this.memoCSeq = undefined;
    this.memoViaLine = undefined;
    this.hot0 = UNKNOWN;
    this.hot1 = UNKNOWN;
  }

  /** Remove every line with this key from line `from` on. */
  private removeWhere(key: string, from: number): void {
    const lines = this.lines;
    let w = 3 * from;
    for (let r = 3 * from; r < lines.length; r += 3) {
      if (lines[r + 1] === key) continue;
      if (w !== r) {
        lines[w] = lines[r]!;
        lines[w + 1] = lines[r + 1]!;
        lines[w + 2] = lines[r + 2]!;
      }
      w += 3;
    }
    lines.length = w;
  }
}
