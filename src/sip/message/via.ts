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
import { DIGIT, HOST, TOKEN, lastScanCase, parseDigits, scan, scanCased, skipWsp } from './chars';
import { cloneParams, formatParams, getParam, scanGenericParams } from './params';
import { formatHost, parseIpv6Reference } from './uri';

function expectSlash(s: string, i: number): number {
  i = skipWsp(s, i);
  if (i >= s.length || s.charCodeAt(i) !== 0x2f) return -1;
  return skipWsp(s, i + 1);
}

const SIP_2_0 = 'SIP/2.0/';

function parseViaAt(s: string, i: number): { value: Via; next: number } | undefined {
  i = skipWsp(s, i);
  let protocol: string;
  let p: number;
  if (s.startsWith(SIP_2_0, i)) {
    protocol = 'SIP/2.0';
    p = i + SIP_2_0.length;
  } else {
    const nameEnd = scan(s, i, TOKEN);
    if (nameEnd === i) return undefined;
    p = expectSlash(s, nameEnd);
    if (p < 0) return undefined;
    const versionEnd = scan(s, p, TOKEN);
    if (versionEnd === p) return undefined;
    protocol = s.slice(i, nameEnd).toUpperCase() + '/' + s.slice(p, versionEnd);
    p = expectSlash(s, versionEnd);
    if (p < 0) return undefined;
  }
  const transportEnd = scanCased(s, p, TOKEN);
  if (transportEnd === p) return undefined;
  const transport = (lastScanCase() & 2) === 0 ? s.slice(p, transportEnd) : s.slice(p, transportEnd).toUpperCase();
  p = skipWsp(s, transportEnd);
  if (p === transportEnd) return undefined; // LWS required before sent-by
  let host: string;
  if (p < s.length && s.charCodeAt(p) === 0x5b) {
    const close = s.indexOf(']', p);
    if (close < 0) return undefined;
    const h = parseIpv6Reference(s, p + 1, close);
    if (h === undefined) return undefined;
    host = h;
    p = close + 1;
  } else {
    const q = scanCased(s, p, HOST);
    if (q === p) return undefined;
    host = (lastScanCase() & 1) === 0 ? s.slice(p, q) : s.slice(p, q).toLowerCase();
    p = q;
  }
  const value: Via = { protocol, transport, host, params: [] };
  const afterHost = skipWsp(s, p);
  if (afterHost < s.length && s.charCodeAt(afterHost) === 0x3a) {
    const ps = skipWsp(s, afterHost + 1);
    const pe = scan(s, ps, DIGIT);
    const port = pe - ps <= 5 ? parseDigits(s, ps, pe, 65535) : undefined;
    if (port === undefined || port === 0) return undefined;
    value.port = port;
    p = pe;
  }
  p = scanGenericParams(s, p, value.params);
  if (p < 0) return undefined;
  p = skipWsp(s, p);
  if (p < s.length && s.charCodeAt(p) !== 0x2c) return undefined;
  return { value, next: p };
}

/** Parse one Via header line (which may hold several comma-separated values). */
export function parseVia(s: string): Via[] | undefined {
  const out: Via[] = [];
  let i = 0;
  for (;;) {
    const r = parseViaAt(s, i);
    if (!r) return undefined;
    out.push(r.value);
    if (r.next >= s.length) return out;
    i = r.next + 1;
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
