/**
 * sip:, sips:, tel: and other absolute URIs (RFC 3261 §19.1, §25.1; RFC 3966; RFC 5118).
 *
 *   sip:user:password@host:port;uri-parameters?headers
 *   \_/ \_______________/ \__/ \__/ \____________/ \_____/
 *  scheme    userinfo     host port    params     headers
 *
 * - userinfo ends at the first "@" (user-unreserved allows ";" "?" "/", so `sip:user;par=u%40x@h`
 *   has the user `user;par=u@x`, RFC 4475 §3.1.1.9).
 * - user, password, params and headers are %-unescaped exactly once and re-escaped by formatUri.
 * - IPv6 references keep no brackets in `host`; formatUri puts them back. `[2001:db8::10:5070]`
 *   is one address with no port (RFC 5118 §4.3); `:::` is tolerated and read as `::`
 *   (RFC 5118 §4.10).
 */
import type { SipUri } from './types';
import * as chars from './chars';
import { escape, is } from './chars';
import * as bytesMod from './bytes';

// Module-local aliases of imported functions (see the note in parser.ts: exported bindings live in
// cells TurboFan does not fold).
const { bytesOf, indexOfB, knownParamAt, lastCaseB, scanB, scanCasedB, unescapeCheckedB } = bytesMod;

// Local aliases of chars.ts's table and class bits: exported module bindings live in cells that
// TurboFan does not fold into the hot loops; a module-local const is read like a constant.
const { HEX, HNV, HOST, PARAM, PASSWORD, SCHEME, TABLE, TEL, UPPER, URIC, USER, USERINFO } = chars;

function indexOfAny(b: Uint8Array, from: number, end: number, x: number, y: number, z: number): number {
  for (let i = from; i < end; i++) {
    const c = b[i];
    if (c === x || c === y || c === z) return i;
  }
  return end;
}

const SEMI = 0x3b;
const QMARK = 0x3f;
const EQ = 0x3d;
const AMP = 0x26;

/**
 * Where the last scanUriParams / scanUriHeaders call stopped. The lists are returned and only this
 * number is kept in the module (a new object stored into the module's old context would take the
 * write barrier's slow path on every call).
 */
let scanEnd = 0;

/**
 * `*( ";" pname [ "=" pvalue ] )` from offset p: returns the list (the index after it in
 * scanEnd), or undefined. (Arrays are made with their first element: an empty `[]` grown by push would
 * reserve 17 slots.) A name or value of plain paramchars is cut directly; one with a %-escape
 * (or a bad char) goes through unescapeCheckedB.
 */
function scanUriParams(s: string, b: Uint8Array, p: number, end: number): Array<[string, string | null]> | undefined {
  let out: Array<[string, string | null]> | undefined;
  while (p < end && b[p] === SEMI) {
    let k = p + 1;
    while (k < end && (TABLE[b[k]!]! & PARAM) !== 0) k++;
    let nameEnd: number;
    let name: string | undefined;
    if (k === end || b[k] === SEMI || b[k] === EQ || b[k] === QMARK) {
      nameEnd = k;
      name = k === p + 1 ? undefined : knownParamAt(b, p + 1, k - p - 1) ?? s.slice(p + 1, k);
    } else {
      nameEnd = indexOfAny(b, p + 1, end, SEMI, EQ, QMARK);
      name = unescapeCheckedB(s, b, p + 1, nameEnd, PARAM);
    }
    if (name === undefined || name.length === 0) return undefined;
    let value: string | null = null;
    if (nameEnd < end && b[nameEnd] === EQ) {
      k = nameEnd + 1;
      while (k < end && (TABLE[b[k]!]! & PARAM) !== 0) k++;
      let valueEnd: number;
      let v: string | undefined;
      if (k === end || b[k] === SEMI || b[k] === QMARK) {
        valueEnd = k;
        v = s.slice(nameEnd + 1, k);
      } else {
        valueEnd = indexOfAny(b, nameEnd + 1, end, SEMI, QMARK, SEMI);
        v = unescapeCheckedB(s, b, nameEnd + 1, valueEnd, PARAM);
      }
      if (v === undefined || v.length === 0) return undefined;
      value = v;
      p = valueEnd;
    } else {
      p = nameEnd;
    }
    if (out === undefined) out = [[name, value]];
    else out.push([name, value]);
  }
  scanEnd = p;
  return out ?? [];
}

