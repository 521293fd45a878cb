/**
 * From a REGISTER's Contact and Expires headers to the store's ContactRequests, and from stored
 * bindings back to the 200 OK's Contact lines (RFC 3261 §10.3 steps 6-8).
 *
 *   Contact: <sip:1000@192.0.2.7:5062>;expires=600;q=0.5, <sip:1000@198.51.100.1>
 *   Expires: 3600
 *     -> [{ contact: 'sip:1000@192.0.2.7:5062', expires: 600, q: 0.5 },
 *         { contact: 'sip:1000@198.51.100.1',   expires: 3600, q: null }]
 *
 * Contacts are stored in one canonical text form (formatUri of the parsed URI: lower-case host,
 * uri-params and escaped headers kept), so the same contact sent twice matches its binding.
 */
import { formatUri, getContacts, getExpires, getParam, MAX_UINT32, type NameAddr, type SipRequest } from '../../sip';
import { grantedExpires, remainingSeconds, type Binding, type ContactRequest } from './location';
import type { RegistrarSettings } from './registrar-settings';

export type ContactsRead =
  | { ok: true; kind: 'query' }
  | { ok: true; kind: 'wildcard' }
  | { ok: true; kind: 'contacts'; contacts: NameAddr[] }
  | { ok: false; status: 400 | 403; reason: string };

/**
 * The request's Contacts. The stack already answered 400 for a Contact that does not parse
 * (validateRequest), so an empty list here means the header is absent: a query (§10.2.3).
 */
export function readContacts(req: SipRequest, maxContacts: number): ContactsRead {
  const list = getContacts(req);
  if (list.length === 0) return { ok: true, kind: 'query' };
  if (list.some((c) => c.wildcard)) {
    // RFC 3261 §10.3 step 6: "*" only alone (the expiry-0 rule is checked with the Expires).
    if (list.length !== 1) return { ok: false, status: 400, reason: 'Invalid Contact: * with other contacts' };
    return { ok: true, kind: 'wildcard' };
  }
  if (list.length > maxContacts) return { ok: false, status: 403, reason: 'Too Many Contacts' };
  for (const c of list) {
    // We can only ever call SIP contacts; another scheme (RFC 3261 §10.2.1 allows them) would be
    // a binding nobody can use.
    if (c.uri.scheme !== 'sip' && c.uri.scheme !== 'sips') return { ok: false, status: 400, reason: 'Unsupported Contact URI scheme' };
  }
  return { ok: true, kind: 'contacts', contacts: list };
}

/** Digits only, 0..2^32-1; a larger number reads as 2^32-1 (RFC 3261 §10.2.1.1 / §25.1 bound). */
export function parseExpiresParam(v: string | null | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  const s = v.trim();
  if (s.length === 0 || s.length > 32) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n > MAX_UINT32 ? MAX_UINT32 : n;
}

/**
 * RFC 3261 §25.1 qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")]. Returns null when absent,
 * undefined when malformed.
 */
export function parseQ(v: string | null | undefined): number | null | undefined {
  if (v === undefined) return null;
  if (v === null) return undefined;
  const s = v.trim();
  if (s !== '0' && s !== '1' && !(s.length >= 2 && s.length <= 5 && (s[0] === '0' || s[0] === '1') && s[1] === '.')) return undefined;
  for (let i = 2; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const q = Number(s);
  return q >= 0 && q <= 1 ? q : undefined;
}

export type ContactPlan =
  | { ok: true; contacts: ContactRequest[] }
  | { ok: false; status: 400; reason: string }
  | { ok: false; status: 423; minExpires: number };

/**
 * Granted expiry and q of every contact (freeswitch-behaviour.md §1.4 step 10, RFC 3261 §10.3
 * step 7). A non-zero request below sip-expires-min fails the whole request with 423 and
 * Min-Expires (RFC 3261 §10.3 step 7, §21.4.17).
 */
export function planContacts(read: ContactsRead & { ok: true }, req: SipRequest, nat: boolean, s: RegistrarSettings): ContactPlan {
  if (read.kind === 'query') return { ok: true, contacts: [] };
  const headerExpires = req.headers.has('expires') ? getExpires(req) : undefined;
  if (read.kind === 'wildcard') {
    // Step 6: "*" needs Expires: 0; anything else is a 400 (planRegister checks it too).
    if (headerExpires !== 0) return { ok: false, status: 400, reason: 'Invalid Contact: * requires Expires: 0' };
    return { ok: true, contacts: [{ contact: '*', expires: 0 }] };
  }
  const policy = {
    defaultSeconds: s.defaultExpires,
    natDefaultSeconds: s.natDefaultExpires,
    minSeconds: s.expiresMin > 0 ? s.expiresMin : undefined,
    maxSeconds: s.expiresMax > 0 ? s.expiresMax : undefined,
    forceSeconds: s.forceExpires > 0 ? s.forceExpires : undefined,
    precedence: s.expiresPrecedence,
  };
  const out: ContactRequest[] = [];
  for (const c of read.contacts) {
    const q = parseQ(getParam(c.params, 'q'));
    if (q === undefined) return { ok: false, status: 400, reason: 'Invalid Contact q-value' };
    const g = grantedExpires({ contactExpires: parseExpiresParam(getParam(c.params, 'expires')), headerExpires, nat }, policy);
    if (g.tooBrief) return { ok: false, status: 423, minExpires: s.expiresMin };
    out.push({ contact: formatUri(c.uri), expires: g.seconds, q });
  }
  return { ok: true, contacts: out };
}

/** One Contact line of the 200 OK: `<uri>;expires=<remaining>[;q=...]` (RFC 3261 §10.3 step 8). */
export function bindingContactValue(b: Binding, now: number): string {
  let v = `<${b.contact}>;expires=${remainingSeconds(b, now)}`;
  if (b.q !== null) v += `;q=${formatQ(b.q)}`;
  return v;
}

function formatQ(q: number): string {
  if (q >= 1) return '1';
  if (q <= 0) return '0';
  return q.toFixed(3).replace(/0+$/, '');
}

let dateSecond = NaN;
let dateText = '';

/** RFC 3261 §20.17 / RFC 1123 date: `Sat, 13 Nov 2010 23:29:00 GMT` (formatted once per second). */
export function sipDate(wallMs: number): string {
  const sec = Math.floor(wallMs / 1000);
  if (sec !== dateSecond) {
    dateSecond = sec;
    dateText = new Date(sec * 1000).toUTCString();
  }
  return dateText;
}
