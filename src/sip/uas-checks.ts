/**
 * UAS request checks (RFC 3261 §8.2), applied to a parsed, syntactically valid request before the
 * application sees it. Each failing check yields the response to send; order follows §8.2:
 *
 *   §8.2.1   method inspection      unknown method ─────────────────▶ 501 + Allow
 *                                    known, not allowed here ────────▶ 405 + Allow
 *   §8.2.2.1 Request-URI scheme      not sip/sips (policy) ──────────▶ 416   (never route on To)
 *   §8.2.2.3 Require                 unknown option tags ────────────▶ 420 + Unsupported
 *                                    (not for ACK/CANCEL; Proxy-Require is for proxies: ignored)
 *   §8.2.3   content processing      Content-Type not understood ────▶ 415 + Accept
 *                                    Content-Encoding not understood ▶ 415 + Accept-Encoding
 *   §8.2.3/§21.4.7 + RFC 4475 sdp01  INVITE with SDP whose Accept
 *                                    excludes application/sdp ───────▶ 406
 *
 * Max-Forwards (§8.2 / §16.3 / RFC 4475 zeromf): a request the UAS handles locally is processed
 * whatever its Max-Forwards (OPTIONS with 0 gets its 200); only when the B2BUA originates a B-leg
 * does 0 mean 483 — see nextHopMaxForwards.
 *
 * Pure: no I/O. The caller sends the result (usually through the server transaction).
 */
import { KNOWN_METHODS, getMaxForwards, getMediaType } from './message';
import type { SipRequest } from './message/types';

export interface UasPolicy {
  /** Methods this UAS handles (the Allow header), e.g. INVITE, ACK, BYE, CANCEL, OPTIONS. */
  allow: readonly string[];
  /** Request-URI schemes handled (lower case). Default sip, sips. */
  uriSchemes?: readonly string[];
  /** Option tags understood in Require (lower-case compare). Default none. */
  supported?: readonly string[];
  /** Body types understood (lower case `type/subtype`). Default application/sdp. */
  accept?: readonly string[];
}

export interface UasRejection {
  status: number;
  reason: string;
  headers: Array<[string, string]>;
}

const DEFAULT_SCHEMES = ['sip', 'sips'];
const DEFAULT_ACCEPT = ['application/sdp'];

/** The first check that fails, or undefined when the request may go to the application. */
export function checkRequest(req: SipRequest, policy: UasPolicy): UasRejection | undefined {
  return (
    checkMethod(req, policy) ??
    checkUriScheme(req, policy) ??
    checkRequire(req, policy) ??
    checkContent(req, policy) ??
    checkAcceptForSdp(req)
  );
}

/** §8.2.1: 405 when the method is known but not handled here, 501 when unknown; both carry Allow. */
export function checkMethod(req: SipRequest, policy: UasPolicy): UasRejection | undefined {
  if (policy.allow.includes(req.method)) return undefined;
  const headers: Array<[string, string]> = [['Allow', policy.allow.join(', ')]];
  if (KNOWN_METHODS.has(req.method)) return { status: 405, reason: 'Method Not Allowed', headers };
  return { status: 501, reason: 'Not Implemented', headers };
}

/** §8.2.2.1: a Request-URI scheme we do not handle is 416, whatever the To header says. */
export function checkUriScheme(req: SipRequest, policy: UasPolicy): UasRejection | undefined {
  const schemes = policy.uriSchemes ?? DEFAULT_SCHEMES;
  if (schemes.includes(req.uri.scheme)) return undefined;
  return { status: 416, reason: 'Unsupported URI Scheme', headers: [] };
}

/** §8.2.2.3: every Require option tag must be supported; ACK and CANCEL are never rejected for it. */
export function checkRequire(req: SipRequest, policy: UasPolicy): UasRejection | undefined {
  if (req.method === 'ACK' || req.method === 'CANCEL') return undefined;
  const required = tokensOf(req.headers.getAll('require'));
  if (required.length === 0) return undefined;
  const supported = new Set((policy.supported ?? []).map((s) => s.toLowerCase()));
  const unknown = required.filter((t) => !supported.has(t.toLowerCase()));
  if (unknown.length === 0) return undefined;
  return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unknown.join(', ')]] };
}

/** §8.2.3: body type (and encoding) must be understood. An empty body is never checked. */
export function checkContent(req: SipRequest, policy: UasPolicy): UasRejection | undefined {
  if (req.body.length === 0) return undefined;
  const accept = policy.accept ?? DEFAULT_ACCEPT;
  const acceptHeader: Array<[string, string]> = [['Accept', accept.join(', ')]];
  const encodings = tokensOf(req.headers.getAll('content-encoding')).map((e) => e.toLowerCase());
  if (encodings.some((e) => e !== 'identity')) {
    return { status: 415, reason: 'Unsupported Media Type', headers: [['Accept-Encoding', 'identity'], ...acceptHeader] };
  }
  const mt = getMediaType(req);
  // RFC 3261 §7.4.1: a body without Content-Type cannot be interpreted.
  if (!mt || !accept.includes(mt.type)) return { status: 415, reason: 'Unsupported Media Type', headers: acceptHeader };
  return undefined;
}

/**
 * RFC 3261 §21.4.7 / RFC 4475 §3.3.15 (sdp01): an INVITE carrying an SDP offer whose Accept header
 * rules out application/sdp cannot be answered: 406.
 */
export function checkAcceptForSdp(req: SipRequest): UasRejection | undefined {
  if (req.method !== 'INVITE' || req.body.length === 0) return undefined;
  if (getMediaType(req)?.type !== 'application/sdp') return undefined;
  const lines = req.headers.getAll('accept');
  if (lines.length === 0) return undefined; // absent Accept = application/sdp (§20.1)
  const ranges = tokensOf(lines).map((r) => {
    const semi = r.indexOf(';');
    return (semi < 0 ? r : r.slice(0, semi)).trim().toLowerCase();
  });
  // An empty Accept header (present, no value) means nothing is acceptable (§20.1).
  const ok = ranges.some((r) => r === 'application/sdp' || r === 'application/*' || r === '*/*');
  if (ok) return undefined;
  return { status: 406, reason: 'Not Acceptable', headers: [['Accept', 'application/sdp']] };
}

/**
 * Max-Forwards for a request the B2BUA is about to forward as a new leg (RFC 3261 §16.6 step 3,
 * §8.1.1.6): the value to put on the B-leg, or `{ reject: 483 }` when it reached zero. Absent or
 * unparseable: 70. Requests handled locally do not call this (RFC 4475 zeromf).
 */
export function nextHopMaxForwards(req: SipRequest): { value: number } | { reject: 483; reason: string } {
  const mf = getMaxForwards(req);
  if (mf === undefined) return { value: 70 };
  if (mf <= 0) return { reject: 483, reason: 'Too Many Hops' };
  return { value: Math.min(mf, 256) - 1 };
}

/** Comma-separated tokens of several header lines, trimmed, empties dropped. */
function tokensOf(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    let start = 0;
    for (let i = 0; i <= line.length; i++) {
      if (i === line.length || line.charCodeAt(i) === 0x2c) {
        const t = line.slice(start, i).trim();
        if (t) out.push(t);
        start = i + 1;
      }
    }
  }
  return out;
}
