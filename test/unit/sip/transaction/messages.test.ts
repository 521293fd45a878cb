import { describe, expect, it } from 'vitest';
import { createRequest, createResponse, getCSeq, getToTag } from '../../../../src/sip/message';
import { make100Trying, makeCancel, makeNon2xxAck } from '../../../../src/sip/transaction/messages';

const invite = createRequest({
  method: 'INVITE',
  uri: 'sip:bob@127.0.0.2:5080;transport=udp',
  headers: [
    ['Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtop;rport, SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKlower'],
    ['Via', 'SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKthird'],
    ['Route', '<sip:proxy1@127.0.0.9;lr>'],
    ['Route', '<sip:proxy2@127.0.0.10;lr>'],
    ['Max-Forwards', '69'],
    ['From', '"A" <sip:a@127.0.0.1>;tag=fa'],
    ['To', '<sip:bob@127.0.0.2>'],
    ['Call-ID', 'msg-1'],
    ['CSeq', '42 INVITE'],
    ['Timestamp', '54'],
    ['Content-Type', 'application/sdp'],
  ],
  body: Buffer.from('v=0\r\n'),
});

describe('transaction-built messages', () => {
  it('makeNon2xxAck (§17.1.1.3): top Via only, Routes kept, To from the response, CSeq n ACK, no body', () => {
    const ack = makeNon2xxAck(invite, createResponse(invite, 486, undefined, { toTag: 'bt' }));
    expect(ack.method).toBe('ACK');
    expect(ack.uri).toEqual(invite.uri);
    expect(ack.headers.getAll('via')).toEqual(['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtop;rport']);
    expect(ack.headers.getAll('route')).toEqual(['<sip:proxy1@127.0.0.9;lr>', '<sip:proxy2@127.0.0.10;lr>']);
    expect(getToTag(ack)).toBe('bt');
    expect(getCSeq(ack)).toEqual({ seq: 42, method: 'ACK' });
    expect(ack.headers.get('from')).toBe('"A" <sip:a@127.0.0.1>;tag=fa');
    expect(ack.body.length).toBe(0);
  });

  it('makeCancel (§9.1): same R-URI, Call-ID, From, To (no tag), CSeq n CANCEL, one Via with the INVITE branch', () => {
    const c = makeCancel(invite);
    expect(c.method).toBe('CANCEL');
    expect(c.uri).toEqual(invite.uri);
    expect(c.headers.getAll('via')).toEqual(['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKtop;rport']);
    expect(c.headers.get('to')).toBe('<sip:bob@127.0.0.2>');
    expect(getCSeq(c)).toEqual({ seq: 42, method: 'CANCEL' });
    expect(c.headers.getAll('route')).toHaveLength(2);
    expect(c.headers.get('content-type')).toBeUndefined();
  });

  it('make100Trying (§8.2.6.1): no To tag, Timestamp copied', () => {
    const t = make100Trying(invite);
    expect(t.status).toBe(100);
    expect(getToTag(t)).toBeUndefined();
    expect(t.headers.get('timestamp')).toBe('54');
    expect(t.headers.getAll('via')).toEqual(invite.headers.getAll('via'));
  });
});
