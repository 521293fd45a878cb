import { describe, expect, it } from 'vitest';
import { createRequest, getTopVia, parseVia } from '../../../../src/sip/message';
import type { Via } from '../../../../src/sip/message/types';
import { responseTarget, sameHost, stampReceived, type ResponseHint } from '../../../../src/sip/transport/via-routing';

function req(via: string | string[]) {
  const vias = Array.isArray(via) ? via : [via];
  return createRequest({
    method: 'OPTIONS',
    uri: 'sip:a@127.0.0.1',
    headers: [['Max-Forwards', '70'], ...vias.map((v) => ['Via', v] as [string, string]), ['Call-ID', 'x']],
  });
}

const via = (s: string): Via => parseVia(s)![0]!;
const never = () => false;
const none = () => undefined;

describe('stampReceived (RFC 3261 §18.2.1, RFC 3581 §4)', () => {
  it('adds received when the sent-by host differs from the source address', () => {
    const r = req('SIP/2.0/UDP host.example.com:5062;branch=z9hG4bK1');
    expect(stampReceived(r, { address: '127.0.0.2', port: 40000 })).toBe(true);
    expect(r.headers.get('via')).toBe('SIP/2.0/UDP host.example.com:5062;branch=z9hG4bK1;received=127.0.0.2');
  });

  it('leaves the Via alone when sent-by is the source and no rport was asked for', () => {
    const r = req('SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bK1');
    stampReceived(r, { address: '127.0.0.2', port: 40000 });
    expect(r.headers.get('via')).toBe('SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bK1');
  });

  it('fills a bare rport with the source port and always adds received', () => {
    const r = req('SIP/2.0/UDP 127.0.0.2:5062;rport;branch=z9hG4bK1');
    stampReceived(r, { address: '127.0.0.2', port: 40000 });
    const v = getTopVia(r)!;
    expect(v.params).toEqual([
      ['rport', '40000'],
      ['branch', 'z9hG4bK1'],
      ['received', '127.0.0.2'],
    ]);
  });

  it('touches only the first value of the first Via line and keeps the others', () => {
    const r = req(['SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2', 'SIP/2.0/TCP c.example.com']);
    stampReceived(r, { address: '127.0.0.9', port: 1 });
    expect(r.headers.getAll('via')).toEqual([
      'SIP/2.0/UDP a.example.com;branch=z9hG4bK1;received=127.0.0.9, SIP/2.0/UDP b.example.com;branch=z9hG4bK2',
      'SIP/2.0/TCP c.example.com',
    ]);
  });

  it('IPv6 sent-by vs IPv4-mapped source, and an unparseable Via', () => {
    expect(sameHost('::ffff:127.0.0.1', '127.0.0.1')).toBe(true);
    expect(sameHost('EXAMPLE.com', 'example.COM')).toBe(true);
    const r = req('SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1');
    stampReceived(r, { address: '127.0.0.1', port: 5060 });
    expect(getTopVia(r)!.params).toContainEqual(['received', '127.0.0.1']);
    const bad = req('SIP/2.0/UDP 192.0.2.15;;,;,,');
    expect(stampReceived(bad, { address: '127.0.0.1', port: 1 })).toBe(false);
    expect(bad.headers.get('via')).toBe('SIP/2.0/UDP 192.0.2.15;;,;,,');
  });
});

describe('responseTarget (RFC 3261 §18.2.2, RFC 3581 §4)', () => {
  const udpHint: ResponseHint = { protocol: 'UDP', remote: { address: '127.0.0.2', port: 40000 } };

  it.each([
    ['plain sent-by with port', 'SIP/2.0/UDP 127.0.0.3:5070;branch=z9hG4bK1', { address: '127.0.0.3', port: 5070 }],
    ['sent-by, default port', 'SIP/2.0/UDP 127.0.0.3;branch=z9hG4bK1', { address: '127.0.0.3', port: 5060 }],
    ['received + sent-by port', 'SIP/2.0/UDP h.example.com:5071;received=127.0.0.2', { address: '127.0.0.2', port: 5071 }],
    ['received, default port', 'SIP/2.0/UDP h.example.com;received=127.0.0.2', { address: '127.0.0.2', port: 5060 }],
    ['rport filled: received:rport', 'SIP/2.0/UDP h.example.com:5071;rport=40000;received=127.0.0.2', { address: '127.0.0.2', port: 40000 }],
    ['maddr wins over received', 'SIP/2.0/UDP h.example.com:5072;maddr=127.0.0.7;received=127.0.0.2', { address: '127.0.0.7', port: 5072 }],
    ['bracketed IPv6 received (RFC 5118 §4.5)', 'SIP/2.0/UDP h.example.com;received=[::1]', { address: '::1', port: 5060 }],
  ])('UDP: %s', (_n, v, expected) => {
    expect(responseTarget(via(v), udpHint, never, none)).toEqual({ protocol: 'UDP', ...expected });
  });

  it('UDP: a Via that says TLS is still answered on UDP with the UDP default port', () => {
    expect(responseTarget(via('SIP/2.0/TLS h.example.com;received=127.0.0.2'), udpHint, never, none)).toEqual({
      protocol: 'UDP',
      address: '127.0.0.2',
      port: 5060,
    });
  });

  it('TCP: the connection the request came on, while it is open', () => {
    const hint: ResponseHint = { protocol: 'TCP', remote: { address: '127.0.0.2', port: 40001 }, connectionId: 'tcp-7' };
    const v = via('SIP/2.0/TCP h.example.com:5070;received=127.0.0.2');
    expect(responseTarget(v, hint, (_p, id) => id === 'tcp-7', none)).toEqual({
      protocol: 'TCP',
      address: '127.0.0.2',
      port: 40001,
      connectionId: 'tcp-7',
    });
  });

  it('TCP: closed connection -> another open one to received:rport, else a new one to received:sent-by port', () => {
    const hint: ResponseHint = { protocol: 'TCP', remote: { address: '127.0.0.2', port: 40001 }, connectionId: 'tcp-7' };
    const v = via('SIP/2.0/TCP h.example.com:5070;rport=40001;received=127.0.0.2');
    const found = responseTarget(v, hint, never, (_p, a, p) => (a === '127.0.0.2' && p === 40001 ? 'tcp-9' : undefined));
    expect(found).toEqual({ protocol: 'TCP', address: '127.0.0.2', port: 40001, connectionId: 'tcp-9' });
    expect(responseTarget(v, hint, never, none)).toEqual({ protocol: 'TCP', address: '127.0.0.2', port: 5070 });
  });

  it('stateless (no hint): the Via transport picks the protocol', () => {
    expect(responseTarget(via('SIP/2.0/TCP 127.0.0.5'), undefined, never, none)).toEqual({ protocol: 'TCP', address: '127.0.0.5', port: 5060 });
    expect(responseTarget(via('SIP/2.0/UDP 127.0.0.5'), undefined, never, none)).toEqual({ protocol: 'UDP', address: '127.0.0.5', port: 5060 });
  });

  it('no Via: back to the source (or nowhere without one)', () => {
    expect(responseTarget(undefined, udpHint, never, none)).toEqual({ protocol: 'UDP', address: '127.0.0.2', port: 40000 });
    expect(responseTarget(undefined, undefined, never, none)).toBeUndefined();
  });
});
