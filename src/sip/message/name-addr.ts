/**
 * name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route,
 * Refer-To, Referred-By, P-Asserted-Identity ... (RFC 3261 §20.10, §25.1).
 *
 *   "Display \"Name\"" <sip:user@host;uri-param>;header-param=value
 *   token token        <sip:user@host>;tag=1           (unquoted display name: tokens and LWS)
 *   sip:user@host;tag=1                                (addr-spec: every ";" is a header param)
 *   *                                                  (Contact wildcard)
 *
 * RFC 3261 §20.10: an addr-spec whose URI holds "," "?" or ";" must be in <>, so without <> the
 * URI ends at the first ";" "," or whitespace, and a "?" makes it invalid (RFC 4475 regbadct).
 * LAQUOT/RAQUOT allow no whitespace inside the brackets (RFC 4475 badaspec).
 */
import type { NameAddr } from './types';
import { ADDR_SPEC_END, TOKEN_LWS, quote, scan, scanQuoted, scanUntil, skipWsp, unquote } from './chars';
import { cloneParams, formatParams, scanGenericParams } from './params';
import { cloneUri, formatUri, parseUri } from './uri';

const COMMA = 0x2c;

/**
 * Parse one name-addr starting at s[i]. Returns the NameAddr and the index where parsing stopped
 * (end of string, or a "," when `inList`), or undefined if malformed.
 */
function parseNameAddrAt(s: string, i: number, inList: boolean): { value: NameAddr; next: number } | undefined {
  i = skipWsp(s, i);
  if (i >= s.length) return undefined;
  let displayName: string | undefined;
  let c = s.charCodeAt(i);
  let uriText: string;
  let p: number;
  if (c === 0x2a /* * */) {
    const j = skipWsp(s, i + 1);
    if (j === s.length || (inList && s.charCodeAt(j) === COMMA)) {
      return { value: { uri: { scheme: '', host: '', params: [], headers: [] }, params: [], wildcard: true }, next: j };
    }
    // fall through: `*` could start a display-name token (`*foo <sip:...>`)
  }
  if (c === 0x22 /* " */) {
    const end = scanQuoted(s, i);
    if (end < 0) return undefined;
    displayName = unquote(s, i, end);
    i = skipWsp(s, end);
    c = i < s.length ? s.charCodeAt(i) : -1;
    if (c !== 0x3c /* < */) return undefined;
  } else if (c !== 0x3c) {
    // Either `*(token LWS) <` (unquoted display name) or an addr-spec.
    const j = scan(s, i, TOKEN_LWS);
    if (j < s.length && s.charCodeAt(j) === 0x3c) {
      const dn = s.slice(i, j).trim();
      if (dn.length > 0) displayName = dn;
      i = j;
      c = 0x3c;
    }
  }
  if (c === 0x3c) {
    const close = s.indexOf('>', i + 1);
    if (close < 0) return undefined;
    uriText = s.slice(i + 1, close);
    p = close + 1;
  } else {
    const j = scanUntil(s, i, ADDR_SPEC_END);
    uriText = s.slice(i, j);
    if (uriText.indexOf('?') >= 0) return undefined;
    p = j;
  }
  const uri = parseUri(uriText);
  if (!uri) return undefined;
  const params: NameAddr['params'] = [];
  p = scanGenericParams(s, p, params);
  if (p < 0) return undefined;
  p = skipWsp(s, p);
  if (p < s.length && !(inList && s.charCodeAt(p) === COMMA)) return undefined;
  const value: NameAddr = { uri, params };
  if (displayName !== undefined) value.displayName = displayName;
  return { value, next: p };
}

/** Parse a header value holding exactly one name-addr / addr-spec. */
export function parseNameAddr(s: string): NameAddr | undefined {
  const r = parseNameAddrAt(s, 0, false);
  return r?.value;
}

/**
 * Parse a comma-separated list (Contact, Route, Record-Route ...). Commas inside quotes or <> do
 * not split. An empty element (`a,,b`, trailing `,`) makes the list invalid.
 */
export function parseNameAddrList(s: string): NameAddr[] | undefined {
  const out: NameAddr[] = [];
  let i = 0;
  for (;;) {
    const r = parseNameAddrAt(s, i, true);
    if (!r) return undefined;
    out.push(r.value);
    if (r.next >= s.length) return out;
    i = r.next + 1; // skip the comma
  }
}

/** `"Display" <uri>;params` (always with <>, which is valid for every URI, RFC 3261 §20.10). */
export function formatNameAddr(n: NameAddr): string {
  if (n.wildcard) return '*';
  let out = '';
  if (n.displayName !== undefined) out = quote(n.displayName) + ' ';
  return out + '<' + formatUri(n.uri) + '>' + formatParams(n.params);
}

export function cloneNameAddr(n: NameAddr): NameAddr {
  const c: NameAddr = { uri: cloneUri(n.uri), params: cloneParams(n.params) };
  if (n.displayName !== undefined) c.displayName = n.displayName;
  if (n.wildcard) c.wildcard = true;
  return c;
}
