/**
 * Compact Accepted INVITE server transactions (transaction-layer.ts AcceptedIst): after a 2xx
 * (RFC 6026 Accepted) the layer keeps a small record until Timer L and holds the state machine
 * only weakly, so a finished call is not kept alive for 64*T1. While the TU holds the
 * transaction, everything behaves as with the full state machine.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { SipRequest } from '../../../../src/sip/message/types';
import type { ServerTransaction } from '../../../../src/sip/transaction/server-transaction';
import { createRequest, createResponse, getToTag, serialize } from '../../../../src/sip/message';
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

  it('client side: a 2xx -> compact record; 2xx retransmissions still reach onFinal; Timer M ends it (onTerminated)', () => {
    const { stack, peer, clock } = loopSetup();
    const invite = createRequest({
      method: 'INVITE',
      uri: 'sip:peer@127.0.0.2',
      headers: [
        ['From', '<sip:us@127.0.0.1>;tag=u1'],
        ['To', '<sip:peer@127.0.0.2>'],
        ['Call-ID', 'client-acc'],
        ['CSeq', '1 INVITE'],
      ],
    });
    const finals: number[] = [];
    let terminated = 0;
    const tx = stack.sendRequest(invite, { protocol: 'UDP', address: '127.0.0.2', port: 5060 }, {
      onFinal: (r) => finals.push(r.status),
      onTerminated: () => terminated++,
    });
    clock.advance(0);
    const ok = serialize(createResponse(peer.requests()[0]!, 200, undefined, { toTag: 'p1' }));
    peer.send(ok);
    expect(tx.state).toBe('Accepted');
    expect(finals).toEqual([200]);
    expect(tx.runningTimers()).toEqual([]); // Timer M runs in the layer
    expect(stack.transactions.liveClient).toBe(1);
    peer.send(ok);
    expect(finals).toEqual([200, 200]);
    clock.advance(64 * T1 - 1);
    expect(terminated).toBe(0);
    clock.advance(1);
    expect(terminated).toBe(1);
    expect(tx.state).toBe('Terminated');
    expect(stack.transactions.liveClient).toBe(0);
    // After Timer M a 2xx is stray (the UAC core's onStrayResponse).
    let strays = 0;
    stack.onStrayResponse(() => strays++);
    peer.send(ok);
    expect(finals).toEqual([200, 200]);
    expect(strays).toBe(1);
  });

  it('once the TU dropped them, the state machines are collected; the records still do their job', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { stack, peer, clock } = loopSetup();
    // Server side: answered 2xx, the TU keeps nothing.
    let istRef: WeakRef<object> | undefined;
    stack.onRequest((tx) => {
      istRef = new WeakRef(tx);
      tx.reply(200);
    });
    peer.send(inviteText({ callId: 'gc-1' }));
    // Client side: a 2xx, the TU keeps only its callbacks.
    const finals: Array<[number, string, string]> = [];
    const invite = createRequest({
      method: 'INVITE',
      uri: 'sip:peer@127.0.0.2',
      headers: [['From', '<sip:us@127.0.0.1>;tag=u1'], ['To', '<sip:peer@127.0.0.2>'], ['Call-ID', 'gc-2'], ['CSeq', '1 INVITE']],
    });
    const ictRef = new WeakRef(
      stack.sendRequest(invite, { protocol: 'UDP', address: '127.0.0.2', port: 5060 }, { onFinal: (r, tx) => finals.push([r.status, tx.state, tx.request.headers.get('call-id')!]) }),
    );
    clock.advance(0);
    const sent = peer.requests().find((r) => r.method === 'INVITE')!;
    const ok = serialize(createResponse(sent, 200, undefined, { toTag: 'p1' }));
    peer.send(ok);
    expect(stack.transactions.liveCompactAccepted).toBe(1);
    expect(stack.transactions.liveClient).toBe(1);
    await new Promise((r) => setImmediate(r));
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
    expect(istRef!.deref()).toBeUndefined();
    expect(ictRef.deref()).toBeUndefined();
    // The IST record absorbs the retransmitted INVITE (no new request for the TU) ...
    let requests = 0;
    stack.onRequest(() => requests++);
    peer.send(inviteText({ callId: 'gc-1' }));
    expect(requests).toBe(0);
    // ... and the ICT record hands the retransmitted 2xx to onFinal with a view of the transaction.
    peer.send(ok);
    expect(finals).toEqual([[200, 'Accepted', 'gc-2'], [200, 'Accepted', 'gc-2']]);
    clock.advance(64 * T1);
    expect(stack.transactions.liveServer).toBe(0);
    expect(stack.transactions.liveClient).toBe(0);
  });
});
