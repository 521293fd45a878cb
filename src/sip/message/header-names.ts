/**
 * Header names: case-insensitive (RFC 3261 §7.3.1) with compact forms. Every header is keyed by
 * its lower-case long name; `v`, `V`, `via` and `VIA` all have the key `via`.
 *
 * Compact forms: RFC 3261 §7.3.3 (c e f i k l m s t v), RFC 6665/3265 (o u), RFC 3515 (r),
 * RFC 3892 (b), RFC 4028 (x), RFC 3841 (a j d), RFC 4474 (y n).
 */

export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

const KEY_CACHE_MAX = 512;
const keyCache = new Map<string, string>();

/** The lower-case long name for a header name as written (`i` -> `call-id`, `MaX-fOrWaRdS` -> `max-forwards`). */
export function headerKey(name: string): string {
  let key = keyCache.get(name);
  if (key !== undefined) return key;
  key = name.toLowerCase();
  if (key.length === 1) key = COMPACT_FORMS[key] ?? key;
  // Bounded: header names are attacker input; beyond the cap we just recompute.
  if (keyCache.size < KEY_CACHE_MAX) keyCache.set(name, key);
  return key;
}

/** Conventional spelling for headers this stack writes (`call-id` -> `Call-ID`). */
const PRETTY: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
};

export function prettyHeaderName(name: string): string {
  const key = headerKey(name);
  const p = PRETTY[key];
  if (p) return p;
  let out = '';
  let up = true;
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    out += up ? ch.toUpperCase() : ch;
    up = ch === '-';
  }
  return out;
}

for (const n of [
  'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Length', 'Content-Type',
  'Route', 'Record-Route', 'Expires', 'Allow', 'Supported', 'Require', 'User-Agent', 'Server',
  'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Accept',
  'Session-Expires', 'Min-SE', 'Event', 'Subscription-State', 'Timestamp', 'Date', 'Subject',
  'via', 'from', 'to', 'call-id', 'cseq', 'contact', 'max-forwards', 'content-length', 'content-type',
  'Call-Id', 'Cseq', 'v', 'f', 't', 'i', 'm', 'l', 'c', 'k', 's', 'e', 'o', 'r', 'b', 'x', 'u',
]) {
  headerKey(n);
}
