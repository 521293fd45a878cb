import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/util/clock';
import { logger } from '../../../../src/util/logger';
import { createRequest, createResponse, getTopVia, parseMessage } from '../../../../src/sip/message';
import type { SipMessage, SipResponse } from '../../../../src/sip/message/types';
import { LoopNetwork } from '../../../../src/sip/transport/loop';
import { TransportLayer, type InboundEnvelope } from '../../../../src/sip/transport/transport-layer';

function setup() {
  const clock = new FakeClock();
  const net = new LoopNetwork(clock);
  const layer = new TransportLayer({ clock, logger });
  const server = net.bind('UDP', '127.0.0.1', 5060);
  layer.add(server);
  const peer = net.bind('UDP', '127.0.0.2', 5060);
  const peerGot: SipMessage[] = [];
  peer.setHandler({
    onFrame: (f) => {
      const r = parseMessage(f.data);
      if (r.ok) peerGot.push(r.msg);
    },
  });
  const got: Array<[SipMessage, InboundEnvelope]> = [];
  layer.setReceiver((m, e) => got.push([m, e]));
  return { clock, net, layer, server, peer, peerGot, got };
}

const OPTIONS = (via: string) =>
  `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: ${via}\r\nFrom: <sip:b@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;

describe('TransportLayer', () => {
  it('delivers a parsed request with its envelope and stamps received/rport', () => {
    const { clock, peer, got } = setup();
    peer.send(Buffer.from(OPTIONS('SIP/2.0/UDP host.example.com;rport;branch=z9hG4bKa')), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    clock.advance(0);
    expect(got).toHaveLength(1);
    const [msg, env] = got[0]!;
    expect(env).toMatchObject({ transport: 'UDP', remote: { address: '127.0.0.2', port: 5060 }, local: { address: '127.0.0.1', port: 5060 } });
    expect(getTopVia(msg)!.params).toEqual([
      ['rport', '5060'],
      ['branch', 'z9hG4bKa'],
      ['received', '127.0.0.2'],
    ]);
  });

  it('counts an unparseable message by reason; answers 400 with a reason phrase when answerable', () => {
    const { clock, layer, peer, peerGot, got } = setup();
    const text = OPTIONS('SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKb').replace('OPTIONS sip:a@127.0.0.1 SIP/2.0', 'OPTIONS sip:a@127.0.0.1 SIP/2.0 ');
    peer.send(Buffer.from(text), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    peer.send(Buffer.from('\x00\x01garbage that is not SIP\r\n\r\n'), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    clock.advance(0);
    clock.advance(0);
    expect(got).toHaveLength(0);
    expect(layer.counters.parseErrors).toBe(2);
    expect(Object.values(layer.counters.parseErrorReasons).reduce((a, b) => a + b, 0)).toBe(2);
    expect(layer.counters.badRequestsAnswered).toBe(1);
    expect(peerGot).toHaveLength(1);
    const res = peerGot[0] as SipResponse;
    expect(res.status).toBe(400);
    expect(res.reason).not.toBe('');
    expect(res.reason).not.toBe('Bad Request'); // says what was wrong
    expect(res.headers.get('call-id')).toBe('c1');
  });

  it('routes a response by its Via (received, sent-by port)', () => {
    const { clock, layer, peerGot } = setup();
    const req = createRequest({
      method: 'OPTIONS',
      uri: 'sip:a@127.0.0.1',
      headers: [
        ['Via', 'SIP/2.0/UDP peer.example.com:5060;branch=z9hG4bKc;received=127.0.0.2'],
        ['From', '<sip:b@x>;tag=1'],
        ['To', '<sip:a@x>'],
        ['Call-ID', 'c2'],
        ['CSeq', '1 OPTIONS'],
      ],
    });
    layer.sendResponse(createResponse(req, 200, undefined, { toTag: 't' }));
    clock.advance(0);
    expect(peerGot.map((m) => (m as SipResponse).status)).toEqual([200]);
  });

  it('never sends to hostnames, broadcast or multicast: counted as unroutable, reported', async () => {
    const { clock, layer } = setup();
    const req = createRequest({ method: 'OPTIONS', uri: 'sip:a@example.com', headers: [['Via', 'SIP/2.0/UDP x;branch=z9hG4bKd']] });
    const errors: string[] = [];
    for (const address of ['example.com', '255.255.255.255', '224.0.0.1', '0.0.0.0']) {
      layer.sendRequest(req, { protocol: 'UDP', address, port: 5060 }, (e) => errors.push(e.message));
    }
    await Promise.resolve();
    clock.advance(0);
    expect(errors).toHaveLength(4);
    expect(layer.counters.unroutable).toBe(4);
    expect(layer.counters.messagesOut).toBe(0);
  });

  it('a receiver that throws does not unwind the transport', () => {
    const { clock, layer, peer } = setup();
    layer.setReceiver(() => {
      throw new Error('boom');
    });
    peer.send(Buffer.from(OPTIONS('SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKe')), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    expect(() => clock.advance(0)).not.toThrow();
    expect(layer.counters.requestsIn).toBe(1);
  });

  it('no transport for the protocol: error, nothing thrown; close() is idempotent', async () => {
    const { layer } = setup();
    const req = createRequest({ method: 'OPTIONS', uri: 'sip:a@127.0.0.3', headers: [] });
    const errors: Error[] = [];
    layer.sendRequest(req, { protocol: 'TCP', address: '127.0.0.3', port: 5060 }, (e) => errors.push(e));
    await Promise.resolve();
    expect(errors).toHaveLength(1);
    await layer.close();
    await layer.close();
  });
});
