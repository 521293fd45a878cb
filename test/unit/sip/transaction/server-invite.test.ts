import { describe, expect, it } from 'vitest';
import { getToTag } from '../../../../src/sip/message';
import type { SipRequest } from '../../../../src/sip/message/types';
import { make100Trying } from '../../../../src/sip/transaction/messages';
import { ServerInviteTransaction } from '../../../../src/sip/transaction/server-invite';
import { harness, request, response, statusesSent, type Harness } from './helpers';

function ist(h: Harness, trying100DelayMs = 0) {
  const req = request('INVITE', { body: 'v=0\r\n' });
  const seen = { failures: [] as string[], acks: [] as SipRequest[], terminated: 0 };
  const tx = new ServerInviteTransaction(h.ctx, 'st1', req, { make100: make100Trying, trying100DelayMs });
  tx.events = {
    onFailure: (r) => seen.failures.push(r),
    onAckInAccepted: (a) => seen.acks.push(a),
    onTerminated: () => seen.terminated++,
  };
  tx.start();
  return { tx, req, seen };
}

function ackFor(req: SipRequest): SipRequest {
  const a = request('ACK', { branch: /branch=([^;]+)/.exec(req.headers.get('via')!)![1], toTag: 'totag1' });
  return a;
}

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026)', () => {
  it('sends 100 Trying at once (default), without a To tag', () => {
    const h = harness(false);
    const { tx } = ist(h);
    expect(tx.state).toBe('Proceeding');
    expect(statusesSent(h)).toEqual([100]);
    expect(getToTag(h.sent[0]!.msg)).toBeUndefined();
  });

  it('with a 200 ms delay, sends 100 only if the TU is silent', () => {
    const h = harness(false);
    const a = ist(h, 200);
    h.clock.advance(199);
    expect(h.sent).toHaveLength(0);
    h.clock.advance(1);
    expect(statusesSent(h)).toEqual([100]);

    const h2 = harness(false);
    const b = ist(h2, 200);
    h2.clock.advance(50);
    b.tx.respond(response(b.req, 180));
    h2.clock.advance(1000);
    expect(statusesSent(h2)).toEqual([180]);
    void a;
  });

  it('Proceeding: TU provisionals sent; a retransmitted INVITE gets the last provisional again', () => {
    const h = harness(false);
    const { tx, req } = ist(h);
    tx.respond(response(req, 180));
    tx.receive(req);
    expect(statusesSent(h)).toEqual([100, 180, 180]);
    expect(tx.absorbed).toBe(1);
    expect(h.retransmits).toBe(1);
  });

  it('300-699 -> Completed: Timer G retransmits T1, 2T1, 4T1, T2 ...; Timer H fails the transaction at 64*T1', () => {
    const h = harness(false);
    const { tx, req, seen } = ist(h);
    tx.respond(response(req, 486));
    expect(tx.state).toBe('Completed');
    expect(tx.runningTimers()).toEqual(['G', 'H']);
    h.clock.advance(31_999);
    const finals = h.sent.filter((s) => s.msg.type === 'response' && s.msg.status === 486).map((s) => s.at);
    expect(finals).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    expect(seen.failures).toEqual([]);
    h.clock.advance(1);
    expect(seen.failures).toEqual(['timeout']);
    expect(tx.state).toBe('Terminated');
    expect(seen.terminated).toBe(1);
    expect(h.clock.pending()).toBe(0);
  });

  it('Completed: a retransmitted INVITE gets the final again; ACK -> Confirmed, Timer I = T4', () => {
    const h = harness(false);
    const { tx, req, seen } = ist(h);
    tx.respond(response(req, 404));
    tx.receive(req);
    expect(statusesSent(h)).toEqual([100, 404, 404]);
    tx.receive(ackFor(req));
    expect(tx.state).toBe('Confirmed');
    expect(tx.runningTimers()).toEqual(['I']);
    // Confirmed absorbs ACKs and INVITEs without sending anything.
    tx.receive(ackFor(req));
    tx.receive(req);
    h.clock.advance(4999);
    expect(statusesSent(h)).toEqual([100, 404, 404]);
    expect(tx.state).toBe('Confirmed');
    h.clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(seen.failures).toEqual([]);
    expect(seen.acks).toEqual([]); // non-2xx ACKs stay in the transaction
  });

  it('reliable: no Timer G, Timer I zero', () => {
    const h = harness(true);
    const { tx, req } = ist(h);
    tx.respond(response(req, 500));
    expect(tx.runningTimers()).toEqual(['H']);
    h.clock.advance(10_000);
    expect(statusesSent(h)).toEqual([100, 500]);
    tx.receive(ackFor(req));
    expect(tx.state).toBe('Terminated');
  });

  it('2xx -> Accepted (RFC 6026): no own retransmissions, INVITE absorbed, TU 2xx sent, ACK to TU, Timer L', () => {
    const h = harness(false);
    const { tx, req, seen } = ist(h);
    tx.respond(response(req, 200));
    expect(tx.state).toBe('Accepted');
    expect(tx.runningTimers()).toEqual(['L']);
    h.clock.advance(5000);
    expect(statusesSent(h)).toEqual([100, 200]);
    tx.receive(req);
    expect(statusesSent(h)).toEqual([100, 200]);
    tx.respond(response(req, 200)); // TU retransmits the 2xx (§13.3.1.4)
    expect(statusesSent(h)).toEqual([100, 200, 200]);
    tx.receive(ackFor(req));
    expect(seen.acks).toHaveLength(1);
    expect(tx.state).toBe('Accepted');
    // Non-2xx from the TU after a 2xx is a no-op.
    tx.respond(response(req, 486));
    expect(statusesSent(h)).toEqual([100, 200, 200]);
    h.clock.advance(32_000 - 5000 - 1);
    expect(tx.state).toBe('Accepted');
    h.clock.advance(1);
    expect(tx.state).toBe('Terminated');
  });

  it('transport error: Proceeding and Completed terminate; Accepted only informs the TU', () => {
    const h = harness(false);
    const a = ist(h);
    h.failNext();
    a.tx.respond(response(a.req, 180));
    h.clock.advance(0);
    expect(a.seen.failures).toEqual(['transport']);
    expect(a.tx.state).toBe('Terminated');

    const h2 = harness(false);
    const b = ist(h2);
    h2.failNext();
    b.tx.respond(response(b.req, 486));
    h2.clock.advance(0);
    expect(b.seen.failures).toEqual(['transport']);
    expect(b.tx.state).toBe('Terminated');

    const h3 = harness(false);
    const c = ist(h3);
    h3.failNext();
    c.tx.respond(response(c.req, 200));
    h3.clock.advance(0);
    expect(c.seen.failures).toEqual(['transport']);
    expect(c.tx.state).toBe('Accepted');
  });

  it('inputs with no table entry are no-ops (ACK in Proceeding, timers after Terminated)', () => {
    const h = harness(false);
    const { tx, req } = ist(h);
    const before = tx.ignoredInputs;
    tx.receive(ackFor(req));
    expect(tx.state).toBe('Proceeding');
    expect(tx.ignoredInputs).toBe(before + 1);
    tx.respond({ ...response(req, 200), status: 99 });
    expect(tx.ignoredInputs).toBe(before + 2);
  });
});
