import { describe, expect, it } from 'vitest';
import { ServerNonInviteTransaction } from '../../../../src/sip/transaction/server-non-invite';
import { harness, request, response, statusesSent, type Harness } from './helpers';

function nist(h: Harness, method = 'OPTIONS') {
  const req = request(method);
  const seen = { failures: [] as string[], terminated: 0 };
  const tx = new ServerNonInviteTransaction(h.ctx, 'st1', req);
  tx.events = { onFailure: (r) => seen.failures.push(r), onTerminated: () => seen.terminated++ };
  tx.start();
  return { tx, req, seen };
}

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('Trying: nothing sent, no timers; retransmissions absorbed silently', () => {
    const h = harness(false);
    const { tx, req } = nist(h);
    expect(tx.state).toBe('Trying');
    expect(tx.runningTimers()).toEqual([]);
    tx.receive(req);
    expect(h.sent).toHaveLength(0);
    expect(tx.absorbed).toBe(1);
  });

  it('1xx -> Proceeding; retransmitted request gets the last provisional; more 1xx sent', () => {
    const h = harness(false);
    const { tx, req } = nist(h, 'REGISTER');
    tx.respond(response(req, 100));
    expect(tx.state).toBe('Proceeding');
    tx.receive(req);
    tx.respond(response(req, 183));
    expect(statusesSent(h)).toEqual([100, 100, 183]);
  });

  it.each([
    ['Trying', false],
    ['Proceeding', true],
  ])('final from %s -> Completed; retransmissions answered; Timer J = 64*T1', (_s, prov) => {
    const h = harness(false);
    const { tx, req, seen } = nist(h);
    if (prov) tx.respond(response(req, 100));
    tx.respond(response(req, 200));
    expect(tx.state).toBe('Completed');
    expect(tx.runningTimers()).toEqual(['J']);
    tx.receive(req);
    tx.receive(req);
    const twos = statusesSent(h).filter((s) => s === 200);
    expect(twos).toHaveLength(3);
    // A second final from the TU is ignored.
    tx.respond(response(req, 500));
    expect(statusesSent(h)).not.toContain(500);
    h.clock.advance(31_999);
    expect(tx.state).toBe('Completed');
    h.clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(seen.terminated).toBe(1);
  });

  it('reliable: Timer J is zero', () => {
    const h = harness(true);
    const { tx, req } = nist(h);
    tx.respond(response(req, 404));
    expect(tx.state).toBe('Terminated');
    expect(statusesSent(h)).toEqual([404]);
  });

  it('transport error in Proceeding or Completed terminates and informs the TU', () => {
    for (const status of [180, 200]) {
      const h = harness(false);
      const { tx, req, seen } = nist(h);
      h.failNext();
      tx.respond(response(req, status));
      h.clock.advance(0);
      expect(seen.failures).toEqual(['transport']);
      expect(tx.state).toBe('Terminated');
      expect(h.clock.pending()).toBe(0);
    }
  });
});
