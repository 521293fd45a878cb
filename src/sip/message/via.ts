/**
 * Via (RFC 3261 §20.42, §25.1; RFC 3581 rport; RFC 5118 IPv6).
 *
 *   Via: SIP / 2.0 / UDP  host:port ;branch=z9hG4bK...;received=1.2.3.4;rport , SIP/2.0/TCP ...
 *        \______________/ \_______/ \_______________________________________/
 *          sent-protocol   sent-by               via-params
 *
 * SLASH and COLON allow LWS around them; one header line may hold several via-parms.
 * `received` may be an IPv6 address with or without brackets (RFC 5118 §4.5, §4.6); `rport`
 * is usually valueless in requests (RFC 3581 §3).
 */
import type { Via } from './types';
import * as chars from './chars';
import * as bytesMod from './bytes';
import * as paramsMod from './params';
import * as uriMod from './uri';

// Module-local aliases of imported functions (see the note in parser.ts: exported bindings live in
// cells TurboFan does not fold).
const { bytesOf, indexOfB, scanB, skipWspB } = bytesMod;
const { cloneParams, formatParams, getParam, scanGenericParams, scannedEnd } = paramsMod;
const { formatHost, parseIpv6Reference } = uriMod;

// Local aliases of chars.ts's table and class bits: exported module bindings live in cells that
// TurboFan does not fold into the hot loops; a module-local const is read like a constant.
const HOST = chars.HOST;
const LOWER = chars.LOWER;
const TABLE = chars.TABLE;
const TOKEN = chars.TOKEN;
const UPPER = chars.UPPER;

function expectSlash(b: Uint8Array, i: number, end: number): number {
  i = skipWspB(b, i, end);
  if (i >= end || b[i] !== 0x2f) return -1;
  return skipWspB(b, i + 1, end);
}

/** `SIP/2.0/` exactly (the sent-protocol of every Via in practice), compared without a call. */
function isSip20Slash(b: Uint8Array, i: number, end: number): boolean {
  return i + 8 <= end && b[i] === 0x53 && b[i + 1] === 0x49 && b[i + 2] === 0x50 && b[i + 3] === 0x2f &&
    b[i + 4] === 0x32 && b[i + 5] === 0x2e && b[i + 6] === 0x30 && b[i + 7] === 0x2f;
}

/** The usual transports as constants (no slice): `UDP`, `TCP`, `TLS` in upper case. */
function knownTransport(b: Uint8Array, i: number, end: number): string | undefined {
  if (end - i !== 3) return undefined;
  const x = b[i];
  const y = b[i + 1];
  const z = b[i + 2];
  if (x === 0x55 && y === 0x44 && z === 0x50) return 'UDP';
  if (x === 0x54 && y === 0x43 && z === 0x50) return 'TCP';
  if (x === 0x54 && y === 0x4c && z === 0x53) return 'TLS';
  return undefined;
}

/** Where the last parseViaAt stopped (end, or the "," before the next via-parm). */
let stoppedAt = 0;

