import { describe, expect, it } from 'vitest';
import { getCSeq, getToTag, getVias } from '../../../../src/sip/message';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/types';
import { ClientInviteTransaction } from '../../../../src/sip/transaction/client-invite';
import { makeNon2xxAck } from '../../../../src/sip/transaction/messages';
import { harness, request, response, type Harness } from './helpers';

function ict(h: Harness) {
  const req = request('INVITE');
  const seen: { responses: SipResponse[]; timeouts: number; errors: Error[]; terminated: number } = {
    responses: [],
    timeouts: 0,
    errors: [],
    terminated: 0,
  };
  const tx = new ClientInviteTransaction(
    h.ctx,
    'ct1',
    req,
    {
      onResponse: (r) => seen.responses.push(r),
      onTimeout: () => seen.timeouts++,
      onTransportError: (e) => seen.errors.push(e),
      onTerminated: () => seen.terminated++,
    },
    { makeAck: makeNon2xxAck },
  );
  tx.start();
  return { tx, req, seen };
}

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026)', () => {
  it('Calling, unreliable: Timer A retransmits at T1, 2T1, 4T1 ... and Timer B times out at 64*T1', () => {
    const h = harness(false);
    const { tx, seen } = ict(h);
    expect(tx.state).toBe('Calling');
    expect(tx.runningTimers()).toEqual(['A', 'B']);
    h.clock.advance(32_000 - 1);
    // sends at 0, 500, 1500, 3500, 7500, 15500, 31500
    expect(h.sent.map((s) => s.at)).toEqual([0, 500, 1500, 3500, 7500, 15500, 31500]);
    expect(h.retransmits).toBe(6);
    expect(seen.timeouts).toBe(0);
    h.clock.advance(1);
    expect(seen.timeouts).toBe(1);
    expect(tx.state).toBe('Terminated');
    expect(seen.terminated).toBe(1);
    expect(h.terminated).toEqual([tx]);
    expect(h.clock.pending()).toBe(0);
  });

  it('Calling, reliable: no Timer A, Timer B still fires', () => {
    const h = harness(true);
    const { tx, seen } = ict(h);
    expect(tx.runningTimers()).toEqual(['B']);
    h.clock.advance(32_000);
    expect(h.sent).toHaveLength(1);
    expect(seen.timeouts).toBe(1);
    expect(tx.state).toBe('Terminated');
  });

  it('scales with T1 (T1 = 50 ms: B at 3.2 s)', () => {
    const h = harness(false, { T1: 50, T2: 400, T4: 500 });
    const { seen } = ict(h);
    h.clock.advance(3199);
    expect(seen.timeouts).toBe(0);
    expect(h.sent.map((s) => s.at)).toEqual([0, 50, 150, 350, 750, 1550, 3150]);
    h.clock.advance(1);
    expect(seen.timeouts).toBe(1);
  });

  it('1xx moves Calling -> Proceeding, passes it up and stops A and B', () => {
    const h = harness(false);
    const { tx, req, seen } = ict(h);
    h.clock.advance(600);
    tx.receive(response(req, 180));
    expect(tx.state).toBe('Proceeding');
    expect(seen.responses.map((r) => r.status)).toEqual([180]);
    expect(tx.runningTimers()).toEqual([]);
    h.clock.advance(100_000);
    expect(h.sent).toHaveLength(2); // original + one retransmission before the 180
    tx.receive(response(req, 183));
    expect(seen.responses.map((r) => r.status)).toEqual([180, 183]);
  });

  it.each([
    ['Calling', false],
    ['Proceeding', true],
  ])('2xx in %s -> Accepted: passed up, Timer M; 2xx retransmissions passed up; M terminates', (_s, provisionalFirst) => {
    const h = harness(false);
    const { tx, req, seen } = ict(h);
    if (provisionalFirst) tx.receive(response(req, 100));
    tx.receive(response(req, 200));
    expect(tx.state).toBe('Accepted');
    expect(tx.runningTimers()).toEqual(['M']);
    expect(h.sent.filter((s) => s.msg.type === 'request' && s.msg.method === 'ACK')).toHaveLength(0);
    tx.receive(response(req, 200));
    tx.receive(response(req, 200, 'other-fork'));
    const twos = seen.responses.filter((r) => r.status === 200);
    expect(twos).toHaveLength(3);
    expect(getToTag(twos[2]!)).toBe('other-fork');
    // Non-2xx in Accepted is a no-op.
    const ignored = tx.ignoredInputs;
    tx.receive(response(req, 486));
    tx.receive(response(req, 180));
    expect(tx.ignoredInputs).toBe(ignored + 2);
    h.clock.advance(32_000 - 1);
    expect(tx.state).toBe('Accepted');
    h.clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(seen.timeouts).toBe(0);
  });

  it.each([300, 404, 486, 503, 600, 699])('%i -> Completed: ACK sent (§17.1.1.3), passed up, Timer D = 32 s', (status) => {
    const h = harness(false);
    const { tx, req, seen } = ict(h);
    tx.receive(response(req, status));
    expect(tx.state).toBe('Completed');
    expect(seen.responses.map((r) => r.status)).toEqual([status]);
    const acks = h.sent.filter((s) => s.msg.type === 'request' && s.msg.method === 'ACK');
    expect(acks).toHaveLength(1);
    const ack = acks[0]!.msg as SipRequest;
    // §17.1.1.3: same R-URI, one Via equal to the INVITE's top Via, To from the response, CSeq n ACK.
    expect(ack.uri).toEqual(req.uri);
    expect(getVias(ack)).toHaveLength(1);
    expect(ack.headers.get('via')).toBe(req.headers.get('via'));
    expect(getToTag(ack)).toBe('totag1');
    expect(getCSeq(ack)).toEqual({ seq: getCSeq(req)!.seq, method: 'ACK' });
    expect(ack.headers.get('call-id')).toBe(req.headers.get('call-id'));
    expect(ack.headers.get('from')).toBe(req.headers.get('from'));
    expect(tx.runningTimers()).toEqual(['D']);
    // Retransmitted final: ACK again, not passed up.
    tx.receive(response(req, status));
    expect(h.sent.filter((s) => s.msg.type === 'request' && s.msg.method === 'ACK')).toHaveLength(2);
    expect(seen.responses).toHaveLength(1);
    expect(tx.absorbed).toBe(1);
    h.clock.advance(32_000 - 1);
    expect(tx.state).toBe('Completed');
    h.clock.advance(1);
    expect(tx.state).toBe('Terminated');
  });

  it('Completed on a reliable transport: Timer D is zero, terminates at once', () => {
    const h = harness(true);
    const { tx, req } = ict(h);
    tx.receive(response(req, 180));
    tx.receive(response(req, 404));
    expect(tx.state).toBe('Terminated');
    expect(h.sent.map((s) => (s.msg.type === 'request' ? s.msg.method : s.msg.status))).toEqual(['INVITE', 'ACK']);
  });

  it('Timer D honours the D override', () => {
    const h = harness(false, { T1: 500, T2: 4000, T4: 5000, D: 40_000 });
    const { tx, req } = ict(h);
    tx.receive(response(req, 500));
    h.clock.advance(39_999);
    expect(tx.state).toBe('Completed');
    h.clock.advance(1);
    expect(tx.state).toBe('Terminated');
  });

  it('transport error in Calling terminates and informs the TU (§17.1.4)', () => {
    const h = harness(false);
    h.failNext();
    const { tx, seen } = ict(h);
    h.clock.advance(0);
    expect(seen.errors).toHaveLength(1);
    expect(tx.state).toBe('Terminated');
    expect(h.clock.pending()).toBe(0);
  });

  it('transport error on the ACK in Completed terminates and informs the TU', () => {
    const h = harness(false);
    const { tx, req, seen } = ict(h);
    h.failNext();
    tx.receive(response(req, 404));
    h.clock.advance(0);
    expect(seen.errors).toHaveLength(1);
    expect(tx.state).toBe('Terminated');
  });

  it('responses outside 100-699 and anything after Terminated are no-ops', () => {
    const h = harness(false);
    const { tx, req, seen } = ict(h);
    tx.receive({ ...response(req, 200), status: 700 });
    expect(tx.state).toBe('Calling');
    tx.receive(response(req, 404));
    h.clock.advance(32_000);
    const before = seen.responses.length;
    tx.receive(response(req, 200));
    tx.receive(response(req, 180));
    expect(seen.responses.length).toBe(before);
    expect(tx.state).toBe('Terminated');
  });

  it('a throwing TU callback does not break the state machine', () => {
    const h = harness(false);
    const req = request('INVITE');
    const tx = new ClientInviteTransaction(h.ctx, 'x', req, {
      onResponse: () => {
        throw new Error('boom');
      },
    }, { makeAck: makeNon2xxAck });
    tx.start();
    expect(() => tx.receive(response(req, 486))).not.toThrow();
    expect(tx.state).toBe('Completed');
  });

  it('onProvisional / onFinal split what onResponse sees', () => {
    const h = harness(false);
    const req = request('INVITE');
    const prov: number[] = [];
    const fin: number[] = [];
    const tx = new ClientInviteTransaction(h.ctx, 'x', req, {
      onProvisional: (r) => prov.push(r.status),
      onFinal: (r) => fin.push(r.status),
    }, { makeAck: makeNon2xxAck });
    tx.start();
    tx.receive(response(req, 100));
    tx.receive(response(req, 183));
    tx.receive(response(req, 200));
    tx.receive(response(req, 200));
    expect(prov).toEqual([100, 183]);
    expect(fin).toEqual([200, 200]);
  });
});
