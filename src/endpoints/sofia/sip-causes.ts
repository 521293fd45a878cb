/**
 * The one SIP <-> hangup-cause table (architecture.md habit 10). FreeSWITCH splits the two
 * directions over sofia_glue.c and mod_sofia.c; here both live side by side.
 * Source: freeswitch-behaviour.md §8.2 (cause → SIP) and §8.3 (SIP → cause).
 */
import { causeFromNumber, causeToNumber, isQ850, parseCause, type HangupCause } from '../../core';

/** §8.2: the SIP status used to reject an unanswered inbound call with this cause. */
const CAUSE_TO_SIP: ReadonlyArray<[number, HangupCause[]]> = [
  [404, ['UNALLOCATED_NUMBER', 'NO_ROUTE_TRANSIT_NET', 'NO_ROUTE_DESTINATION']],
  [486, ['USER_BUSY']],
  [408, ['NO_USER_RESPONSE']],
  [480, ['NO_ANSWER', 'SUBSCRIBER_ABSENT', 'NORMAL_UNSPECIFIED']],
  [603, ['CALL_REJECTED', 'DECLINE', 'REJECT_ALL']],
  [410, ['NUMBER_CHANGED', 'REDIRECTION_TO_NEW_DESTINATION']],
  [502, ['DESTINATION_OUT_OF_ORDER', 'INVALID_PROFILE']],
  [484, ['INVALID_NUMBER_FORMAT', 'INVALID_URL', 'INVALID_GATEWAY']],
  [501, ['FACILITY_REJECTED', 'FACILITY_NOT_IMPLEMENTED', 'SERVICE_NOT_IMPLEMENTED']],
  [503, ['REQUESTED_CHAN_UNAVAIL', 'NORMAL_CIRCUIT_CONGESTION', 'NETWORK_OUT_OF_ORDER', 'NORMAL_TEMPORARY_FAILURE', 'SWITCH_CONGESTION', 'GATEWAY_DOWN', 'BEARERCAPABILITY_NOTAVAIL']],
  [403, ['OUTGOING_CALL_BARRED', 'INCOMING_CALL_BARRED', 'BEARERCAPABILITY_NOTAUTH', 'STALE_DATE']],
  [488, ['BEARERCAPABILITY_NOTIMPL', 'INCOMPATIBLE_DESTINATION']],
  [504, ['RECOVERY_ON_TIMER_EXPIRE']],
  [487, ['ORIGINATOR_CANCEL']],
  [483, ['EXCHANGE_ROUTING_ERROR']],
  [600, ['BUSY_EVERYWHERE']],
  [604, ['DOES_NOT_EXIST_ANYWHERE']],
  [606, ['NOT_ACCEPTABLE']],
  [607, ['UNWANTED']],
  [428, ['NO_IDENTITY']],
  [429, ['BAD_IDENTITY_INFO']],
  [437, ['UNSUPPORTED_CERTIFICATE']],
  [438, ['INVALID_IDENTITY']],
];

/** §8.3: the cause for a failed outbound leg's final SIP status (when no Reason header says). */
const SIP_TO_CAUSE: ReadonlyArray<[number[], HangupCause]> = [
  [[200], 'NORMAL_CLEARING'],
  [[401, 402, 403, 407, 603, 608], 'CALL_REJECTED'],
  [[607], 'UNWANTED'],
  [[404], 'UNALLOCATED_NUMBER'],
  [[485, 604], 'NO_ROUTE_DESTINATION'],
  [[408, 504], 'RECOVERY_ON_TIMER_EXPIRE'],
  [[410], 'NUMBER_CHANGED'],
  [[413, 414, 416, 420, 421, 423, 505, 513], 'INTERWORKING'],
  [[480], 'NO_USER_RESPONSE'],
  [[400, 481, 500, 503], 'NORMAL_TEMPORARY_FAILURE'],
  [[486, 600], 'USER_BUSY'],
  [[484], 'INVALID_NUMBER_FORMAT'],
  [[488, 606], 'INCOMPATIBLE_DESTINATION'],
  [[502], 'NETWORK_OUT_OF_ORDER'],
  [[405], 'SERVICE_UNAVAILABLE'],
  [[406, 415, 501], 'SERVICE_NOT_IMPLEMENTED'],
  [[482, 483], 'EXCHANGE_ROUTING_ERROR'],
  [[487], 'ORIGINATOR_CANCEL'],
  [[428], 'NO_IDENTITY'],
  [[429], 'BAD_IDENTITY_INFO'],
  [[437], 'UNSUPPORTED_CERTIFICATE'],
  [[438], 'INVALID_IDENTITY'],
];

