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
import { DIGIT, HOST, TOKEN, indexOfIn, lastScanCase, parseDigits, scan, scanCased, skipWsp } from './chars';
import { cloneParams, formatParams, getParam, scanGenericParams } from './params';
import { formatHost, parseIpv6Reference } from './uri';

function expectSlash(s: string, i: number, end: number): number {
  i = skipWsp(s, i, end);
  if (i >= end || s.charCodeAt(i) !== 0x2f) return -1;
  return skipWsp(s, i + 1, end);
}

/** `SIP/2.0/` exactly (the sent-protocol of every Via in practice), compared without a call. */
function isSip20Slash(s: string, i: number, end: number): boolean {
  return i + 8 <= end && s.charCodeAt(i) === 0x53 && s.charCodeAt(i + 1) === 0x49 && s.charCodeAt(i + 2) === 0x50 &&
    s.charCodeAt(i + 3) === 0x2f && s.charCodeAt(i + 4) === 0x32 && s.charCodeAt(i + 5) === 0x2e &&
    s.charCodeAt(i + 6) === 0x30 && s.charCodeAt(i + 7) === 0x2f;
}

/** The usual transports as constants (no slice): `UDP`, `TCP`, `TLS` in upper case. */
function knownTransport(s: string, i: number, end: number): string | undefined {
  if (end - i !== 3) return undefined;
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  if (a === 0x55 && b === 0x44 && c === 0x50) return 'UDP';
  if (a === 0x54 && b === 0x43 && c === 0x50) return 'TCP';
  if (a === 0x54 && b === 0x4c && c === 0x53) return 'TLS';
  return undefined;
}

/** Where the last parseViaAt stopped (end, or the "," before the next via-parm). */
let stoppedAt = 0;

function parseViaAt(s: string, i: number, end: number): Via | undefined {
  i = skipWsp(s, i, end);
  let protocol: string;
  let p: number;
  if (isSip20Slash(s, i, end)) {
    protocol = 'SIP/2.0';
    p = i + 8;
  } else {
    const nameEnd = scan(s, i, TOKEN, end);
    if (nameEnd === i) return undefined;
    p = expectSlash(s, nameEnd, end);
    if (p < 0) return undefined;
    const versionEnd = scan(s, p, TOKEN, end);
    if (versionEnd === p) return undefined;
    protocol = s.slice(i, nameEnd).toUpperCase() + '/' + s.slice(p, versionEnd);
    p = expectSlash(s, versionEnd, end);
    if (p < 0) return undefined;
  }
  const transportEnd = scanCased(s, p, TOKEN, end);
  if (transportEnd === p) return undefined;
  const transport = knownTransport(s, p, transportEnd) ??
    ((lastScanCase() & 2) === 0 ? s.slice(p, transportEnd) : s.slice(p, transportEnd).toUpperCase());
  p = skipWsp(s, transportEnd, end);
  if (p === transportEnd) return undefined; // LWS required before sent-by
  let host: string;
  if (p < end && s.charCodeAt(p) === 0x5b) {
    const close = indexOfIn(s, 0x5d /* ] */, p, end);
    if (close < 0) return undefined;
    const h = parseIpv6Reference(s, p + 1, close);
    if (h === undefined) return undefined;
    host = h;
    p = close + 1;
  } else {
    const q = scanCased(s, p, HOST, end);
    if (q === p) return undefined;
    host = (lastScanCase() & 1) === 0 ? s.slice(p, q) : s.slice(p, q).toLowerCase();
    p = q;
  }
  const value: Via = { protocol, transport, host, params: [] };
  const afterHost = skipWsp(s, p, end);
  if (afterHost < end && s.charCodeAt(afterHost) === 0x3a) {
    const ps = skipWsp(s, afterHost + 1, end);
    const pe = scan(s, ps, DIGIT, end);
    const port = pe - ps <= 5 ? parseDigits(s, ps, pe, 65535) : undefined;
    if (port === undefined || port === 0) return undefined;
    value.port = port;
    p = pe;
  }
  p = scanGenericParams(s, p, value.params, end);
  if (p < 0) return undefined;
  p = skipWsp(s, p, end);
  if (p < end && s.charCodeAt(p) !== 0x2c) return undefined;
  stoppedAt = p;
  return value;
}

/** Parse one Via header line (which may hold several comma-separated values): s, or s[from, end). */
export function parseVia(s: string, from = 0, end = s.length): Via[] | undefined {
  const out: Via[] = [];
  let i = from;
  for (;;) {
    const v = parseViaAt(s, i, end);
    if (!v) return undefined;
    out.push(v);
    if (stoppedAt >= end) return out;
    i = stoppedAt + 1;
  }
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
