/**
 * Semantic checks on a syntactically parsed message, owned by the message layer so the
 * transport/transaction layers can answer (or drop) before anything else looks at it.
 *
 * validateRequest returns the status and a reason phrase that says what was wrong
 * (`400 Missing Call-ID header`, `400 Bad CSeq`, `505 Version Not Supported`), or undefined.
 * Checks done elsewhere on purpose: unknown method (501), unsupported URI scheme (416),
 * Require (420), Content-Type/Accept (415/406), Max-Forwards 0 (483), authentication: the UAS
 * core decides those.
 */
import type { SipRequest, SipResponse } from './types';
import { getParsedHeader } from './accessors';
import { Headers } from './headers';
import type { CSeq, NameAddr } from './types';

/** Methods of RFC 3261 and its extensions that this stack knows (for the CSeq/method check). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', // RFC 3261
  'PRACK', // RFC 3262
  'SUBSCRIBE', 'NOTIFY', // RFC 6665
  'PUBLISH', // RFC 3903
  'INFO', // RFC 6086
  'REFER', // RFC 3515
  'MESSAGE', // RFC 3428
  'UPDATE', // RFC 3311
]);

export interface Rejection {
  status: number;
  reason: string;
}

const REQUIRED: ReadonlyArray<[key: string, label: string]> = [
  ['to', 'To'],
  ['from', 'From'],
  ['call-id', 'Call-ID'],
  ['cseq', 'CSeq'],
  ['via', 'Via'],
];

/** Headers that may appear once (RFC 3261 §7.3.1: only comma-list headers may repeat). */
const SINGLE: ReadonlyArray<[key: string, label: string]> = [
  ['to', 'To'],
  ['from', 'From'],
  ['call-id', 'Call-ID'],
  ['cseq', 'CSeq'],
  ['max-forwards', 'Max-Forwards'],
  ['content-length', 'Content-Length'],
  ['content-type', 'Content-Type'],
];

/** Structured headers whose value must parse when present. */
const STRUCTURED: ReadonlyArray<[key: string, reason: string]> = [
  ['via', 'Bad Via header'],
  ['to', 'Bad To header'],
  ['from', 'Bad From header'],
  ['call-id', 'Bad Call-ID header'],
  ['cseq', 'Bad CSeq'],
  ['max-forwards', 'Bad Max-Forwards'],
  ['contact', 'Bad Contact header'],
  ['route', 'Bad Route header'],
  ['record-route', 'Bad Record-Route header'],
  ['content-type', 'Bad Content-Type'],
];

/** More than one line of this header (key form), without cutting the values out of the text. */
function repeated(h: SipRequest['headers'], key: string): boolean {
  if (h instanceof Headers) {
    const first = h.indexOfKey(key, 0);
    return first >= 0 && h.indexOfKey(key, first + 1) >= 0;
  }
  return h.getAll(key).length > 1;
}

function bad(reason: string): Rejection {
  return { status: 400, reason };
}

export function validateRequest(req: SipRequest): Rejection | undefined {
  // RFC 3261 §8.2.2 / §21.5.6: a version we do not speak is answered 505.
  if (req.version !== 'SIP/2.0') return { status: 505, reason: 'Version Not Supported' };
  const h = req.headers;
  for (const [key, label] of REQUIRED) if (!h.has(key)) return bad(`Missing ${label} header`);
  for (const [key, label] of SINGLE) if (repeated(h, key)) return bad(`Multiple ${label} headers`);
  for (const [key, reason] of STRUCTURED) {
    if (h.has(key) && getParsedHeader(req, key) === undefined) return bad(reason);
  }
  // RFC 3261 §8.1.1.5 / §8.2: CSeq method must match; for an unknown method the UAS core
  // answers 501 first (RFC 4475 §3.1.2.18 mismatch02).
  const cseq = getParsedHeader<CSeq>(req, 'cseq')!;
  if (cseq.method !== req.method && KNOWN_METHODS.has(req.method)) {
    return bad('CSeq method does not match request method');
  }
  // RFC 3261 §19.1.1 table: no headers component in a Request-URI (RFC 4475 escruri).
  if ((req.uri.scheme === 'sip' || req.uri.scheme === 'sips') && req.uri.headers.length > 0) {
    return bad('Bad Request-URI: headers not allowed');
  }
  // RFC 3261 §10.2: the address-of-record in a REGISTER's To is a SIP or SIPS URI (RFC 4475 unksm2).
  if (req.method === 'REGISTER') {
    const to = getParsedHeader<NameAddr>(req, 'to')!;
    if (to.uri.scheme !== 'sip' && to.uri.scheme !== 'sips') return bad('Bad To header: not a SIP URI');
  }
  return undefined;
}

export interface ValidateResponseOptions {
  /**
   * RFC 3261 §8.1.3.3: a UAC discards a response with more than one Via value. An element that
   * relays responses (a proxy) sets this to true. Default false.
   */
  allowMultipleVias?: boolean;
}

/** Why a received response must be dropped silently, or undefined if it is usable. */
export function responseProblem(res: SipResponse, opts?: ValidateResponseOptions): string | undefined {
  if (res.version !== 'SIP/2.0') return 'bad version';
  if (res.status < 100 || res.status > 699) return 'status out of range';
  const h = res.headers;
  for (const [key, label] of REQUIRED) if (!h.has(key)) return `missing ${label}`;
  for (const [key, label] of SINGLE) if (repeated(h, key)) return `multiple ${label}`;
  for (const [key, reason] of STRUCTURED) {
    if (h.has(key) && getParsedHeader(res, key) === undefined) return reason;
  }
  const vias = getParsedHeader<unknown[]>(res, 'via')!;
  if (vias.length > 1 && !opts?.allowMultipleVias) return 'more than one Via';
  return undefined;
}

/** False for a response to drop silently (RFC 3261 §8.1.3.3, §18.1.2; RFC 4475 §3.1.2.5, §3.1.2.19). */
export function validateResponse(res: SipResponse, opts?: ValidateResponseOptions): boolean {
  return responseProblem(res, opts) === undefined;
}
