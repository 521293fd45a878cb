/**
 * Transaction matching through a SipStack on a loop transport: §17.1.3, §17.2.3 (with the RFC 2543
 * fallback), CANCEL §9.2, ACK for non-2xx and 2xx, retransmission absorption.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRequest, createResponse, getToTag, serialize } from '../../../../src/sip/message';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/types';
import type { ServerTransaction } from '../../../../src/sip/transaction/server-transaction';
import { followUp, inviteText, loopSetup, raw } from './loop-harness';

const FIX = resolve(__dirname, '../../../../../shared/fixtures/rfc4475');

function recordRequests(stack: ReturnType<typeof loopSetup>['stack']) {
  const txs: ServerTransaction[] = [];
  stack.onRequest((tx) => txs.push(tx));
  return txs;
}

describe('server matching (RFC 3261 §17.2.3)', () => {
  it('a retransmitted request is absorbed: the TU sees it once, the last response is resent', () => {
    const { stack, peer } = loopSetup();
    const txs = recordRequests(stack);
    const options = inviteText({ method: 'OPTIONS', branch: 'z9hG4bKopt' });
    peer.send(options);
    peer.send(options);
    expect(txs).toHaveLength(1);
    expect(peer.got).toHaveLength(0); // Trying: nothing to resend yet
    txs[0]!.reply(200);
    peer.send(options);
    expect(txs).toHaveLength(1);
    expect(peer.responses().map((r) => r.status)).toEqual([200, 200]);
    expect(stack.counters().retransmissionsAbsorbed).toBe(2);
  });

  it('same branch from a different sent-by, or with a different method, is a different transaction', () => {
    const { stack, peer } = loopSetup();
    const txs = recordRequests(stack);
    peer.send(inviteText({ method: 'OPTIONS', branch: 'z9hG4bKsame' }));
    peer.send(inviteText({ method: 'OPTIONS', branch: 'z9hG4bKsame', sentBy: '127.0.0.2:5062' }));
    peer.send(inviteText({ method: 'INFO', branch: 'z9hG4bKsame' }));
    expect(txs).toHaveLength(3);
    expect(stack.counters().serverTransactions).toBe(3);
  });

  it('INVITE answered 486: the ACK (same branch) matches the IST and moves it to Confirmed', () => {
    const { stack, peer, clock } = loopSetup();
    const txs = recordRequests(stack);
    const acks: SipRequest[] = [];
    stack.onAck((a) => acks.push(a));
    peer.send(inviteText());
    expect(peer.responses().map((r) => r.status)).toEqual([100]);
    const tx = txs[0]!;
    tx.reply(486);
    clock.advance(0);
    const final = peer.responses()[1]!;
    expect(final.status).toBe(486);
    expect(getToTag(final)).toBe(tx.toTag);
    peer.send(followUp('ACK', { toTag: tx.toTag }));
    expect(tx.state).toBe('Confirmed');
    expect(acks).toHaveLength(0);
    expect(stack.counters().strayAcks).toBe(0);
  });

  it('INVITE answered 2xx: the ACK with a new branch goes to the TU; one with the INVITE branch matches Accepted (RFC 6026)', () => {
    const { stack, peer } = loopSetup();
    const txs = recordRequests(stack);
    const acks: Array<[SipRequest, ServerTransaction | undefined]> = [];
    stack.onAck((a, _e, tx) => acks.push([a, tx]));
    peer.send(inviteText());
    txs[0]!.reply(200);
    expect(txs[0]!.state).toBe('Accepted');
    peer.send(followUp('ACK', { branch: 'z9hG4bKack2xx', toTag: txs[0]!.toTag }));
    expect(acks).toHaveLength(1);
    expect(acks[0]![1]).toBeUndefined();
    peer.send(followUp('ACK', { toTag: txs[0]!.toTag }));
    expect(acks).toHaveLength(2);
    expect(acks[1]![1]).toBe(txs[0]);
  });

  it('CANCEL (§9.2): 200 with the INVITE\'s To tag, the TU is told, it answers the INVITE 487', () => {
    const { stack, peer } = loopSetup();
    const txs = recordRequests(stack);
    const cancels: ServerTransaction[] = [];
    stack.onCancel((inviteTx) => {
      cancels.push(inviteTx);
      inviteTx.reply(487);
    });
    peer.send(inviteText());
    txs[0]!.reply(180);
    peer.send(followUp('CANCEL'));
    expect(cancels).toEqual([txs[0]]);
    const statuses = peer.responses().map((r) => `${r.status} ${r.headers.get('cseq')}`);
    expect(statuses).toEqual(['100 1 INVITE', '180 1 INVITE', '200 1 CANCEL', '487 1 INVITE']);
    const ok = peer.responses()[2]!;
    expect(getToTag(ok)).toBe(txs[0]!.toTag);
    expect(stack.counters().cancelsMatched).toBe(1);
    // Retransmitted CANCEL: absorbed by its own NIST, 200 resent, the TU is not told again.
    peer.send(followUp('CANCEL'));
    expect(cancels).toHaveLength(1);
    expect(peer.responses().filter((r) => r.status === 200)).toHaveLength(2);
  });

  it('CANCEL without a TU handler: the stack answers the INVITE 487 itself', () => {
    const { stack, peer } = loopSetup();
    recordRequests(stack);
    peer.send(inviteText());
    peer.send(followUp('CANCEL'));
    expect(peer.responses().map((r) => r.status)).toEqual([100, 200, 487]);
  });

  it('CANCEL after the final response: 200, the TU is not told; CANCEL matching nothing: 481', () => {
    const { stack, peer } = loopSetup();
    const txs = recordRequests(stack);
    let told = 0;
    stack.onCancel(() => told++);
    peer.send(inviteText());
    txs[0]!.reply(603);
    peer.send(followUp('CANCEL'));
    expect(told).toBe(0);
    expect(peer.responses().map((r) => r.status)).toEqual([100, 603, 200]);
    peer.send(followUp('CANCEL', { branch: 'z9hG4bKnothing', callId: 'other' }));
    expect(peer.responses().at(-1)!.status).toBe(481);
    expect(stack.counters().cancelsUnmatched).toBe(1);
  });
});

describe('RFC 2543 fallback matching (§17.2.3)', () => {
  it('inv2543: INVITE without branch; retransmission absorbed; ACK with our To tag matches, a wrong tag does not', () => {
    const { stack, peer } = loopSetup();
    const txs = recordRequests(stack);
    const strays: SipRequest[] = [];
    stack.onAck((a) => strays.push(a));
    const inv = readFileSync(resolve(FIX, 'inv2543.dat'));
    peer.send(inv);
    peer.send(inv);
    expect(txs).toHaveLength(1);
    txs[0]!.reply(480);
    const ack = (tag: string) =>
      raw('ACK sip:UserB@example.com SIP/2.0', [
        'Via: SIP/2.0/UDP iftgw.example.com',
        'From: <sip:+13035551111@ift.client.example.net;user=phone>',
        `To: sip:+16505552222@ss1.example.net;user=phone;tag=${tag}`,
        'Call-ID: inv2543.1717@ift.client.example.com',
        'CSeq: 56 ACK',
      ]);
    peer.send(ack('wrong'));
    expect(strays).toHaveLength(1);
    expect(txs[0]!.state).toBe('Completed');
    peer.send(ack(txs[0]!.toTag));
    expect(txs[0]!.state).toBe('Confirmed');
    expect(strays).toHaveLength(1);
  });

  it('badbranch (branch=z9hG4bK only) falls back to RFC 2543 matching and does not crash', () => {
    const { stack, peer } = loopSetup();
    const txs = recordRequests(stack);
    const bb = readFileSync(resolve(FIX, 'badbranch.dat'));
    peer.send(bb);
    peer.send(bb);
    expect(txs).toHaveLength(1);
    txs[0]!.reply(200);
    peer.send(bb);
    expect(peer.responses().map((r) => r.status)).toEqual([200, 200]);
  });

  it('branch-less requests differing only in CSeq are different transactions', () => {
    const { stack, peer } = loopSetup();
    const txs = recordRequests(stack);
    peer.send(inviteText({ method: 'OPTIONS', branch: '', cseq: 1 }));
    peer.send(inviteText({ method: 'OPTIONS', branch: '', cseq: 2 }));
    expect(txs).toHaveLength(2);
  });
});

describe('client matching (RFC 3261 §17.1.3)', () => {
  function options() {
    return createRequest({
      method: 'OPTIONS',
      uri: 'sip:peer@127.0.0.2',
      headers: [
        ['From', '<sip:us@127.0.0.1>;tag=u1'],
        ['To', '<sip:peer@127.0.0.2>'],
        ['Call-ID', 'client-1'],
        ['CSeq', '7 OPTIONS'],
      ],
    });
  }

  it('a response matches by top-Via branch and CSeq method; anything else is stray', () => {
    const { stack, peer, clock } = loopSetup();
    const seen: SipResponse[] = [];
    const strays: SipResponse[] = [];
    stack.onStrayResponse((r) => strays.push(r));
    stack.sendRequest(options(), { protocol: 'UDP', address: '127.0.0.2', port: 5060 }, { onResponse: (r) => seen.push(r) });
    clock.advance(0);
    const req = peer.requests()[0]!;
    expect(req.headers.get('via')).toMatch(/^SIP\/2\.0\/UDP 127\.0\.0\.1:5060;branch=z9hG4bK[0-9a-f]+;rport$/);
    const wrongMethod = createResponse(req, 200, undefined, { toTag: 'p' });
    wrongMethod.headers.set('CSeq', '7 INFO');
    const twoVias = createResponse(req, 200, undefined, { toTag: 'p' });
    twoVias.headers.append('Via', 'SIP/2.0/UDP 255.255.255.255;branch=z9hG4bKbcast');
    const good = createResponse(req, 200, undefined, { toTag: 'p' });
    for (const m of [wrongMethod, twoVias, good]) peer.send(serialize(m));
    expect(seen.map((r) => r.status)).toEqual([200]);
    expect(strays).toHaveLength(1);
    expect(stack.counters().responsesDropped).toBe(1);
  });

  it('INVITE and CANCEL with the same branch are separate client transactions; non-2xx is ACKed by the ICT', () => {
    const { stack, peer, clock } = loopSetup();
    const inviteSeen: number[] = [];
    const cancelSeen: number[] = [];
    const invite = createRequest({
      method: 'INVITE',
      uri: 'sip:peer@127.0.0.2',
      headers: [
        ['From', '<sip:us@127.0.0.1>;tag=u1'],
        ['To', '<sip:peer@127.0.0.2>'],
        ['Call-ID', 'client-2'],
        ['CSeq', '1 INVITE'],
      ],
    });
    const dest = { protocol: 'UDP' as const, address: '127.0.0.2', port: 5060 };
    stack.sendRequest(invite, dest, { onResponse: (r) => inviteSeen.push(r.status) });
    clock.advance(0);
    const sentInvite = peer.requests()[0]!;
    const cancel = createRequest({
      method: 'CANCEL',
      uri: 'sip:peer@127.0.0.2',
      headers: [
        ['Via', sentInvite.headers.get('via')!],
        ['From', '<sip:us@127.0.0.1>;tag=u1'],
        ['To', '<sip:peer@127.0.0.2>'],
        ['Call-ID', 'client-2'],
        ['CSeq', '1 CANCEL'],
      ],
    });
    stack.sendRequest(cancel, dest, { onResponse: (r) => cancelSeen.push(r.status) });
    clock.advance(0);
    const sentCancel = peer.requests()[1]!;
    peer.send(serialize(createResponse(sentInvite, 180, undefined, { toTag: 'p' })));
    peer.send(serialize(createResponse(sentCancel, 200, undefined, { toTag: 'p' })));
    peer.send(serialize(createResponse(sentInvite, 487, undefined, { toTag: 'p' })));
    clock.advance(0);
    expect(inviteSeen).toEqual([180, 487]);
    expect(cancelSeen).toEqual([200]);
    const ack = peer.requests().find((r) => r.method === 'ACK');
    expect(ack).toBeDefined();
    expect(ack!.headers.get('via')).toBe(sentInvite.headers.get('via'));
    expect(getToTag(ack!)).toBe('p');
  });
});
