/**
 * Compact Accepted INVITE server transactions (transaction-layer.ts AcceptedIst): after a 2xx
 * (RFC 6026 Accepted) the layer keeps a small record until Timer L and holds the state machine
 * only weakly, so a finished call is not kept alive for 64*T1. While the TU holds the
 * transaction, everything behaves as with the full state machine.
 */
import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../../src/sip/message/types';
import type { ServerTransaction } from '../../../../src/sip/transaction/server-transaction';
import { getToTag } from '../../../../src/sip/message';
import { followUp, inviteText, loopSetup } from './loop-harness';

const T1 = 500;

describe('compact Accepted IST', () => {
  it('2xx -> compact record: INVITE retransmissions absorbed, ACK (INVITE branch) to the TU with the tx, CANCEL 200, Timer L ends it', () => {
    const { stack, peer, clock } = loopSetup();
    const txs: ServerTransaction[] = [];
    stack.onRequest((tx) => txs.push(tx));
    const acks: Array<[SipRequest, ServerTransaction | undefined]> = [];
    stack.onAck((a, _e, tx) => acks.push([a, tx]));
    peer.send(inviteText());
    const tx = txs[0]!;
    tx.reply(200);
    expect(tx.state).toBe('Accepted');
    expect(stack.transactions.liveCompactAccepted).toBe(1);
    expect(stack.transactions.liveServer).toBe(1);
    expect(stack.transactions.findServer(tx.request)).toBe(tx);
    // No Timer L of its own: the layer runs one timer for all records.
    const absorbedBefore = stack.transactions.counters.retransmissionsAbsorbed;
    peer.send(inviteText());
    expect(txs).toHaveLength(1);
    expect(stack.transactions.counters.retransmissionsAbsorbed).toBe(absorbedBefore + 1);
    expect(tx.fsm.absorbed).toBe(1);
    peer.send(followUp('ACK', { toTag: tx.toTag }));
    expect(acks).toHaveLength(1);
    expect(acks[0]![1]).toBe(tx);
    peer.send(followUp('CANCEL'));
    const ok = peer.responses().find((r) => r.headers.get('cseq') === '1 CANCEL')!;
    expect(ok.status).toBe(200);
    expect(getToTag(ok)).toBe(tx.toTag);
    expect(stack.transactions.counters.cancelsMatched).toBe(1);
    // The TU's own 2xx retransmissions still go out through the transaction.
    const sent = peer.responses().filter((r) => r.status === 200 && r.headers.get('cseq') === '1 INVITE').length;
    tx.respond(tx.lastResponse!);
    clock.advance(0);
    expect(peer.responses().filter((r) => r.status === 200 && r.headers.get('cseq') === '1 INVITE')).toHaveLength(sent + 1);
    clock.advance(64 * T1 - 1);
    expect(tx.state).toBe('Accepted');
    clock.advance(1);
    expect(tx.state).toBe('Terminated');
    expect(stack.transactions.liveServer).toBe(0);
    // After Timer L the same INVITE is a new request again.
    peer.send(inviteText());
    expect(txs).toHaveLength(2);
  });

  it('an owner listening for termination keeps the full state machine and its own Timer L', () => {
    const { stack, peer, clock } = loopSetup();
    const txs: ServerTransaction[] = [];
    let terminated = 0;
    stack.onRequest((tx) => {
      txs.push(tx);
      tx.setEvents({ onTerminated: () => terminated++ });
    });
    peer.send(inviteText());
    txs[0]!.reply(200);
    expect(stack.transactions.liveCompactAccepted).toBe(0);
    expect(txs[0]!.fsm.runningTimers()).toEqual(['L']);
    clock.advance(64 * T1);
    expect(terminated).toBe(1);
    expect(stack.transactions.liveServer).toBe(0);
  });

  it('setEvents wires only the events someone listens to, chained in order', () => {
    const { stack, peer } = loopSetup();
    const txs: ServerTransaction[] = [];
    stack.onRequest((tx) => txs.push(tx));
    peer.send(inviteText());
    const tx = txs[0]!;
    const calls: string[] = [];
    tx.setEvents({ onFailure: () => calls.push('a') });
    expect(tx.fsm.events.onTerminated).toBeUndefined();
    tx.setEvents({ onFailure: () => calls.push('b') });
    tx.fsm.events.onFailure!('transport');
    expect(calls).toEqual(['a', 'b']);
    expect(typeof tx.fsm.events.onAckInAccepted).toBe('function'); // the layer's own
  });
});
