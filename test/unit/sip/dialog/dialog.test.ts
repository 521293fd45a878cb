/**
 * The dialog layer (RFC 3261 §12): dialogs built from the wire messages of a call through two
 * record-routing proxies, in both directions, and the requests each side then sends.
 */
import { describe, expect, it } from 'vitest';
import { Dialog, DialogTable, requestDialogKey, responseDialogKey, targetForUri } from '../../../../src/sip/dialog';
import { getCSeq, getRoutes, parseMessage, parseUri, formatUri, getFromTag, getToTag, type SipRequest, type SipResponse } from '../../../../src/sip';

function msg(text: string): SipRequest | SipResponse {
  const r = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!r.ok) throw new Error(r.error);
  return r.msg;
}

// Alice (UAC, 10.0.0.1) -> P1 -> P2 -> Bob (UAS, 10.0.0.2). Both proxies record-route.
const INVITE = msg(`INVITE sip:bob@10.0.0.2:5062 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.20:5060;branch=z9hG4bKp2
Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKp1
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1
Record-Route: <sip:10.0.0.20;lr>
Record-Route: <sip:10.0.0.10;lr>
Max-Forwards: 68
From: "Alice" <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>
Call-ID: call-1@10.0.0.1
CSeq: 314 INVITE
Contact: <sip:alice@10.0.0.1:5060>
Content-Length: 0

`) as SipRequest;

