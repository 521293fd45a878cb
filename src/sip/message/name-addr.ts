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
import * as chars from './chars';
import { quote, unquote } from './chars';
import * as bytesMod from './bytes';
import * as paramsMod from './params';
import * as uriMod from './uri';

// Module-local aliases of imported functions (see the note in parser.ts: exported bindings live in
// cells TurboFan does not fold).
const { bytesOf, indexOfB, lastQuotedHadPair, scanQuotedB, scanUntilB, skipWspB } = bytesMod;
const { cloneParams, formatParams, scanGenericParams, scannedEnd } = paramsMod;
const { cloneUri, formatUri, parseUriIn } = uriMod;

// Local aliases of chars.ts's table and class bits: exported module bindings live in cells that
// TurboFan does not fold into the hot loops; a module-local const is read like a constant.
const ADDR_SPEC_END = chars.ADDR_SPEC_END;
const TABLE = chars.TABLE;
const TOKEN_LWS = chars.TOKEN_LWS;

const COMMA = 0x2c;

/** Where the last parseNameAddrAt stopped (end, or a "," when in a list). */
let stoppedAt = 0;

/**
 * Parse one name-addr starting at offset i of s (b: its bytes), not past `end`. Returns the
 * NameAddr (the index where parsing stopped, `end` or a "," when `inList`, is left in stoppedAt),
 * or undefined if malformed.
 */
function parseNameAddrAt(s: string, b: Uint8Array, i: number, end: number, inList: boolean): NameAddr | undefined {
  // Written flat (scans inline, helpers only for rare forms): this runs for From, To, Contact.
  while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
  if (i >= end) return undefined;
  let displayName: string | undefined;
  let c = b[i]!;
  let uriFrom: number;
  let uriEnd: number;
  let p: number;
  if (c === 0x2a /* * */) {
    const j = skipWspB(b, i + 1, end);
    if (j === end || (inList && b[j] === COMMA)) {
      stoppedAt = j;
      return { uri: { scheme: '', host: '', params: [], headers: [] }, params: [], wildcard: true };
    }
    // fall through: `*` could start a display-name token (`*foo <sip:...>`)
  }
  if (c === 0x22 /* " */) {
    const close = scanQuotedB(b, i, end);
    if (close < 0) return undefined;
    displayName = lastQuotedHadPair() ? unquote(s, i, close) : s.slice(i + 1, close - 1);
    i = close;
    while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
    c = i < end ? b[i]! : -1;
    if (c !== 0x3c /* < */) return undefined;
  } else if (c !== 0x3c) {
    // Either `*(token LWS) <` (unquoted display name) or an addr-spec.
    let j = i;
    while (j < end && (TABLE[b[j]!]! & TOKEN_LWS) !== 0) j++;
    if (j < end && b[j] === 0x3c) {
      let dnEnd = j;
      while (dnEnd > i && (b[dnEnd - 1] === 0x20 || b[dnEnd - 1] === 0x09)) dnEnd--;
      if (dnEnd > i) displayName = s.slice(i, dnEnd); // starts on a token char: skipWsp above
      i = j;
      c = 0x3c;
    }
  }
  if (c === 0x3c) {
    // Native search: it may look past `end` only when this element has no ">", and then the
    // parse fails, so it happens at most once per call (linear).
    const close = s.indexOf('>', i + 1);
    if (close < 0 || close >= end) return undefined;
    uriFrom = i + 1;
    uriEnd = close;
    p = close + 1;
  } else {
    uriFrom = i;
    uriEnd = scanUntilB(b, i, ADDR_SPEC_END, end);
    if (indexOfB(b, 0x3f /* ? */, uriFrom, uriEnd) >= 0) return undefined;
    p = uriEnd;
  }
  const uri = parseUriIn(s, b, uriFrom, uriEnd);
  if (!uri) return undefined;
  const params = scanGenericParams(s, b, p, end);
  if (params === undefined) return undefined;
  p = scannedEnd();
  while (p < end && (b[p] === 0x20 || b[p] === 0x09)) p++;
  if (p < end && !(inList && b[p] === COMMA)) return undefined;
  stoppedAt = p;
  // One literal per shape (see makeUri in uri.ts).
  return displayName !== undefined ? { displayName, uri, params } : { uri, params };
}

/**
 * Parse a header value holding exactly one name-addr / addr-spec: s, or the range s[from, end).
 * `bytes` are s's bytes when the caller has them (a parsed message, see bytes.ts).
 */
export function parseNameAddr(s: string, from = 0, end = s.length, bytes?: Uint8Array): NameAddr | undefined {
  return parseNameAddrAt(s, bytes ?? bytesOf(s), from, end, false);
}

/**
 * Parse a comma-separated list (Contact, Route, Record-Route ...): s, or the range s[from, end).
 * Commas inside quotes or <> do not split. An empty element (`a,,b`, trailing `,`) makes the
 * list invalid.
 */
export function parseNameAddrList(s: string, from = 0, end = s.length, bytes?: Uint8Array): NameAddr[] | undefined {
  const b = bytes ?? bytesOf(s);
  const first = parseNameAddrAt(s, b, from, end, true);
  if (!first) return undefined;
  // Made with its first element (an empty `[]` grown by push reserves 17 slots).
  const out: NameAddr[] = [first];
  while (stoppedAt < end) {
    const r = parseNameAddrAt(s, b, stoppedAt + 1, end, true); // past the comma
    if (!r) return undefined;
    out.push(r);
  }
  return out;
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
