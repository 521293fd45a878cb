/**
 * Byte scanners: the hot-path twins of the string scanners in chars.ts.
 *
 * Header values are parsed in place, as ranges of the message. The fast path (parser.ts) only
 * takes all-ASCII messages, so the message's bytes and its decoded text have the same offsets:
 * the scanners read classes from the bytes (a typed-array load; a byte indexes TABLE with no
 * range check) and the parsers cut result strings out of the text. A string that did not come
 * from a parsed message gets its bytes from bytesOf(), one byte per UTF-16 unit.
 */
import * as chars from './chars';

// Local aliases of chars.ts's table and class bits: exported module bindings live in cells that
// TurboFan does not fold into the hot loops; a module-local const is read like a constant.
const LOWER = chars.LOWER;
const TABLE = chars.TABLE;
const UPPER = chars.UPPER;
const hexVal = chars.hexVal;

/** Index of the first byte at or after `i` (before `end`) that is not SP/HTAB. */
export function skipWspB(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Index after the run of bytes of class `flag` starting at `i` (at most `end`). */
export function scanB(b: Uint8Array, i: number, flag: number, end: number): number {
  while (i < end && (TABLE[b[i]!]! & flag) !== 0) i++;
  return i;
}

/** Index of the first byte at or after `i` that IS in class `flag`, or `end`. */
export function scanUntilB(b: Uint8Array, i: number, flag: number, end: number): number {
  while (i < end && (TABLE[b[i]!]! & flag) === 0) i++;
  return i;
}

/** Index of the first byte `c` in b[from, end), or -1. */
export function indexOfB(b: Uint8Array, c: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (b[i] === c) return i;
  return -1;
}

/** Case seen by the last scanCasedB: bit 1 = an upper-case letter, bit 2 = a lower-case one. */
let lastCase = 0;

/** scanB that records which letter cases it met (lastCaseB), so callers change case only if needed. */
export function scanCasedB(b: Uint8Array, i: number, flag: number, end: number): number {
  let cs = 0;
  while (i < end) {
    const t = TABLE[b[i]!]!;
    if ((t & flag) === 0) break;
    cs |= t;
    i++;
  }
  lastCase = ((cs & UPPER) !== 0 ? 1 : 0) | ((cs & LOWER) !== 0 ? 2 : 0);
  return i;
}

export function lastCaseB(): number {
  return lastCase;
}

/** Whether the last quoted-string scanQuotedB accepted held a quoted-pair (a backslash and a char). */
let quotedPair = false;

export function lastQuotedHadPair(): boolean {
  return quotedPair;
}

/**
 * A quoted-string starting at b[i] === '"' (RFC 3261 §25.1): the index after the closing quote,
 * or -1 if unterminated before `end` or holding a raw control char (a quoted-pair may escape any
 * char except CR and LF).
 */
export function scanQuotedB(b: Uint8Array, i: number, end: number): number {
  i++;
  quotedPair = false;
  while (i < end) {
    const c = b[i]!;
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      if (i + 1 >= end) return -1;
      const n = b[i + 1]!;
      if (n === 0x0d || n === 0x0a) return -1;
      quotedPair = true;
      i += 2;
      continue;
    }
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return -1;
    i++;
  }
  return -1;
}

/**
 * Parse b[from, to) as an unsigned decimal no larger than `max` (leading zeros allowed; signs,
 * spaces, `0x`, exponents are not). Undefined when empty, not all digits, or above `max`.
 */
export function parseDigitsB(b: Uint8Array, from: number, to: number, max: number): number | undefined {
  if (to <= from) return undefined;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return undefined;
    v = v * 10 + c;
    if (v > max) return undefined;
  }
  return v;
}

/**
 * Validate b[from, to) as `*( allowed / escaped )` and return s[from, to) %-unescaped exactly once
 * (RFC 3261 §19.1.2, RFC 4475 §3.1.1.3: `%25%34%31` becomes `%41`, never `A`; escaped octets decode
 * as UTF-8), or undefined when a char is outside `allowed` or an escape is malformed.
 */
export function unescapeCheckedB(s: string, b: Uint8Array, from: number, to: number, allowed: number): string | undefined {
  let pct = -1;
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0x25) {
      if (pct < 0) pct = i;
      if (i + 2 >= to || hexVal(b[i + 1]!) < 0 || hexVal(b[i + 2]!) < 0) return undefined;
      i += 2;
    } else if ((TABLE[c]! & allowed) === 0) {
      return undefined;
    }
  }
  if (pct < 0) return s.slice(from, to);
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0x25) {
      out.push(hexVal(b[i + 1]!) * 16 + hexVal(b[i + 2]!));
      i += 2;
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out).toString('utf8');
}

/**
 * The usual request methods as constants when b[from, from + len) spells one (no slice, and
 * later comparisons meet the same string), else undefined.
 */
