/**
 * Messages the transaction layer builds itself: the ACK for a non-2xx final response
 * (RFC 3261 §17.1.1.3) and the 100 Trying of an INVITE server transaction (§8.2.6.1).
 */
import { createRequest, createResponse } from '../message';
import type { SipRequest, SipResponse } from '../message/types';

/**
 * §17.1.1.3: Request-URI, Call-ID, From and CSeq number of the INVITE; To of the response (with
 * its tag); exactly one Via, the INVITE's top Via; the INVITE's Route headers; CSeq method ACK.
 */
export function makeNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const h = invite.headers;
  const headers: Array<[string, string]> = [];
  const via = h.getAll('via')[0];
  if (via !== undefined) headers.push(['Via', firstViaValue(via)]);
  for (const r of h.getAll('route')) headers.push(['Route', r]);
  const mf = h.get('max-forwards');
  headers.push(['Max-Forwards', mf ?? '70']);
  const from = h.get('from');
  if (from !== undefined) headers.push(['From', from]);
  const to = res.headers.get('to') ?? h.get('to');
  if (to !== undefined) headers.push(['To', to]);
  const callId = h.get('call-id');
  if (callId !== undefined) headers.push(['Call-ID', callId]);
  const cseq = h.get('cseq');
  if (cseq !== undefined) headers.push(['CSeq', `${cseqNumber(cseq)} ACK`]);
  return createRequest({ method: 'ACK', uri: invite.uri, headers });
}

/**
 * §9.1: a CANCEL for a client INVITE: same Request-URI, Call-ID, To, From, CSeq number and Route
 * headers; a single Via equal to the INVITE's top Via (so it shares its branch); CSeq method
 * CANCEL. The TU sends it (as a non-INVITE client transaction, to the INVITE's destination) only
 * after a provisional response arrived (§9.1).
 */
export function makeCancel(invite: SipRequest): SipRequest {
  const h = invite.headers;
  const headers: Array<[string, string]> = [];
  const via = h.getAll('via')[0];
  if (via !== undefined) headers.push(['Via', firstViaValue(via)]);
  for (const r of h.getAll('route')) headers.push(['Route', r]);
  headers.push(['Max-Forwards', h.get('max-forwards') ?? '70']);
  for (const name of ['from', 'to', 'call-id']) {
    const v = h.get(name);
    if (v !== undefined) headers.push([name === 'call-id' ? 'Call-ID' : name === 'from' ? 'From' : 'To', v]);
  }
  const cseq = h.get('cseq');
  if (cseq !== undefined) headers.push(['CSeq', `${cseqNumber(cseq)} CANCEL`]);
  return createRequest({ method: 'CANCEL', uri: invite.uri, headers });
}

/** §8.2.6.1: 100 Trying copies Timestamp and carries no To tag. */
export function make100Trying(invite: SipRequest): SipResponse {
  return createResponse(invite, 100, 'Trying');
}

/** The first value of a Via line that may carry several (comma outside quotes and brackets). */
function firstViaValue(line: string): string {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x22) inQuote = !inQuote;
    else if (c === 0x5c && inQuote) i++;
    else if (c === 0x2c && !inQuote) return line.slice(0, i).trim();
  }
  return line.trim();
}

function cseqNumber(cseq: string): string {
  const t = cseq.trim();
  let i = 0;
  while (i < t.length && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
  return t.slice(0, i) || '0';
}
