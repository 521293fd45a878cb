/**
 * Small single-valued headers: CSeq, Max-Forwards, Expires, Content-Length, Call-ID,
 * Content-Type. Numbers are read with a digit scanner that rejects signs, spaces, hex and
 * exponents and stops at the first overflow (RFC 4475 §3.1.2.4 scalar02, §3.1.2.5 scalarlg).
 */
import type { CSeq, Params } from './types';
import * as chars from './chars';
import { isWsp, parseUnsigned, scan, skipWsp } from './chars';
import * as paramsMod from './params';
import * as bytesMod from './bytes';

// Module-local aliases of imported functions (see the note in parser.ts: exported bindings live in
// cells TurboFan does not fold).
const { scanGenericParams, scannedEnd } = paramsMod;
const { bytesOf, knownMethodAt } = bytesMod;

// Local aliases of chars.ts's table and class bits: exported module bindings live in cells that
// TurboFan does not fold into the hot loops; a module-local const is read like a constant.
const TABLE = chars.TABLE;
const TOKEN = chars.TOKEN;
const WORD = chars.WORD;

/** 2^32 - 1: the ceiling of CSeq numbers (RFC 3261 §8.1.1.5, §20.16) and delta-seconds. */
export const MAX_UINT32 = 0xffffffff;

/**
 * `CSeq: 1*DIGIT LWS Method` (RFC 3261 §20.16). The number must fit in 32 bits unsigned; a
 * UAC must start below 2^31 (§8.1.1.5) but a received value up to 2^32-1 is legal.
 */
export function parseCSeq(s: string, from = 0, end = s.length, bytes?: Uint8Array): CSeq | undefined {
  // Written flat (scans inline): this runs on every message.
  const b = bytes ?? bytesOf(s);
  let p = from;
  while (p < end && (b[p] === 0x20 || b[p] === 0x09)) p++;
  const digits = p;
  let seq = 0;
  while (p < end) {
    const d = b[p]! - 48;
    if (d < 0 || d > 9) break;
    seq = seq * 10 + d;
    if (seq > MAX_UINT32) return undefined;
    p++;
  }
  if (p === digits) return undefined;
  const afterDigits = p;
  while (p < end && (b[p] === 0x20 || b[p] === 0x09)) p++;
  if (p === afterDigits) return undefined;
  const m = p;
  while (p < end && (TABLE[b[p]!]! & TOKEN) !== 0) p++;
  if (p === m) return undefined;
  const me = p;
  while (p < end && (b[p] === 0x20 || b[p] === 0x09)) p++;
  if (p !== end) return undefined;
  return { seq, method: knownMethodAt(b, m, me - m) ?? s.slice(m, me) };
}

export function formatCSeq(c: CSeq): string {
  return c.seq + ' ' + c.method;
}

/** `Max-Forwards: 1*DIGIT`, 0..255 (RFC 3261 §20.22; leading zeros allowed: `0068`). */
export function parseMaxForwards(s: string): number | undefined {
  return parseUnsigned(s, 255);
}

/** delta-seconds, 0..2^32-1 (RFC 3261 §20.19). Larger values return undefined (caller falls back). */
export function parseDeltaSeconds(s: string): number | undefined {
  return parseUnsigned(s, MAX_UINT32);
}

/** Content-Length (RFC 3261 §20.14): digits only. `-999` (RFC 4475 ncl) is invalid. */
export function parseContentLength(s: string): number | undefined {
  return parseUnsigned(s, 0x7fffffff);
}

/** `callid = word [ "@" word ]` (RFC 3261 §25.1). Returns the trimmed Call-ID or undefined. */
export function parseCallId(s: string): string | undefined {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  const w1 = scan(s, a, WORD);
  if (w1 === a) return undefined;
  if (w1 === b) return a === 0 && b === s.length ? s : s.slice(a, b);
  if (s.charCodeAt(w1) !== 0x40) return undefined;
  const w2 = scan(s, w1 + 1, WORD);
  if (w2 === w1 + 1 || w2 !== b) return undefined;
  return s.slice(a, b);
}

export interface MediaType {
  /** Lower-case `type/subtype`, e.g. `application/sdp`. */
  type: string;
  params: Params;
}

/** `Content-Type: type/subtype *(;param)` (RFC 3261 §20.15). */
export function parseMediaType(s: string): MediaType | undefined {
  const a = skipWsp(s, 0);
  const te = scan(s, a, TOKEN);
  const slash = skipWsp(s, te);
  if (te === a || slash >= s.length || s.charCodeAt(slash) !== 0x2f) return undefined;
  const ss = skipWsp(s, slash + 1);
  const se = scan(s, ss, TOKEN);
  if (se === ss) return undefined;
  const params: Params | undefined = scanGenericParams(s, bytesOf(s), se, s.length);
  if (params === undefined) return undefined;
  const p = skipWsp(s, scannedEnd());
  if (p !== s.length) return undefined;
  const type = te === slash && ss === slash + 1 ? s.slice(a, se) : s.slice(a, te) + '/' + s.slice(ss, se);
  return { type: type.toLowerCase(), params };
}
