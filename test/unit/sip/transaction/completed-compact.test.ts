/**
 * Compact Completed non-INVITE server transactions (transaction-layer.ts CompletedNist): after
 * its final response on UDP, a NIST nobody listens to is kept as bytes + target until Timer J
 * (RFC 3261 §17.2.2), answering retransmissions byte for byte.
 */
import { describe, expect, it } from 'vitest';
import type { ServerTransaction } from '../../../../src/sip/transaction/server-transaction';
import { inviteText, loopSetup } from './loop-harness';

const T1 = 500;

function options(n: number): string {
  return inviteText({ method: 'OPTIONS', branch: `z9hG4bKopt${n}`, callId: `c${n}` });
}

function wire(peer: ReturnType<typeof loopSetup>['peer']): string[] {
  return peer.responses().map((r) => `${r.status} ${r.headers.get('call-id')} ${r.headers.get('to')}`);
}

describe('compact Completed NIST (UDP)', () => {
  it('final response -> compact; a retransmission gets the same bytes; gone at Timer J = 64*T1', () => {
    const { stack, peer, net, clock } = loopSetup();
    const txs: ServerTransaction[] = [];
    stack.onRequest((tx) => txs.push(tx));
    peer.send(options(1));
    txs[0]!.reply(200);
    expect(stack.transactions.liveCompactServer).toBe(1);
    expect(stack.counters().serverTransactions).toBe(1);
    expect(stack.transactions.counters.compacted).toBe(1);
    // The state machine object is released (its Timer J is no longer pending on the clock).
    expect(txs[0]!.terminated).toBe(true);
    expect(txs[0]!.finalSent).toBe(true);

    const before = net.sent.filter((s) => s.from.address === '127.0.0.1').map((s) => s.data.toString('latin1'));
    expect(before).toHaveLength(1);
    clock.advance(64 * T1 - 1);
    peer.send(options(1));
    expect(txs).toHaveLength(1); // absorbed, the TU did not see it again
    const after = net.sent.filter((s) => s.from.address === '127.0.0.1').map((s) => s.data.toString('latin1'));
    expect(after).toEqual([before[0], before[0]]);
    expect(stack.counters().retransmissionsAbsorbed).toBe(1);
    expect(stack.counters().retransmissionsSent).toBe(1);

    clock.advance(1);
    expect(stack.counters().serverTransactions).toBe(0);
    expect(clock.pending()).toBe(0);
    // After Timer J the same request is a new transaction (RFC 3261 §17.2.2: Terminated).
    peer.send(options(1));
    expect(txs).toHaveLength(2);
  });

  it('records expire in order with one clock timer at a time', () => {
    const { stack, peer, clock } = loopSetup();
    stack.onRequest((tx) => tx.reply(200));
    for (let i = 0; i < 5; i++) {
      peer.send(options(i));
      clock.advance(100);
    }
    expect(stack.transactions.liveCompactServer).toBe(5);
    expect(clock.pending()).toBe(1);
    clock.advance(64 * T1 - 500); // the first is due 64*T1 after it was answered
    expect(stack.transactions.liveCompactServer).toBe(4);
    clock.advance(250);
    expect(stack.transactions.liveCompactServer).toBe(2);
    clock.advance(10_000);
    expect(stack.transactions.liveCompactServer).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('a provisional does not compact; the final after it does', () => {
    const { stack, peer } = loopSetup();
    const txs: ServerTransaction[] = [];
    stack.onRequest((tx) => txs.push(tx));
    peer.send(options(1));
    txs[0]!.reply(100);
    expect(stack.transactions.liveCompactServer).toBe(0);
    expect(txs[0]!.state).toBe('Proceeding');
    txs[0]!.reply(486);
    expect(stack.transactions.liveCompactServer).toBe(1);
    peer.send(options(1));
    expect(wire(peer).map((l) => l.split(' ')[0])).toEqual(['100', '486', '486']);
  });

  it('a transaction whose events someone listens to keeps its full state machine', () => {
    const { stack, peer, clock } = loopSetup();
    let terminated = 0;
    const txs: ServerTransaction[] = [];
    stack.onRequest((tx) => {
      txs.push(tx);
      tx.setEvents({ onTerminated: () => terminated++ });
      tx.reply(200);
    });
    peer.send(options(1));
    expect(stack.transactions.liveCompactServer).toBe(0);
    expect(txs[0]!.state).toBe('Completed');
    peer.send(options(1));
    expect(peer.responses()).toHaveLength(2);
    clock.advance(64 * T1);
    expect(terminated).toBe(1);
    expect(stack.counters().serverTransactions).toBe(0);
  });

  it('INVITE server transactions are never compacted', () => {
    const { stack, peer } = loopSetup();
    stack.onRequest((tx) => tx.reply(486));
    peer.send(inviteText());
    expect(stack.transactions.liveCompactServer).toBe(0);
    expect(stack.counters().serverTransactions).toBe(1);
  });

  it('TCP: Timer J is zero, nothing is kept', () => {
    const { stack, peer } = loopSetup({ protocol: 'TCP' });
    stack.onRequest((tx) => tx.reply(200));
    peer.send(options(1).replace('SIP/2.0/UDP', 'SIP/2.0/TCP'));
    expect(peer.responses()).toHaveLength(1);
    expect(stack.transactions.liveCompactServer).toBe(0);
    expect(stack.counters().serverTransactions).toBe(0);
  });

  it('over maxCompletedServerTransactions the oldest record goes first (counted)', () => {
    const { stack, peer } = loopSetup({ stack: { maxCompletedServerTransactions: 2 } });
    const seen: string[] = [];
    stack.onRequest((tx) => {
      seen.push(tx.request.headers.get('call-id')!);
      tx.reply(200);
    });
    for (let i = 1; i <= 3; i++) peer.send(options(i));
    expect(stack.transactions.liveCompactServer).toBe(2);
    expect(stack.transactions.counters.compactEvicted).toBe(1);
    peer.send(options(3)); // still kept: absorbed
    peer.send(options(1)); // evicted: seen as new
    expect(seen).toEqual(['c1', 'c2', 'c3', 'c1']);
  });

  it('a send failure of the kept response drops the record (§17.2.4)', () => {
    const { stack, peer, serverT } = loopSetup();
    stack.onRequest((tx) => tx.reply(200));
    peer.send(options(1));
    expect(stack.transactions.liveCompactServer).toBe(1);
    serverT.faults.failSend = true;
    peer.send(options(1));
    expect(stack.transactions.liveCompactServer).toBe(0);
  });

  it('close() forgets the records and their timer', () => {
    const { stack, peer, clock } = loopSetup();
    stack.onRequest((tx) => tx.reply(200));
    peer.send(options(1));
    expect(clock.pending()).toBe(1);
    stack.transactions.close();
    expect(stack.transactions.liveCompactServer).toBe(0);
    expect(clock.pending()).toBe(0);
  });
});