// The 200 as Alice receives it (Record-Route copied back unchanged, §12.1.1).
const OK = msg(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1
Record-Route: <sip:10.0.0.20;lr>
Record-Route: <sip:10.0.0.10;lr>
From: "Alice" <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>;tag=btag
Call-ID: call-1@10.0.0.1
CSeq: 314 INVITE
Contact: <sip:bob@10.0.0.2:5062;transport=tcp>
Content-Length: 0

`) as SipResponse;

// Alice's INVITE as she sent it (no Record-Route yet).
const SENT = msg(`INVITE sip:bob@example.com SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1
Max-Forwards: 70
From: "Alice" <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>
Call-ID: call-1@10.0.0.1
CSeq: 314 INVITE
Contact: <sip:alice@10.0.0.1:5060>
Content-Length: 0

`) as SipRequest;

describe('UAS dialog (RFC 3261 §12.1.1)', () => {
  it('takes the route set in Record-Route order, Contact as target, the CSeq as remote seq', () => {
    const d = Dialog.asUas(INVITE, 'btag', '<sip:bob@10.0.0.2:5062>');
    expect(d.role).toBe('uas');
    expect(d.state).toBe('early');
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(['sip:10.0.0.20;lr', 'sip:10.0.0.10;lr']);
    expect(formatUri(d.remoteTarget)).toBe('sip:alice@10.0.0.1:5060');
    expect(d.remoteSeq).toBe(314);
    expect(d.localSeq).toBeUndefined();
    expect(d.key).toBe(requestDialogKey(msg(`BYE sip:bob@10.0.0.2 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKx
From: <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>;tag=btag
Call-ID: call-1@10.0.0.1
CSeq: 315 BYE
Content-Length: 0

`) as SipRequest));
  });

  it('a BYE from the UAS goes through the proxies toward the caller, with swapped From/To', () => {
    const d = Dialog.asUas(INVITE, 'btag', '<sip:bob@10.0.0.2:5062>');
    d.confirm();
    const bye = d.createRequest('BYE');
    expect(formatUri(bye.uri)).toBe('sip:alice@10.0.0.1:5060');
    expect(getRoutes(bye).map((r) => formatUri(r.uri))).toEqual(['sip:10.0.0.20;lr', 'sip:10.0.0.10;lr']);
    expect(getFromTag(bye)).toBe('btag');
    expect(getToTag(bye)).toBe('atag');
    expect(bye.headers.get('from')).toContain('sip:bob@example.com');
    expect(bye.headers.get('to')).toContain('sip:alice@example.com');
    expect(bye.headers.get('call-id')).toBe('call-1@10.0.0.1');
    expect(bye.headers.has('via')).toBe(false);
    // The first hop is the nearest proxy on the way back (the top Record-Route).
    expect(targetForUri(d.nextHopUri())).toEqual({ protocol: 'UDP', address: '10.0.0.20', port: 5060 });
    const n1 = getCSeq(bye)!.seq;
    const n2 = getCSeq(d.createRequest('INFO'))!.seq;
    expect(n2).toBe(n1 + 1);
  });

  it('rejects out-of-order requests (§12.2.2) but not ACK/CANCEL', () => {
    const d = Dialog.asUas(INVITE, 'btag', '<sip:bob@10.0.0.2>');
    const req = (n: number, m: string) =>
      msg(`${m} sip:bob@10.0.0.2 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK${n}${m}
From: <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>;tag=btag
Call-ID: call-1@10.0.0.1
CSeq: ${n} ${m}
Content-Length: 0

`) as SipRequest;
    expect(d.acceptRemoteCSeq(req(314, 'ACK'))).toBe(true);
    expect(d.acceptRemoteCSeq(req(314, 'BYE'))).toBe(false);
    expect(d.acceptRemoteCSeq(req(313, 'INFO'))).toBe(false);
    expect(d.acceptRemoteCSeq(req(400, 'INFO'))).toBe(true);
    expect(d.remoteSeq).toBe(400);
    expect(d.acceptRemoteCSeq(req(400, 'BYE'))).toBe(false);
  });
});

describe('UAC dialog (RFC 3261 §12.1.2)', () => {
  it('reverses Record-Route, targets the 2xx Contact, keeps its own CSeq', () => {
    const d = Dialog.asUac(SENT, OK, '<sip:alice@10.0.0.1:5060>')!;
    expect(d.state).toBe('confirmed');
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(['sip:10.0.0.10;lr', 'sip:10.0.0.20;lr']);
    expect(formatUri(d.remoteTarget)).toBe('sip:bob@10.0.0.2:5062;transport=tcp');
    expect(d.localSeq).toBe(314);
    expect(d.key).toBe(responseDialogKey(OK));
    const ack = d.createAck(314);
    expect(getCSeq(ack)).toEqual({ seq: 314, method: 'ACK' });
    const bye = d.createRequest('BYE');
    expect(getCSeq(bye)).toEqual({ seq: 315, method: 'BYE' });
    expect(formatUri(bye.uri)).toBe('sip:bob@10.0.0.2:5062;transport=tcp');
    expect(getRoutes(bye).map((r) => formatUri(r.uri))).toEqual(['sip:10.0.0.10;lr', 'sip:10.0.0.20;lr']);
    expect(getFromTag(bye)).toBe('atag');
    expect(getToTag(bye)).toBe('btag');
    expect(targetForUri(d.nextHopUri())).toEqual({ protocol: 'UDP', address: '10.0.0.10', port: 5060 });
  });

  it('both ends of one call agree on the dialog id', () => {
    const uac = Dialog.asUac(SENT, OK, '<sip:alice@10.0.0.1>')!;
    const uas = Dialog.asUas(INVITE, 'btag', '<sip:bob@10.0.0.2>');
    const bye = uac.createRequest('BYE');
    expect(requestDialogKey(bye)).toBe(uas.key);
    const table = new DialogTable<string>();
    expect(table.add(uas, 'bob')).toBe(true);
    expect(table.match(bye)?.owner).toBe('bob');
    expect(table.add(uas, 'again')).toBe(false);
    table.remove(uas);
    expect(table.match(bye)).toBeUndefined();
  });

  it('an early dialog from a 180 is confirmed by the 2xx, which recomputes the route set (§13.2.2.4)', () => {
    const ringing = msg(`SIP/2.0 180 Ringing
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1
Record-Route: <sip:10.0.0.10;lr>
From: <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>;tag=btag
Call-ID: call-1@10.0.0.1
CSeq: 314 INVITE
Content-Length: 0

`) as SipResponse;
    const d = Dialog.asUac(SENT, ringing, '<sip:alice@10.0.0.1>')!;
    expect(d.state).toBe('early');
    // No Contact in the 180: the Request-URI stands in until the 2xx says otherwise.
    expect(formatUri(d.remoteTarget)).toBe('sip:bob@example.com');
    expect(d.routeSet).toHaveLength(1);
    d.confirm(OK);
    expect(d.state).toBe('confirmed');
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(['sip:10.0.0.10;lr', 'sip:10.0.0.20;lr']);
    expect(formatUri(d.remoteTarget)).toBe('sip:bob@10.0.0.2:5062;transport=tcp');
  });

  it('no To tag: no dialog', () => {
    const trying = msg(`SIP/2.0 100 Trying
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1
From: <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>
Call-ID: call-1@10.0.0.1
CSeq: 314 INVITE
Content-Length: 0

`) as SipResponse;
    expect(Dialog.asUac(SENT, trying, '<sip:a@10.0.0.1>')).toBeUndefined();
  });
});

describe('strict routing (RFC 3261 §12.2.1.1, §16.12)', () => {
  it('a first route without ;lr becomes the Request-URI and the target goes last', () => {
    const res = msg(`SIP/2.0 200 OK
Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1
Record-Route: <sip:10.0.0.20;lr>
Record-Route: <sip:10.0.0.10>
From: <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>;tag=btag
Call-ID: call-1@10.0.0.1
CSeq: 314 INVITE
Contact: <sip:bob@10.0.0.2:5062>
Content-Length: 0

`) as SipResponse;
    const d = Dialog.asUac(SENT, res, '<sip:alice@10.0.0.1>')!;
    const bye = d.createRequest('BYE');
    expect(formatUri(bye.uri)).toBe('sip:10.0.0.10');
    expect(getRoutes(bye).map((r) => formatUri(r.uri))).toEqual(['sip:10.0.0.20;lr', 'sip:bob@10.0.0.2:5062']);
    expect(targetForUri(d.nextHopUri())).toEqual({ protocol: 'UDP', address: '10.0.0.10', port: 5060 });
  });
});

describe('target refresh (RFC 3261 §12.2)', () => {
  it('a re-INVITE with a new Contact moves the remote target; later requests follow it', () => {
    const d = Dialog.asUas(INVITE, 'btag', '<sip:bob@10.0.0.2>');
    d.confirm();
    const reinvite = msg(`INVITE sip:bob@10.0.0.2 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKre
From: <sip:alice@example.com>;tag=atag
To: <sip:bob@example.com>;tag=btag
Call-ID: call-1@10.0.0.1
CSeq: 315 INVITE
Contact: <sip:alice@10.0.0.99:5070>
Content-Length: 0

`) as SipRequest;
    expect(d.acceptRemoteCSeq(reinvite)).toBe(true);
    d.refreshTarget(reinvite);
    expect(formatUri(d.createRequest('BYE').uri)).toBe('sip:alice@10.0.0.99:5070');
  });

  it('requests for target refresh carry our Contact; a terminated dialog refuses new requests', () => {
    const d = Dialog.asUas(INVITE, 'btag', '<sip:bob@10.0.0.2:5062>');
    expect(d.createRequest('INVITE').headers.get('contact')).toBe('<sip:bob@10.0.0.2:5062>');
    expect(d.createRequest('BYE').headers.get('contact')).toBeUndefined();
    d.terminate();
    expect(() => d.createRequest('BYE')).toThrow();
  });
});

describe('next hop (RFC 3263 §4 without DNS)', () => {
  it('maddr, transport and default port; hostnames do not resolve', () => {
    expect(targetForUri(parseUri('sip:a@127.0.0.1')!)).toEqual({ protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    expect(targetForUri(parseUri('sip:a@127.0.0.1:5070;transport=TCP')!)).toEqual({ protocol: 'TCP', address: '127.0.0.1', port: 5070 });
    expect(targetForUri(parseUri('sip:a@example.com;maddr=127.0.0.9')!)).toEqual({ protocol: 'UDP', address: '127.0.0.9', port: 5060 });
    expect(targetForUri(parseUri('sip:a@example.com')!)).toBeUndefined();
    expect(targetForUri(parseUri('sip:a@127.0.0.1;transport=sctp')!)).toBeUndefined();
    expect(targetForUri(parseUri('sips:a@127.0.0.1')!)).toBeUndefined();
    expect(targetForUri(parseUri('sip:a@example.com')!, { address: '127.0.0.5', port: 5999 })).toEqual({ protocol: 'UDP', address: '127.0.0.5', port: 5999 });
  });

  it('the table is bounded', () => {
    const t = new DialogTable<number>(1);
    const a = Dialog.asUas(INVITE, 't1', '<sip:b@10.0.0.2>');
    const b = Dialog.asUas(INVITE, 't2', '<sip:b@10.0.0.2>');
    expect(t.add(a, 1)).toBe(true);
    expect(t.add(b, 2)).toBe(false);
    expect(t.size).toBe(1);
  });
});