/** `"?" header *( "&" header )`, header = hname "=" hvalue (hvalue may be empty): the list (end in scanEnd), or undefined. */
function scanUriHeaders(s: string, b: Uint8Array, p: number, end: number): Array<[string, string | null]> | undefined {
  const out: Array<[string, string | null]> = [];
  while (p < end) {
    const nameEnd = indexOfAny(b, p + 1, end, EQ, AMP, AMP);
    if (nameEnd >= end || b[nameEnd] !== EQ) return undefined;
    const name = unescapeCheckedB(s, b, p + 1, nameEnd, HNV);
    if (name === undefined || name.length === 0) return undefined;
    const valueEnd = indexOfAny(b, nameEnd + 1, end, AMP, AMP, AMP);
    const value = unescapeCheckedB(s, b, nameEnd + 1, valueEnd, HNV);
    if (value === undefined) return undefined;
    out.push([name, value]);
    p = valueEnd;
  }
  scanEnd = p;
  return out;
}

/**
 * A SipUri built in one literal per shape (properties added one by one would each move the
 * object to a new hidden class, and past four spill into a separate property array).
 */
function makeUri(
  scheme: string, user: string | undefined, password: string | undefined, host: string, port: number,
  params: Array<[string, string | null]>, headers: Array<[string, string | null]>,
): SipUri {
  if (password !== undefined) {
    const u: SipUri = { scheme, user, password, host, params, headers };
    if (port > 0) u.port = port;
    return u;
  }
  if (user !== undefined) {
    return port > 0 ? { scheme, user, host, port, params, headers } : { scheme, user, host, params, headers };
  }
  return port > 0 ? { scheme, host, port, params, headers } : { scheme, host, params, headers };
}

function parseSipUri(scheme: string, s: string, b: Uint8Array, i: number, end: number): SipUri | undefined {
  // Written flat (scans inline): this runs for the Request-URI and every From/To/Contact.
  let user: string | undefined;
  let password: string | undefined;
  let host: string;
  let port = 0;
  let p = i;
  // userinfo = user [":" password] "@": it ends at the first "@" (user-unreserved allows ; ? /),
  // and only if every char before it can be in a userinfo (else there is none: host follows).
  let colon = -1;
  let escaped = false;
  let at = -1;
  for (let k = i; k < end; k++) {
    const c = b[k]!;
    if (c === 0x40) {
      at = k;
      break;
    }
    if ((TABLE[c]! & USERINFO) === 0) break;
    if (c === 0x3a) {
      if (colon < 0) colon = k;
    } else if (c === 0x25) {
      escaped = true;
    }
  }
  if (at >= 0) {
    const userEnd = colon >= 0 ? colon : at;
    if (userEnd === i) return undefined;
    if (colon < 0 && !escaped) {
      // Every char is in USERINFO and ":" "%" are absent: USERINFO minus those is USER.
      user = s.slice(i, at);
    } else {
      user = unescapeCheckedB(s, b, i, userEnd, USER);
      if (user === undefined) return undefined;
      if (colon >= 0) {
        password = unescapeCheckedB(s, b, colon + 1, at, PASSWORD);
        if (password === undefined) return undefined;
      }
    }
    p = at + 1;
  }
  // host
  if (p < end && b[p] === 0x5b /* [ */) {
    const close = indexOfB(b, 0x5d /* ] */, p, end);
    if (close < 0) return undefined;
    const h = parseIpv6Reference(s, p + 1, close);
    if (h === undefined) return undefined;
    host = h;
    p = close + 1;
  } else {
    let q = p;
    let cs = 0;
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
  // port: at most 5 digits (`005060` is as suspicious as 99999: security.md §2.3,
  // CVE-2026-106803), 1..65535
  if (p < end && b[p] === 0x3a) {
    let q = p + 1;
    while (q < end) {
      const d = b[q]! - 48;
      if (d < 0 || d > 9) break;
      port = port * 10 + d;
      q++;
    }
    if (q === p + 1 || q - p - 1 > 5 || port === 0 || port > 65535) return undefined;
    p = q;
  }
  let params: Array<[string, string | null]> = [];
  if (p < end && b[p] === SEMI) {
    const scannedParams = scanUriParams(s, b, p, end);
    if (scannedParams === undefined) return undefined;
    params = scannedParams;
    p = scanEnd;
  }
  let headers: Array<[string, string | null]> = [];
  if (p < end && b[p] === QMARK) {
    const scannedHeaders = scanUriHeaders(s, b, p, end);
    if (scannedHeaders === undefined) return undefined;
    headers = scannedHeaders;
    p = scanEnd;
  }
  return p === end ? makeUri(scheme, user, password, host, port, params, headers) : undefined;
}

/**
 * The address inside `[...]`, lower-cased, without brackets. Accepts hex digits, ":" and "."
 * (an embedded IPv4 tail). `:::` becomes `::` (RFC 5118 §4.10 tolerates the 3-colon form).
 */
export function parseIpv6Reference(s: string, from: number, to: number): string | undefined {
  if (to - from < 2 || to - from > 64) return undefined;
  let colons = 0;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x3a) colons++;
    else if (c !== 0x2e && !is(c, HEX)) return undefined;
  }
  if (colons < 2) return undefined;
  let host = s.slice(from, to).toLowerCase();
  const triple = host.indexOf(':::');
  if (triple >= 0) {
    host = host.slice(0, triple) + host.slice(triple + 1);
    if (host.indexOf(':::') >= 0) return undefined;
  }
  return host;
}