const causeToSipMap = new Map<HangupCause, number>();
for (const [status, causes] of CAUSE_TO_SIP) for (const c of causes) causeToSipMap.set(c, status);
const sipToCauseMap = new Map<number, HangupCause>();
for (const [codes, cause] of SIP_TO_CAUSE) for (const s of codes) sipToCauseMap.set(s, cause);

/** §8.2: SIP status for rejecting an unanswered call; 480 for anything unlisted. */
export function causeToSipStatus(cause: HangupCause): number {
  return causeToSipMap.get(cause) ?? 480;
}

/** §8.3: cause for a final SIP status; a `Reason: Q.850;cause=N` header value wins when given. */
export function sipStatusToCause(status: number, reasonHeader?: string): HangupCause {
  const fromReason = reasonHeader ? q850FromReason(reasonHeader) : undefined;
  if (fromReason) return fromReason;
  return sipToCauseMap.get(status) ?? 'NORMAL_UNSPECIFIED';
}

/**
 * Reason header value for a cause (§8.2): Q.850 for causes 1–127, SIP for FreeSWITCH's own;
 * LOSE_RACE and PICKED_OFF say the call was completed elsewhere (RFC 3326).
 */
export function reasonHeaderFor(cause: HangupCause): string {
  let v = reasonHeaders.get(cause);
  if (v === undefined) {
    v = makeReasonHeader(cause);
    // Causes are a fixed set; the bound only guards against a caller passing arbitrary strings.
    if (reasonHeaders.size < 512) reasonHeaders.set(cause, v);
  }
  return v;
}

/** reasonHeaderFor's answers (one per cause: every hangup asks). */
const reasonHeaders = new Map<string, string>();

function makeReasonHeader(cause: HangupCause): string {
  if (cause === 'LOSE_RACE' || cause === 'PICKED_OFF') return 'SIP;cause=200;text="Call completed elsewhere"';
  const n = causeToNumber(cause);
  return isQ850(cause) ? `Q.850;cause=${n};text="${cause}"` : `SIP;cause=${n};text="${cause}"`;
}

/**
 * The Q.850 cause in a Reason header value (RFC 3326), e.g. `Q.850;cause=16;text="..."`.
 * Several comma-separated reasons may be present; the first Q.850 one wins. Scans, no regex.
 */
export function q850FromReason(value: string): HangupCause | undefined {
  for (const part of splitOutsideQuotes(value, ',')) {
    const fields = splitOutsideQuotes(part, ';').map((s) => s.trim());
    if ((fields[0] ?? '').toUpperCase() !== 'Q.850') continue;
    for (const f of fields.slice(1)) {
      const eq = f.indexOf('=');
      if (eq < 0 || f.slice(0, eq).trim().toLowerCase() !== 'cause') continue;
      const digits = f.slice(eq + 1).trim();
      if (digits.length === 0 || digits.length > 3) return undefined;
      for (let i = 0; i < digits.length; i++) {
        const c = digits.charCodeAt(i);
        if (c < 48 || c > 57) return undefined;
      }
      return causeFromNumber(Number(digits));
    }
  }
  return undefined;
}

/** A cause given by name or number (`hangup USER_BUSY`, `uuid_kill x 17`). */
export { parseCause };

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && quoted) {
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === sep && !quoted) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}
