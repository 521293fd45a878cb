/**
 * SipStack end to end over loop transports (FakeClock): two stacks talk through a network that can
 * lose, delay and fail; validation, counters, misuse and shutdown.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/util/clock';
import { isStrowgerError } from '../../../src/util/errors';
import { logger } from '../../../src/util/logger';
import { createRequest, getTopVia } from '../../../src/sip/message';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types';
import { SipStack } from '../../../src/sip/stack';
import { LoopNetwork } from '../../../src/sip/transport/loop';
import type { TransportProtocol } from '../../../src/sip/transport/types';
import { loopSetup, raw } from './transaction/loop-harness';

/** Deterministic PRNG (mulberry32) so lossy runs are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pair(protocol: TransportProtocol = 'UDP', rng?: () => number) {
  const clock = new FakeClock();
  const net = new LoopNetwork(clock, rng);
  const ta = net.bind(protocol, '127.0.0.1', 5060);
  const tb = net.bind(protocol, '127.0.0.2', 5060);
  const alice = new SipStack({ clock, logger, transports: [ta], userAgent: 'alice-ua' });
  const bob = new SipStack({ clock, logger, transports: [tb] });
  return { clock, net, ta, tb, alice, bob, toBob: { protocol, address: '127.0.0.2', port: 5060 } };
}

let n = 0;
function req(method: string): SipRequest {
  n++;
  return createRequest({
    method,
    uri: 'sip:bob@127.0.0.2',
    headers: [
      ['From', `<sip:alice@127.0.0.1>;tag=f${n}`],
      ['To', '<sip:bob@127.0.0.2>'],
      ['Call-ID', `stack-${n}`],
      ['CSeq', `1 ${method}`],
    ],
  });
}

describe('SipStack over loop transports', () => {
  it('OPTIONS round trip: Via/Max-Forwards/User-Agent added, response passed up, counters', () => {
    const { clock, alice, bob, toBob } = pair();
    let seenReq: SipRequest | undefined;
    bob.onRequest((tx, r) => {
      seenReq = r;
      tx.reply(200);
    });
    const got: SipResponse[] = [];
    const tx = alice.sendRequest(req('OPTIONS'), toBob, { onResponse: (r) => got.push(r) });
    clock.advance(0);
    clock.advance(0);
    expect(got.map((r) => r.status)).toEqual([200]);
    expect(seenReq!.headers.get('max-forwards')).toBe('70');
    expect(seenReq!.headers.get('user-agent')).toBe('alice-ua');
    const via = getTopVia(seenReq!)!;
    expect(via).toMatchObject({ transport: 'UDP', host: '127.0.0.1', port: 5060 });
    expect(via.params[0]![0]).toBe('branch');
    expect(via.params[0]![1]).toMatch(/^z9hG4bK[0-9a-f]{20}$/);
    // bob stamped the rport alice asked for, and received with it (RFC 3581 §4).
    expect(via.params.slice(1)).toEqual([
      ['rport', '5060'],
      ['received', '127.0.0.1'],
    ]);
    // Completed is kept by the layer in compact form (nobody waits for onTerminated): the state
    // machine is done, the layer still counts the transaction until Timer K.
    expect(tx.state).toBe('Terminated');
    const a = alice.counters();
    const b = bob.counters();
    expect(a.messagesOut).toBe(1);
    expect(a.messagesIn).toBe(1);
    expect(b.requestsIn).toBe(1);
    expect(b.serverTransactions).toBe(1);
    expect(a.clientTransactions).toBe(1);
    clock.advance(64 * 500);
    expect(alice.counters().clientTransactions).toBe(0);
    expect(bob.counters().serverTransactions).toBe(0);
  });

  it('30% loss each way: 20 non-INVITE and 10 INVITE transactions all complete, the TU sees each request once', () => {
    const { clock, ta, tb, alice, bob, toBob } = pair('UDP', seeded(42));
    ta.faults.dropProbability = 0.3;
    tb.faults.dropProbability = 0.3;
    let requestsSeen = 0;
    bob.onRequest((tx) => {
      requestsSeen++;
      tx.reply(tx.method === 'INVITE' ? 486 : 200);
    });
    const finals: number[] = [];
    let timeouts = 0;
    for (let i = 0; i < 20; i++) alice.sendRequest(req('OPTIONS'), toBob, { onResponse: (r) => r.status >= 200 && finals.push(r.status), onTimeout: () => timeouts++ });
    for (let i = 0; i < 10; i++) alice.sendRequest(req('INVITE'), toBob, { onResponse: (r) => r.status >= 200 && finals.push(r.status), onTimeout: () => timeouts++ });
    clock.advance(40_000);
    expect(timeouts).toBe(0);
    expect(requestsSeen).toBe(30);
    expect(finals.filter((s) => s === 200)).toHaveLength(20);
    expect(finals.filter((s) => s === 486)).toHaveLength(10);
    const bc = bob.counters();
    expect(bc.retransmissionsAbsorbed).toBeGreaterThan(0);
    expect(alice.counters().retransmissionsSent).toBeGreaterThan(0);
    clock.advance(40_000);
    expect(alice.counters().clientTransactions).toBe(0);
    expect(bob.counters().serverTransactions).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('reliable (TCP-like) loop: no retransmissions, wait timers zero', () => {
    const { clock, alice, bob, toBob } = pair('TCP');
    bob.onRequest((tx) => tx.reply(404));
    const finals: number[] = [];
    alice.sendRequest(req('INVITE'), toBob, { onResponse: (r) => finals.push(r.status) });
    clock.advance(0);
    clock.advance(0);
    clock.advance(0);
    expect(finals).toEqual([100, 404]);
    expect(alice.counters().clientTransactions).toBe(0); // Timer D = 0
    expect(bob.counters().serverTransactions).toBe(0); // ACK received, Timer I = 0
    expect(alice.counters().retransmissionsSent).toBe(0);
  });

  it('transport error reaches the TU (§17.1.4)', () => {
    const { clock, ta, alice, toBob } = pair();
    ta.faults.failSend = true;
    const errors: Error[] = [];
    alice.sendRequest(req('OPTIONS'), toBob, { onTransportError: (e) => errors.push(e) });
    clock.advance(0);
    clock.advance(0);
    expect(errors).toHaveLength(1);
    expect(alice.counters().clientTransactions).toBe(0);
  });

  it('an invalid request gets a stateless 400 with the reason; an invalid ACK gets nothing', () => {
    const { stack, peer } = loopSetup();
    let seen = 0;
    stack.onRequest(() => seen++);
    peer.send(raw('OPTIONS sip:a@127.0.0.1 SIP/2.0', ['Via: SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKv', 'From: <sip:b@x>;tag=1', 'To: <sip:a@x>', 'CSeq: 1 OPTIONS']));
    peer.send(raw('ACK sip:a@127.0.0.1 SIP/2.0', ['Via: SIP/2.0/UDP 127.0.0.2;branch=z9hG4bKw', 'From: <sip:b@x>;tag=1', 'To: <sip:a@x>', 'CSeq: 1 ACK']));
    expect(seen).toBe(0);
    expect(peer.responses().map((r) => `${r.status} ${r.reason}`)).toEqual(['400 Missing Call-ID header']);
    expect(stack.counters().invalidRequests).toBe(2);
  });

  it('no request handler: 501; a handler that throws: 500; over the transaction cap: 503', () => {
    const a = loopSetup();
    a.peer.send(raw('OPTIONS sip:a@127.0.0.1 SIP/2.0', ['Via: SIP/2.0/UDP 127.0.0.2;branch=z9hG4bK1', 'From: <sip:b@x>;tag=1', 'To: <sip:a@x>', 'Call-ID: q1', 'CSeq: 1 OPTIONS']));
    a.clock.advance(0);
    expect(a.peer.responses().map((r) => r.status)).toEqual([501]);

    const b = loopSetup({ stack: { maxServerTransactions: 1 } });
    b.stack.onRequest((tx) => {
      if (tx.request.headers.get('call-id') === 'q2') throw new Error('handler bug');
      // q3 is left unanswered: it stays a full transaction and fills the cap.
    });
    const options = (n: number) =>
      raw('OPTIONS sip:a@127.0.0.1 SIP/2.0', [`Via: SIP/2.0/UDP 127.0.0.2;branch=z9hG4bK${n}`, 'From: <sip:b@x>;tag=1', 'To: <sip:a@x>', `Call-ID: q${n}`, 'CSeq: 1 OPTIONS']);
    b.peer.send(options(2));
    b.clock.advance(0);
    expect(b.peer.responses().map((r) => r.status)).toEqual([500]);
    // The answered q2 waits for Timer J in compact form, which the cap does not count.
    expect(b.stack.counters().serverTransactions).toBe(1);
    expect(b.stack.transactions.liveCompactServer).toBe(1);
    b.peer.send(options(3));
    b.peer.send(options(4));
    b.clock.advance(0);
    expect(b.peer.responses().map((r) => r.status)).toEqual([500, 503]);
    expect(b.stack.counters().serverTransactions).toBe(2);
  });

  it('misuse is a typed control-plane error', () => {
    const { alice, toBob } = pair();
    const expectCode = (fn: () => unknown) => {
      try {
        fn();
        expect.unreachable();
      } catch (e) {
        expect(isStrowgerError(e, 'SIP_TRANSACTION')).toBe(true);
      }
    };
    expectCode(() => alice.sendRequest(req('ACK'), toBob));
    const noCookie = req('OPTIONS');
    noCookie.headers.prepend('Via', 'SIP/2.0/UDP 127.0.0.1:5060;branch=oldstyle');
    expectCode(() => alice.sendRequest(noCookie, toBob));
    const mismatch = req('OPTIONS');
    mismatch.headers.set('CSeq', '1 INFO');
    expectCode(() => alice.sendRequest(mismatch, toBob));
    const first = req('OPTIONS');
    alice.sendRequest(first, toBob);
    const dup = req('OPTIONS');
    dup.headers.prepend('Via', first.headers.get('via')!);
    expectCode(() => alice.sendRequest(dup, toBob));
  });

  it('sendAck goes out without a transaction; close() is idempotent and stops everything', async () => {
    const { clock, alice, bob, toBob } = pair();
    const acks: SipRequest[] = [];
    bob.onAck((a) => acks.push(a));
    const ack = req('ACK');
    alice.sendAck(ack, toBob);
    clock.advance(0);
    expect(acks).toHaveLength(1);
    expect(alice.counters().clientTransactions).toBe(0);
    alice.sendRequest(req('OPTIONS'), toBob);
    await alice.close();
    await alice.close();
    expect(alice.counters().clientTransactions).toBe(0);
    expect(() => alice.sendRequest(req('OPTIONS'), toBob)).toThrow();
  });
});
