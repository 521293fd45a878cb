import { describe, expect, it } from 'vitest';
import type { SipResponse } from '../../../../src/sip/message/types';
import { ClientNonInviteTransaction } from '../../../../src/sip/transaction/client-non-invite';
import { harness, request, response, type Harness } from './helpers';

function nict(h: Harness, method = 'OPTIONS') {
  const req = request(method);
  const seen = { responses: [] as SipResponse[], timeouts: 0, errors: [] as Error[], terminated: 0 };
  const tx = new ClientNonInviteTransaction(h.ctx, 'ct1', req, {
    onResponse: (r) => seen.responses.push(r),
    onTimeout: () => seen.timeouts++,
    onTransportError: (e) => seen.errors.push(e),
    onTerminated: () => seen.terminated++,
  });
  tx.start();
  return { tx, req, seen };
}

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('Trying, unreliable: Timer E doubles from T1 up to T2; Timer F times out at 64*T1', () => {
    const h = harness(false);
    const { tx, seen } = nict(h);
    expect(tx.state).toBe('Trying');
    expect(tx.runningTimers()).toEqual(['E', 'F']);
    h.clock.advance(31_999);
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(seen.timeouts).toBe(0);
    h.clock.advance(1);
    expect(seen.timeouts).toBe(1);
    expect(seen.terminated).toBe(1);
    expect(tx.state).toBe('Terminated');
    expect(h.clock.pending()).toBe(0);
  });

  it('Trying, reliable: no Timer E; F still fires', () => {
    const h = harness(true);
    const { tx, seen } = nict(h);
    expect(tx.runningTimers()).toEqual(['F']);
    h.clock.advance(32_000);
    expect(h.sent).toHaveLength(1);
    expect(seen.timeouts).toBe(1);
  });

  it('1xx -> Proceeding: passed up; Timer E now retransmits every T2', () => {
    const h = harness(false);
    const { tx, req, seen } = nict(h, 'REGISTER');
    h.clock.advance(600); // one retransmission at 500, E now 1000 (due at 1500)
    tx.receive(response(req, 100));
    expect(tx.state).toBe('Proceeding');
    expect(seen.responses.map((r) => r.status)).toEqual([100]);
    h.clock.advance(900); // E fires at 1500, then every T2
    h.clock.advance(8000);
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1500, 5500, 9500]);
    tx.receive(response(req, 183));
    expect(seen.responses.map((r) => r.status)).toEqual([100, 183]);
  });

  it('Timer F fires in Proceeding too', () => {
    const h = harness(false);
    const { tx, req, seen } = nict(h);
    tx.receive(response(req, 180));
    h.clock.advance(32_000);
    expect(seen.timeouts).toBe(1);
    expect(tx.state).toBe('Terminated');
  });

  it.each([
    ['Trying', false, 200],
    ['Trying', false, 404],
    ['Proceeding', true, 200],
    ['Proceeding', true, 603],
  ])('final in %s -> Completed, passed up once; retransmissions absorbed; Timer K = T4', (_s, prov, status) => {
    const h = harness(false);
    const { tx, req, seen } = nict(h);
    if (prov) tx.receive(response(req, 100));
    tx.receive(response(req, status));
    expect(tx.state).toBe('Completed');
    expect(tx.runningTimers()).toEqual(['K']);
    tx.receive(response(req, status));
    tx.receive(response(req, 180));
    expect(seen.responses.filter((r) => r.status === status)).toHaveLength(1);
    expect(tx.absorbed).toBe(2);
    const sentBefore = h.sent.length;
    h.clock.advance(4999);
    expect(tx.state).toBe('Completed');
    expect(h.sent.length).toBe(sentBefore); // no retransmissions in Completed
    h.clock.advance(1);
    expect(tx.state).toBe('Terminated');
  });

  it('Completed keeps only onTerminated of the TU callbacks (the TU is not kept alive until Timer K)', () => {
    const h = harness(false);
    const { tx, req, seen } = nict(h);
    expect(Object.keys(tx.callbacks).sort()).toEqual(['onResponse', 'onTerminated', 'onTimeout', 'onTransportError']);
    tx.receive(response(req, 200));
    expect(tx.state).toBe('Completed');
    expect(Object.keys(tx.callbacks)).toEqual(['onTerminated']);
    h.clock.advance(5000);
    expect(seen.terminated).toBe(1);
    // Without an onTerminated there is nothing left to keep.
    const bare = new ClientNonInviteTransaction(h.ctx, 'ct2', request('BYE'), { onFinal: () => {} });
    bare.start();
    bare.receive(response(bare.request, 200));
    expect(Object.keys(bare.callbacks)).toEqual([]);
  });

  it('reliable: Timer K is zero, terminates on the final response', () => {
    const h = harness(true);
    const { tx, req, seen } = nict(h);
    tx.receive(response(req, 200));
    expect(tx.state).toBe('Terminated');
    expect(seen.responses).toHaveLength(1);
    expect(seen.terminated).toBe(1);
  });

  it('transport error in Trying and in Proceeding terminates and informs the TU', () => {
    for (const prov of [false, true]) {
      const h = harness(false);
      if (!prov) h.failNext();
      const { tx, req, seen } = nict(h);
      if (prov) {
        tx.receive(response(req, 100));
        h.failNext();
        h.clock.advance(500); // E fires, retransmission fails
      }
      h.clock.advance(0);
      expect(seen.errors).toHaveLength(1);
      expect(tx.state).toBe('Terminated');
      expect(seen.timeouts).toBe(0);
    }
  });

  it('Timer E with T2 < 2*T1 caps immediately', () => {
    const h = harness(false, { T1: 500, T2: 600, T4: 5000 });
    nict(h);
    h.clock.advance(2000);
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1100, 1700]);
  });
});
