/**
 * The ordered header list of a message (contract: SipHeaders in types.ts).
 *
 * Lines are kept as written (name spelling, order, value text after unfolding), so unknown
 * headers round-trip verbatim. Look-ups go through the lower-case long-name key, so `i`, `Call-ID`
 * and `call-id` are the same header. A header list is small (tens of lines): a linear scan over a
 * parallel key array beats a map here.
 *
 * Typed views parsed by accessors.ts are memoised per header key and dropped on any mutation.
 */
import type { SipHeaders } from './types';
import { headerKey } from './header-names';

/** Accessor memo slots (accessors.ts numbers its parsers below this). */
export const MEMO_SLOTS = 24;

export class Headers implements SipHeaders {
  private names: string[];
  private values: string[];
  private keys: string[];
  /** Parsed views by accessor slot (accessors.ts), dropped on every mutation. */
  private memo: unknown[] | undefined;

  constructor(entries?: Iterable<readonly [string, string]>) {
    this.names = [];
    this.values = [];
    this.keys = [];
    if (entries) for (const [n, v] of entries) this.append(n, v);
  }

  /** Build from arrays the parser already holds (no copy; the caller gives them up). */
  static fromParsed(names: string[], values: string[], keys: string[]): Headers {
    const h = new Headers();
    h.names = names;
    h.values = values;
    h.keys = keys;
    return h;
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
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) return this.values[i];
    return undefined;
  }

  getAll(name: string): string[] {
    return this.getAllByKey(headerKey(name));
  }

  /** getAll() for a name already in key form. */
  getAllByKey(key: string): string[] {
    const out: string[] = [];
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) if (keys[i] === key) out.push(this.values[i]!);
    return out;
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
    this.removeWhere(key, first + 1);
    this.names[first] = name;
    this.values[first] = value;
    this.memo = undefined;
  }

  append(name: string, value: string): void {
    this.names.push(name);
    this.values.push(value);
    this.keys.push(headerKey(name));
    this.memo = undefined;
  }

  prepend(name: string, value: string): void {
    const key = headerKey(name);
    let at = this.keys.indexOf(key);
    if (at < 0) at = 0;
    this.names.splice(at, 0, name);
    this.values.splice(at, 0, value);
    this.keys.splice(at, 0, key);
    this.memo = undefined;
  }

  delete(name: string): void {
    this.removeWhere(headerKey(name), 0);
    this.memo = undefined;
  }

  deleteFirst(name: string): void {
    const at = this.keys.indexOf(headerKey(name));
    if (at < 0) return;
    this.names.splice(at, 1);
    this.values.splice(at, 1);
    this.keys.splice(at, 1);
    this.memo = undefined;
  }

  entries(): Array<[name: string, value: string]> {
    const out: Array<[string, string]> = new Array(this.names.length);
    for (let i = 0; i < this.names.length; i++) out[i] = [this.names[i]!, this.values[i]!];
    return out;
  }

  /** Calls fn for every line in wire order (no array allocation: used by the serializer). */
  forEach(fn: (name: string, value: string, key: string) => void): void {
    for (let i = 0; i < this.names.length; i++) fn(this.names[i]!, this.values[i]!, this.keys[i]!);
  }

  clone(): Headers {
    return Headers.fromParsed(this.names.slice(), this.values.slice(), this.keys.slice());
  }

  /** @internal accessor memo slot (undefined = not computed yet). */
  memoGet(slot: number): unknown {
    return this.memo === undefined ? undefined : this.memo[slot];
  }

  /** @internal */
  memoSet(slot: number, value: unknown): void {
    (this.memo ??= new Array<unknown>(MEMO_SLOTS))[slot] = value;
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
