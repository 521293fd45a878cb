/**
 * Transaction matching keys.
 *
 * Client side (RFC 3261 §17.1.3): a response matches a client transaction when the branch of its
 * top Via equals the request's branch and its CSeq method equals the request's method (CANCEL
 * shares the INVITE's branch, so the method keeps them apart).
 *
 * Server side (§17.2.3), for a branch that starts with the magic cookie z9hG4bK (and has
 * something after it): branch + sent-by (host and port) + method, where an ACK matches the INVITE
 * transaction. Otherwise (RFC 2543 peers, RFC 4475 inv2543, and badbranch's bare `z9hG4bK`):
 * Request-URI, To tag, From tag, Call-ID, CSeq number and top Via; an ACK also needs the To tag
 * of the response the server sent (checked by the caller, see rfc2543AckKeys).
 */
import { formatUri, getCallId, getCSeq, getFromTag, getToTag, getTopVia } from '../message';
import type { SipMessage, SipRequest, Via } from '../message/types';

export const BRANCH_COOKIE = 'z9hG4bK';

/** An RFC 3261 branch: the cookie plus at least one more character. */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.length > BRANCH_COOKIE.length && branch.startsWith(BRANCH_COOKIE);
}

function branchOf(via: Via | undefined): string | undefined {
  if (!via) return undefined;
  for (const [n, v] of via.params) if (n.toLowerCase() === 'branch') return v ?? undefined;
  return undefined;
}

export function clientKey(branch: string, method: string): string {
  return `c|${branch}|${method}`;
}

/** Key of the client transaction a response belongs to, or undefined (no Via/branch/CSeq). */
export function clientKeyOfResponse(res: SipMessage): string | undefined {
  const branch = branchOf(getTopVia(res));
  const cseq = getCSeq(res);
  if (!branch || !cseq) return undefined;
  return clientKey(branch, cseq.method);
}

function sentBy(via: Via): string {
  return `${via.host}:${via.port ?? ''}`;
}

/**
 * Server key for a request, matching `method` (pass 'INVITE' for an ACK or a CANCEL looking for
 * its INVITE). Returns undefined when the request lacks what matching needs.
 */
export function serverKey(req: SipRequest, method: string, toTagOverride?: string): string | undefined {
  const via = getTopVia(req);
  if (!via) return undefined;
  const branch = branchOf(via);
  if (isRfc3261Branch(branch)) return `s|${branch}|${sentBy(via)}|${method}`;
  return rfc2543Key(req, via, method, toTagOverride ?? getToTag(req) ?? '');
}

function rfc2543Key(req: SipRequest, via: Via, method: string, toTag: string): string | undefined {
  const callId = getCallId(req);
  const cseq = getCSeq(req);
  if (callId === undefined || !cseq) return undefined;
  const viaId = `${via.transport}|${sentBy(via)}|${branchOf(via) ?? ''}`;
  return `2543|${method}|${formatUri(req.uri)}|${toTag}|${getFromTag(req) ?? ''}|${callId}|${cseq.seq}|${viaId}`;
}

/** True when the request must be matched by the RFC 2543 rules. */
export function usesRfc2543Matching(req: SipRequest): boolean {
  return !isRfc3261Branch(branchOf(getTopVia(req)));
}

/**
 * RFC 2543 ACK matching (§17.2.3): first as for an in-dialog INVITE (same To tag), then as for an
 * initial INVITE (no To tag) — the caller then checks that the ACK's To tag equals the tag of the
 * response the transaction sent.
 */
export function rfc2543AckKeys(ack: SipRequest): { sameTag?: string; noTag?: string } {
  const via = getTopVia(ack);
  if (!via) return {};
  const tag = getToTag(ack);
  return {
    sameTag: tag !== undefined ? rfc2543Key(ack, via, 'INVITE', tag) : undefined,
    noTag: rfc2543Key(ack, via, 'INVITE', ''),
  };
}
