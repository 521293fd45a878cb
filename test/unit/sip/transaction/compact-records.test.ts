/**
 * What the transaction layer's compact records keep (transaction-layer.ts): a Completed NICT on
 * UDP becomes a record of its key until Timer K, an Accepted ICT keeps its INVITE as wire text
 * (not the request object), and a Completed NIST keeps its response as text (not a slice of the
 * Buffer pool). Each record still does its job; the objects it replaced are collected.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createRequest, createResponse, serialize } from '../../../../src/sip/message';
import type { SipRequest } from '../../../../src/sip/message/types';
import { inviteText, loopSetup, raw } from './loop-harness';

const T4 = 5000;
const toPeer = { protocol: 'UDP' as const, address: '127.0.0.2', port: 5060 };

function bye(callId: string): SipRequest {
  return createRequest({
    method: 'BYE',
    uri: 'sip:peer@127.0.0.2',
    headers: [['From', '<sip:us@127.0.0.1>;tag=u1'], ['To', '<sip:peer@127.0.0.2>;tag=p1'], ['Call-ID', callId], ['CSeq', '2 BYE']],
  });
}

async function collect(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise((r) => setImmediate(r));
  gc();
  await new Promise((r) => setImmediate(r));
  gc();
}

describe('compact Completed NICT', () => {
  it('final response -> record: the FSM terminates, late responses are absorbed until Timer K, then they are stray', () => {
    const { stack, peer, clock } = loopSetup();
    const finals: number[] = [];
    const tx = stack.sendRequest(bye('nict-1'), toPeer, { onFinal: (r) => finals.push(r.status) });
    clock.advance(0);
    const ok = serialize(createResponse(peer.requests()[0]!, 200));
    peer.send(ok);
    expect(finals).toEqual([200]);
    expect(tx.state).toBe('Terminated');
    expect(tx.runningTimers()).toEqual([]);
    expect(stack.transactions.liveClient).toBe(1);
    let strays = 0;
    stack.onStrayResponse(() => strays++);
    const absorbed = stack.transactions.counters.retransmissionsAbsorbed;
    peer.send(ok);
    expect(finals).toEqual([200]);
    expect(strays).toBe(0);
    expect(stack.transactions.counters.retransmissionsAbsorbed).toBe(absorbed + 1);
    clock.advance(T4 - 1);
    expect(stack.transactions.liveClient).toBe(1);
    clock.advance(1);
    expect(stack.transactions.liveClient).toBe(0);
    peer.send(ok);
    expect(strays).toBe(1);
    // Nothing was retransmitted after the final response.
    expect(peer.requests()).toHaveLength(1);
  });

  it('an owner waiting for onTerminated keeps the full state machine and its Timer K', () => {
    const { stack, peer, clock } = loopSetup();
    let terminated = 0;
    const tx = stack.sendRequest(bye('nict-2'), toPeer, { onTerminated: () => terminated++ });
    clock.advance(0);
    peer.send(serialize(createResponse(peer.requests()[0]!, 200)));
    expect(tx.state).toBe('Completed');
    expect(tx.runningTimers()).toEqual(['K']);
    clock.advance(T4);
    expect(tx.state).toBe('Terminated');
    expect(terminated).toBe(1);
    expect(stack.transactions.liveClient).toBe(0);
  });

  it('on TCP Timer K is zero: no record at all', () => {
    const { stack, peer, clock } = loopSetup({ protocol: 'TCP' });
    const tx = stack.sendRequest(bye('nict-3'), { ...toPeer, protocol: 'TCP' }, {});
    clock.advance(0);
    peer.send(serialize(createResponse(peer.requests()[0]!, 200)));
    expect(tx.state).toBe('Terminated');
    expect(stack.transactions.liveClient).toBe(0);
  });

  it('the request and response of a compacted NICT are collected', async () => {
    const { stack, peer, clock } = loopSetup();
    const refs: Array<WeakRef<object>> = [];
    (() => {
      const req = bye('nict-4');
      refs.push(new WeakRef(req));
      refs.push(new WeakRef(stack.sendRequest(req, toPeer, {})));
    })();
    clock.advance(0);
    peer.send(serialize(createResponse(peer.requests()[0]!, 200)));
    peer.got.length = 0;
    await collect();
    expect(refs.map((r) => r.deref())).toEqual([undefined, undefined]);
    expect(stack.transactions.liveClient).toBe(1);
  });
});

describe('compact Accepted ICT and Completed NIST keep text, not objects', () => {
  it('the ICT record does not hold the INVITE object; a late 2xx still gets a view whose request parses back', async () => {
    const { stack, peer, clock } = loopSetup();
    const seen: Array<[number, string | undefined, string]> = [];
    let reqRef: WeakRef<object> | undefined;
    (() => {
      const invite = createRequest({
        method: 'INVITE',
        uri: 'sip:peer@127.0.0.2',
        headers: [['From', '<sip:us@127.0.0.1>;tag=u1'], ['To', '<sip:peer@127.0.0.2>'], ['Call-ID', 'ict-wire'], ['CSeq', '7 INVITE']],
        body: Buffer.from('v=0\r\n'),
      });
      reqRef = new WeakRef(invite);
      stack.sendRequest(invite, toPeer, {
        onFinal: (r, tx) => seen.push([r.status, tx.request.headers.get('call-id'), tx.request.body.toString()]),
      });
    })();
    clock.advance(0);
    const sent = peer.requests().find((r) => r.method === 'INVITE')!;
    const ok = serialize(createResponse(sent, 200, undefined, { toTag: 'p1' }));
    peer.send(ok);
    peer.got.length = 0;
    await collect();
    expect(reqRef!.deref()).toBeUndefined();
    peer.send(ok);
    expect(seen).toEqual([
      [200, 'ict-wire', 'v=0\r\n'],
      [200, 'ict-wire', 'v=0\r\n'],
    ]);
  });

  it('a retransmitted request to a compact Completed NIST gets the same bytes again', () => {
    const { stack, peer } = loopSetup();
    stack.onRequest((tx) => tx.reply(200, { reason: 'Fine \u00e9t\u00e9' }));
    const options = raw('OPTIONS sip:bob@127.0.0.1 SIP/2.0', [
      'Via: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKopt1',
      'Max-Forwards: 70',
      'From: <sip:alice@127.0.0.2>;tag=a1',
      'To: <sip:bob@127.0.0.1>',
      'Call-ID: nist-text',
      'CSeq: 1 OPTIONS',
    ]);
    const frames: Buffer[] = [];
    peer.transport.setHandler({ onFrame: (f) => frames.push(Buffer.from(f.data)) });
    peer.send(options);
    expect(stack.transactions.liveCompactServer).toBe(1);
    peer.send(options);
    expect(frames).toHaveLength(2);
    expect(frames[1]!.equals(frames[0]!)).toBe(true);
    expect(frames[0]!.toString('utf8')).toContain('200 Fine \u00e9t\u00e9');
    // Unrelated: an INVITE still opens a new transaction.
    let invites = 0;
    stack.onRequest(() => invites++);
    peer.send(inviteText({ callId: 'other' }));
    expect(invites).toBe(1);
  });
});