export function knownMethodAt(b: Uint8Array, from: number, len: number): string | undefined {
  const c = b[from];
  switch (len) {
    case 3:
      if (c === 0x41 && b[from + 1] === 0x43 && b[from + 2] === 0x4b) return 'ACK';
      if (c === 0x42 && b[from + 1] === 0x59 && b[from + 2] === 0x45) return 'BYE';
      return undefined;
    case 6:
      if (c === 0x49 && b[from + 1] === 0x4e && b[from + 2] === 0x56 && b[from + 3] === 0x49 && b[from + 4] === 0x54 &&
        b[from + 5] === 0x45) return 'INVITE';
      if (c === 0x43 && b[from + 1] === 0x41 && b[from + 2] === 0x4e && b[from + 3] === 0x43 && b[from + 4] === 0x45 &&
        b[from + 5] === 0x4c) return 'CANCEL';
      if (c === 0x4e && b[from + 1] === 0x4f && b[from + 2] === 0x54 && b[from + 3] === 0x49 && b[from + 4] === 0x46 &&
        b[from + 5] === 0x59) return 'NOTIFY';
      return undefined;
    case 7:
      if (c === 0x4f && b[from + 1] === 0x50 && b[from + 2] === 0x54 && b[from + 3] === 0x49 && b[from + 4] === 0x4f &&
        b[from + 5] === 0x4e && b[from + 6] === 0x53) return 'OPTIONS';
      return undefined;
    case 8:
      if (c === 0x52 && b[from + 1] === 0x45 && b[from + 2] === 0x47 && b[from + 3] === 0x49 && b[from + 4] === 0x53 &&
        b[from + 5] === 0x54 && b[from + 6] === 0x45 && b[from + 7] === 0x52) return 'REGISTER';
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Parameter names seen on nearly every message, as constants when b[from, from + len) spells one
 * exactly (no slice; getParam then compares by pointer), else undefined.
 */
export function knownParamAt(b: Uint8Array, from: number, len: number): string | undefined {
  const c = b[from];
  switch (len) {
    case 2:
      return c === 0x6c && b[from + 1] === 0x72 ? 'lr' : undefined;
    case 3:
      if (c === 0x74 && b[from + 1] === 0x61 && b[from + 2] === 0x67) return 'tag';
      return c === 0x74 && b[from + 1] === 0x74 && b[from + 2] === 0x6c ? 'ttl' : undefined;
    case 5:
      if (c === 0x72 && b[from + 1] === 0x70 && b[from + 2] === 0x6f && b[from + 3] === 0x72 && b[from + 4] === 0x74) return 'rport';
      return c === 0x6d && b[from + 1] === 0x61 && b[from + 2] === 0x64 && b[from + 3] === 0x64 && b[from + 4] === 0x72
        ? 'maddr' : undefined;
    case 6:
      return c === 0x62 && b[from + 1] === 0x72 && b[from + 2] === 0x61 && b[from + 3] === 0x6e && b[from + 4] === 0x63 &&
        b[from + 5] === 0x68 ? 'branch' : undefined;
    case 7:
      return c === 0x65 && b[from + 1] === 0x78 && b[from + 2] === 0x70 && b[from + 3] === 0x69 && b[from + 4] === 0x72 &&
        b[from + 5] === 0x65 && b[from + 6] === 0x73 ? 'expires' : undefined;
    case 8:
      return c === 0x72 && b[from + 1] === 0x65 && b[from + 2] === 0x63 && b[from + 3] === 0x65 && b[from + 4] === 0x69 &&
        b[from + 5] === 0x76 && b[from + 6] === 0x65 && b[from + 7] === 0x64 ? 'received' : undefined;
    case 9:
      return c === 0x74 && b[from + 1] === 0x72 && b[from + 2] === 0x61 && b[from + 3] === 0x6e && b[from + 4] === 0x73 &&
        b[from + 5] === 0x70 && b[from + 6] === 0x6f && b[from + 7] === 0x72 && b[from + 8] === 0x74 ? 'transport' : undefined;
    default:
      return undefined;
  }
}

const SCRATCH_SIZE = 4096;
let scratch: Buffer | undefined;

/**
 * The bytes of s for the byte scanners: one byte per UTF-16 unit, the unit itself when ASCII and
 * 0xFF otherwise (no class has a non-ASCII member, so every scan decides as it would on s).
 * Strings up to 4 KiB share one scratch buffer: the result is valid until the next call, so
 * only public entry points call this, once, before handing the bytes down.
 */
export function bytesOf(s: string): Uint8Array {
  const n = s.length;
  let out: Buffer;
  if (n <= SCRATCH_SIZE) {
    scratch ??= Buffer.allocUnsafe(SCRATCH_SIZE);
    out = scratch;
  } else {
    out = Buffer.allocUnsafe(n);
  }
  if (Buffer.byteLength(s, 'utf8') === n) {
    out.write(s, 0, n, 'latin1'); // all ASCII: one byte per char, as is
  } else {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      out[i] = c < 128 ? c : 0xff;
    }
  }
  return out;
}