function parseTelUri(s: string, b: Uint8Array, i: number, end: number): SipUri | undefined {
  const numberEnd = indexOfAny(b, i, end, SEMI, QMARK, SEMI);
  const number = unescapeCheckedB(s, b, i, numberEnd, TEL);
  if (number === undefined || number.length === 0) return undefined;
  const params = scanUriParams(s, b, numberEnd, end);
  return params !== undefined && scanEnd === end ? { scheme: 'tel', user: number, host: '', params, headers: [] } : undefined;
}

/**
 * Parse a URI (no surrounding `<>`, no whitespace): s, or the range s[from, end) of it. `bytes`
 * are s's bytes when the caller has them (a parsed message, see bytes.ts).
 * Returns undefined if malformed.
 */
export function parseUri(s: string, from = 0, end = s.length, bytes?: Uint8Array): SipUri | undefined {
  return parseUriIn(s, bytes ?? bytesOf(s), from, end);
}

/** parseUri over s and its bytes b (for parsers that already hold the bytes). */
export function parseUriIn(s: string, b: Uint8Array, from: number, end: number): SipUri | undefined {
  const c0 = b[from]! | 0x20;
  if (c0 === 0x73 && end - from > 4 && (b[from + 1]! | 0x20) === 0x69 && (b[from + 2]! | 0x20) === 0x70) {
    // Fast path for `sip:` / `sips:` in any case.
    if (b[from + 3] === 0x3a) return parseSipUri('sip', s, b, from + 4, end);
    if ((b[from + 3]! | 0x20) === 0x73 && b[from + 4] === 0x3a) return parseSipUri('sips', s, b, from + 5, end);
  }
  const colon = scanCasedB(b, from, SCHEME, end);
  if (colon === from || colon >= end || b[colon] !== 0x3a) return undefined;
  if (c0 < 0x61 || c0 > 0x7a) return undefined; // scheme starts with ALPHA
  const scheme = (lastCaseB() & 1) === 0 ? s.slice(from, colon) : s.slice(from, colon).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, s, b, colon + 1, end);
  if (scheme === 'tel') return parseTelUri(s, b, colon + 1, end);
  if (colon + 1 >= end || scanB(b, colon + 1, URIC, end) < end) return undefined;
  return { scheme, host: '', params: [], headers: [], opaque: s.slice(colon + 1, end) };
}

function formatUriParams(params: Array<[string, string | null]>): string {
  let out = '';
  for (const [n, v] of params) out += ';' + escape(n, PARAM) + (v === null ? '' : '=' + escape(v, PARAM));
  return out;
}

export function formatHost(host: string): string {
  return host.indexOf(':') >= 0 ? '[' + host + ']' : host;
}

/** Serialize a URI, re-escaping what its grammar requires (inverse of parseUri). */
export function formatUri(u: SipUri): string {
  if (u.scheme === 'tel') return 'tel:' + escape(u.user ?? '', TEL) + formatUriParams(u.params);
  if (u.scheme !== 'sip' && u.scheme !== 'sips') return u.scheme + ':' + (u.opaque ?? '');
  let out = u.scheme + ':';
  if (u.user !== undefined) {
    out += escape(u.user, USER);
    if (u.password !== undefined) out += ':' + escape(u.password, PASSWORD);
    out += '@';
  }
  out += formatHost(u.host);
  if (u.port !== undefined) out += ':' + u.port;
  out += formatUriParams(u.params);
  if (u.headers.length > 0) {
    out += '?';
    for (let k = 0; k < u.headers.length; k++) {
      const [n, v] = u.headers[k]!;
      out += (k > 0 ? '&' : '') + escape(n, HNV) + '=' + escape(v ?? '', HNV);
    }
  }
  return out;
}

export function cloneUri(u: SipUri): SipUri {
  const c: SipUri = {
    ...u,
    params: u.params.map(([n, v]) => [n, v]),
    headers: u.headers.map(([n, v]) => [n, v]),
  };
  return c;
}

/** %-escape a string for the user part of a sip/sips URI (RFC 3261 §25.1 user). */
export function escapeUser(s: string): string {
  return escape(s, USER);
}

/** %-escape a string for a uri-parameter name or value (RFC 3261 §25.1 paramchar). */
export function escapeUriParam(s: string): string {
  return escape(s, PARAM);
}