function parseViaAt(s: string, b: Uint8Array, i: number, end: number): Via | undefined {
  // Written flat (scans inline, helpers only for rare forms): this runs on every message.
  while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
  let protocol: string;
  let p: number;
  if (isSip20Slash(b, i, end)) {
    protocol = 'SIP/2.0';
    p = i + 8;
  } else {
    const nameEnd = scanB(b, i, TOKEN, end);
    if (nameEnd === i) return undefined;
    p = expectSlash(b, nameEnd, end);
    if (p < 0) return undefined;
    const versionEnd = scanB(b, p, TOKEN, end);
    if (versionEnd === p) return undefined;
    protocol = s.slice(i, nameEnd).toUpperCase() + '/' + s.slice(p, versionEnd);
    p = expectSlash(b, versionEnd, end);
    if (p < 0) return undefined;
  }
  // transport: a token, upper-cased
  let q = p;
  let cs = 0;
  while (q < end) {
    const t = TABLE[b[q]!]!;
    if ((t & TOKEN) === 0) break;
    cs |= t;
    q++;
  }
  if (q === p) return undefined;
  const transport = knownTransport(b, p, q) ?? ((cs & LOWER) === 0 ? s.slice(p, q) : s.slice(p, q).toUpperCase());
  p = q;
  while (p < end && (b[p] === 0x20 || b[p] === 0x09)) p++;
  if (p === q) return undefined; // LWS required before sent-by
  // sent-by host, lower-cased
  let host: string;
  if (p < end && b[p] === 0x5b) {
    const close = indexOfB(b, 0x5d /* ] */, p, end);
    if (close < 0) return undefined;
    const h = parseIpv6Reference(s, p + 1, close);
    if (h === undefined) return undefined;
    host = h;
    p = close + 1;
  } else {
    q = p;
    cs = 0;
    while (q < end) {
      const t = TABLE[b[q]!]!;
      if ((t & HOST) === 0) break;
      cs |= t;
      q++;
    }
    if (q === p) return undefined;
    host = (cs & UPPER) === 0 ? s.slice(p, q) : s.slice(p, q).toLowerCase();
    p = q;
  }
  // [ COLON port ]: at most 5 digits, 1..65535
  let port = 0;
  let a = p;
  while (a < end && (b[a] === 0x20 || b[a] === 0x09)) a++;
  if (a < end && b[a] === 0x3a) {
    a++;
    while (a < end && (b[a] === 0x20 || b[a] === 0x09)) a++;
    const ps = a;
    while (a < end) {
      const d = b[a]! - 48;
      if (d < 0 || d > 9) break;
      port = port * 10 + d;
      a++;
    }
    if (a === ps || a - ps > 5 || port === 0 || port > 65535) return undefined;
    p = a;
  }
  const params = scanGenericParams(s, b, p, end);
  if (params === undefined) return undefined;
  p = scannedEnd();
  while (p < end && (b[p] === 0x20 || b[p] === 0x09)) p++;
  if (p < end && b[p] !== 0x2c) return undefined;
  stoppedAt = p;
  // One literal per shape (see makeUri in uri.ts).
  return port > 0 ? { protocol, transport, host, port, params } : { protocol, transport, host, params };
}

/**
 * Parse one Via header line (which may hold several comma-separated values): s, or s[from, end).
 * `bytes` are s's bytes when the caller has them (a parsed message, see bytes.ts).
 */
export function parseVia(s: string, from = 0, end = s.length, bytes?: Uint8Array): Via[] | undefined {
  const b = bytes ?? bytesOf(s);
  const first = parseViaAt(s, b, from, end);
  if (!first) return undefined;
  // Made with its first element (an empty `[]` grown by push reserves 17 slots).
  const out: Via[] = [first];
  while (stoppedAt < end) {
    const v = parseViaAt(s, b, stoppedAt + 1, end);
    if (!v) return undefined;
    out.push(v);
  }
  return out;
}

export function formatVia(v: Via): string {
  let out = v.protocol + '/' + v.transport + ' ' + formatHost(v.host);
  if (v.port !== undefined) out += ':' + v.port;
  return out + formatParams(v.params);
}

export function cloneVia(v: Via): Via {
  const c: Via = { protocol: v.protocol, transport: v.transport, host: v.host, params: cloneParams(v.params) };
  if (v.port !== undefined) c.port = v.port;
  return c;
}

/** The branch parameter, or undefined (RFC 2543 peers send none, RFC 4475 inv2543). */
export function viaBranch(v: Via): string | undefined {
  const b = getParam(v.params, 'branch');
  return b === null ? undefined : b;
}

/** RFC 3261 §8.1.1.7 magic cookie: the branch was built by an RFC 3261 element. */
export const BRANCH_COOKIE = 'z9hG4bK';
