/**
 * Calls through the sofia endpoint over loop transports (real sockets only for RTP): the inbound
 * and outbound session logic end to end, phone A -> B2BUA -> phone B.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRequest, getCSeq, getFromTag, getToTag, type SipRequest } from '../../../../src/sip';
import { CallRig, sdp, waitFor } from './call-rig';

const BRIDGE_B = [{ app: 'bridge', data: 'sofia/test/sip:1001@127.0.0.2:5060' }];

let rig: CallRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

function method(reqs: SipRequest[], m: string): SipRequest | undefined {
  return reqs.find((r) => r.method === m);
}

describe('a call through the B2BUA', () => {
  it('INVITE, 180, 200, ACK; B leg has its own Call-ID; BYE from A reaches B with a Reason', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    rig.b.behaviour = { kind: 'answer', ringMs: 30 };
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus !== undefined, 3000, '200 to A');
    expect(call.has(100)).toBe(true);
    expect(call.has(180)).toBe(true);
    expect(call.finalStatus).toBe(200);
    const ok = call.responses.find((r) => r.status === 200)!;
    expect(ok.headers.get('content-type')).toBe('application/sdp');
    expect(ok.body.toString()).toContain('m=audio');
    expect(ok.body.toString()).toContain('RTP/AVP 0');
    const inB = rig.b.incoming[0]!;
    expect(inB.invite.headers.get('call-id')).not.toBe(call.callId);
    expect(getFromTag(inB.invite)).not.toBe(call.fromTag);
    await waitFor(() => inB.acked, 2000, 'ACK at B');
    const a = rig.core.channels().find((c) => c.direction === 'inbound')!;
    expect(a.getVariable('sip_call_id')).toBe(call.callId);
    expect(a.getVariable('read_codec')).toBe('PCMU');
    expect(a.getVariable('ep_codec_string')).toContain('PCMU@8000h@20i');
    const bye = await call.request('BYE');
    expect(bye.status).toBe(200);
    await waitFor(() => method(inB.requests, 'BYE') !== undefined, 2000, 'BYE at B');
    expect(method(inB.requests, 'BYE')!.headers.get('reason')).toContain('cause=16');
    await waitFor(() => rig!.core.sessionCount === 0, 3000, 'channels destroyed');
    // B's 200 to our BYE may still be on the loop network when the channels are gone.
    await waitFor(() => rig!.profile.legCount === 0, 3000, 'legs released');
    expect(rig.profile.dialogs.size).toBe(0);
  });
});

describe('teardown and failures', () => {
  it("after the B leg is gone, B's late 2xx is still ACKed (a 2xx of another fork: ACK + BYE)", async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200 && rig!.b.incoming[0]?.acked === true, 3000, 'answered');
    const inB = rig.b.incoming[0]!;
    expect((await call.request('BYE')).status).toBe(200);
    await waitFor(() => rig!.core.sessionCount === 0 && rig!.profile.legCount === 0, 3000, 'call gone');
    const count = (m: string): number => inB.requests.filter((r) => r.method === m).length;
    const acks = count('ACK');
    // Our INVITE transaction lingers in Accepted (Timer M) and still hands 2xx to what is left
    // of the leg: the same dialog's 2xx is ACKed again...
    inB.tx.respond(inB.tx.lastResponse!);
    await waitFor(() => count('ACK') === acks + 1, 2000, 'ACK of the retransmitted 2xx');
    expect(count('BYE')).toBe(1);
    // The leg kept the ACK it sent as text, not the dialog: the same ACK goes out again.
    const sentAcks = inB.requests.filter((r) => r.method === 'ACK');
    expect(sentAcks[acks]!.headers.get('via')).toBe(sentAcks[acks - 1]!.headers.get('via'));
    expect(sentAcks[acks]!.headers.get('cseq')).toBe(sentAcks[acks - 1]!.headers.get('cseq'));
    // ...and a 2xx from another fork (another To tag) is ACKed and then BYEd.
    inB.tx.reply(200, { toTag: 'otherfork', headers: [['Contact', rig.b.contact]] });
    await waitFor(() => count('ACK') === acks + 2 && count('BYE') === 2, 2000, 'ACK + BYE of the forked 2xx');
    const bye = inB.requests.filter((r) => r.method === 'BYE')[1]!;
    expect(getToTag(bye)).toBe('otherfork');
    expect(rig.profile.legCount).toBe(0);
    expect(rig.profile.dialogs.size).toBe(0);
  });

  it('BYE from B reaches A (with the Reason B gave)', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200 && rig!.b.incoming[0]?.acked === true, 3000, 'answered');
    const inB = rig.b.incoming[0]!;
    const res = await new Promise<number>((resolve) => {
      const req = inB.dialog!.createRequest('BYE', { headers: [['Reason', 'Q.850;cause=16;text="NORMAL_CLEARING"']] });
      rig!.b.stack.sendRequest(req, { protocol: 'UDP', address: '127.0.0.1', port: 5060 }, { onFinal: (r) => resolve(r.status) });
    });
    expect(res).toBe(200);
    await waitFor(() => method(call.requests.length ? call.requests : rig!.a.outgoing[0]!.requests, 'BYE') !== undefined, 2000, 'BYE at A');
    await waitFor(() => rig!.core.sessionCount === 0, 3000, 'channels destroyed');
  });

  it('CANCEL while ringing: A gets 487, B gets a CANCEL', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    rig.b.behaviour = { kind: 'ring' };
    const call = rig.a.call('1001');
    await waitFor(() => call.has(180), 3000, '180 at A');
    call.cancel();
    await waitFor(() => call.finalStatus !== undefined, 3000, 'final at A');
    expect(call.finalStatus).toBe(487);
    await waitFor(() => rig!.b.incoming[0]!.cancelled, 2000, 'CANCEL at B');
    await waitFor(() => rig!.core.sessionCount === 0 && rig!.profile.legCount === 0, 3000, 'channels and legs gone');
  });

  it('B busy: 486 reaches A (SIP status passthrough)', async () => {
    rig = await new CallRig({ routes: { '1001': [...BRIDGE_B] } }).start();
    rig.b.behaviour = { kind: 'reject', status: 486, ringMs: 10 };
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus !== undefined, 3000, 'final at A');
    expect(call.finalStatus).toBe(486);
    const r = call.responses.find((x) => x.status === 486)!;
    expect(r.headers.get('reason')).toContain('cause=17');
  });

  it('a status with no cause of its own passes through too (603 -> CALL_REJECTED -> 603)', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    rig.b.behaviour = { kind: 'reject', status: 603 };
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus !== undefined, 3000, 'final at A');
    expect(call.finalStatus).toBe(603);
  });

  it('no answer within call_timeout: A gets 480, B gets a CANCEL', async () => {
    // As conf/dialplan/default.xml: the failed bridge continues to `hangup ${originate_disposition}`.
    rig = await new CallRig({
      routes: { '1001': [{ app: 'set', data: 'call_timeout=1' }, ...BRIDGE_B, { app: 'hangup', data: '${originate_disposition}' }] },
    }).start();
    rig.b.behaviour = { kind: 'ring' };
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus !== undefined, 4000, 'final at A');
    expect(call.finalStatus).toBe(480);
    expect(call.responses.find((x) => x.status === 480)!.headers.get('reason')).toContain('cause=19');
    await waitFor(() => rig!.b.incoming[0]!.cancelled, 2000, 'CANCEL at B');
  });

  it('a B leg that never answers its INVITE: Timer B -> 408 reaches A', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    rig.b.behaviour = { kind: 'silent' };
    rig.b.transport.faults = { dropPredicate: () => true }; // not even a 100 Trying
    const call = rig.a.call('1001');
    // Timer B = 64*T1 = 2.56 s with the rig's T1.
    await waitFor(() => call.finalStatus !== undefined, 6000, 'final at A');
    expect(call.finalStatus).toBe(408);
  });

  it('no route: 404; unknown dialog: 481', async () => {
    rig = await new CallRig({ routes: {} }).start();
    const call = rig.a.call('5555');
    await waitFor(() => call.finalStatus !== undefined, 3000, 'final');
    expect(call.finalStatus).toBe(404);
    const bogus = await new Promise<number>((resolve) => {
      const req = call.invite;
      const h: Array<[string, string]> = [
        ['From', req.headers.get('from')!],
        ['To', `${req.headers.get('to')};tag=nosuch`],
        ['Call-ID', 'nosuch@x'],
        ['CSeq', '5 BYE'],
      ];
      rig!.a.stack.sendRequest(createRequest({ method: 'BYE', uri: req.uri, headers: h }), { protocol: 'UDP', address: '127.0.0.1', port: 5060 }, { onFinal: (r) => resolve(r.status) });
    });
    expect(bogus).toBe(481);
  });
});

describe('codecs', () => {
  it('an offer with no common codec gets 488 with Reason Q.850 cause 88, and B sees nothing', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001', { sdp: sdp(40010, [[3, 'GSM/8000']]) });
    await waitFor(() => call.finalStatus !== undefined, 3000, 'final');
    expect(call.finalStatus).toBe(488);
    expect(call.responses.find((r) => r.status === 488)!.headers.get('reason')).toBe('Q.850;cause=88;text="INCOMPATIBLE_DESTINATION"');
    expect(rig.b.incoming).toHaveLength(0);
  });

  it('A offers G722, B is forced to PCMU: A gets a G722 200 and the media is transcoded', async () => {
    rig = await new CallRig({
      profile: { 'inbound-codec-prefs': 'G722,PCMU', 'outbound-codec-prefs': 'PCMU' },
      routes: { '1001': [{ app: 'bridge', data: '{absolute_codec_string=PCMU}sofia/test/sip:1001@127.0.0.2:5060' }] },
    }).start();
    const call = rig.a.call('1001', { sdp: sdp(40010, [[9, 'G722/8000']]) });
    await waitFor(() => call.finalStatus !== undefined, 3000, 'final');
    expect(call.finalStatus).toBe(200);
    expect(call.responses.find((r) => r.status === 200)!.body.toString()).toContain('a=rtpmap:9 G722/8000');
    expect(rig.b.incoming[0]!.invite.body.toString()).toContain('a=rtpmap:0 PCMU/8000');
    const a = rig.core.channels().find((c) => c.direction === 'inbound')!;
    await waitFor(() => a.getVariable('media_bridge_mode') !== undefined, 3000, 'bridge');
    expect(a.getVariable('media_bridge_mode')).toBe('transcode');
    const { SofiaMediaHandle } = await import('../../../../src/endpoints/sofia');
    expect((a.media() as InstanceType<typeof SofiaMediaHandle>).bridgeStats()!.mode).toBe('transcode');
  });

  it('same codec on both legs: relayed', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    const a = rig.core.channels().find((c) => c.direction === 'inbound')!;
    await waitFor(() => a.getVariable('media_bridge_mode') !== undefined, 3000, 'bridge');
    expect(a.getVariable('media_bridge_mode')).toBe('relay');
  });
});

describe('authentication', () => {
  const users = [{ id: '1000', password: '1234', vars: { user_context: 'default', effective_caller_id_number: '1000' } }];

  it('auth-calls: no credentials -> 407 and B sees nothing; a wrong password -> 403', async () => {
    rig = await new CallRig({ profile: { 'auth-calls': 'true' }, users, routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus !== undefined, 3000, 'final');
    expect(call.finalStatus).toBe(407);
    expect(call.responses.find((r) => r.status === 407)!.headers.get('proxy-authenticate')).toContain('Digest');
    const bad = rig.a.call('1001', { password: 'wrong' });
    await waitFor(() => bad.responses.filter((r) => r.status >= 400).length === 2, 3000, 'two finals');
    expect(bad.responses.map((r) => r.status).filter((s) => s >= 400)).toEqual([407, 403]);
    expect(rig.b.incoming).toHaveLength(0);
  });

  it('auth-calls: 407 then INVITE with credentials -> call goes through in the user context', async () => {
    rig = await new CallRig({ profile: { 'auth-calls': 'true', context: 'public' }, users, routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001', { password: '1234' });
    await waitFor(() => call.has(200), 3000, 'answered');
    expect(call.responses.map((r) => r.status).filter((s) => s >= 200)).toEqual([407, 200]);
    const a = rig.core.channels().find((c) => c.direction === 'inbound')!;
    expect(a.profile.context).toBe('default');
    expect(a.getVariable('sip_authorized')).toBe('true');
    expect(a.getVariable('user_name')).toBe('1000');
    expect(rig.b.incoming).toHaveLength(1);
  });
});

describe('hold and re-INVITE', () => {
  it('A holds (sendonly): A gets recvonly; B gets a re-INVITE with sendonly; unhold goes back to sendrecv', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200 && rig!.b.incoming[0]?.acked === true, 3000, 'answered');
    const hold = await call.request('INVITE', { body: sdp(40010, [[0, 'PCMU/8000']], 'sendonly') });
    expect(hold.status).toBe(200);
    expect(hold.body.toString()).toContain('a=recvonly');
    const inB = rig.b.incoming[0]!;
    await waitFor(() => inB.requests.some((r) => r.method === 'INVITE'), 2000, 're-INVITE at B');
    expect(inB.requests.find((r) => r.method === 'INVITE')!.body.toString()).toContain('a=sendonly');
    const a = rig.core.channels().find((c) => c.direction === 'inbound')!;
    expect(a.callState).toBe('HELD');
    const unhold = await call.request('INVITE', { body: sdp(40010, [[0, 'PCMU/8000']], 'sendrecv') });
    expect(unhold.body.toString()).toContain('a=sendrecv');
    await waitFor(() => inB.requests.filter((r) => r.method === 'INVITE').length === 2, 2000, 'second re-INVITE at B');
    expect(inB.requests.filter((r) => r.method === 'INVITE')[1]!.body.toString()).toContain('a=sendrecv');
    expect(a.callState).toBe('ACTIVE');
    const cseqs = inB.requests.filter((r) => r.method === 'INVITE').map((r) => getCSeq(r)!.seq);
    expect(cseqs[1]).toBe(cseqs[0]! + 1);
  });

  it('B holds: A gets the re-INVITE', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200 && rig!.b.incoming[0]?.acked === true, 3000, 'answered');
    const inB = rig.b.incoming[0]!;
    const status = await new Promise<{ status: number; body: string }>((resolve) => {
      const req = inB.dialog!.createRequest('INVITE', { headers: [['Content-Type', 'application/sdp']], body: Buffer.from(sdp(40020, [[0, 'PCMU/8000']], 'inactive', '127.0.0.2')) });
      rig!.b.stack.sendRequest(req, { protocol: 'UDP', address: '127.0.0.1', port: 5060 }, {
        onFinal: (r) => {
          rig!.b.stack.sendAck(inB.dialog!.createAck(getCSeq(r)!.seq), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
          resolve({ status: r.status, body: r.body.toString() });
        },
      });
    });
    expect(status.status).toBe(200);
    expect(status.body).toContain('a=inactive');
    await waitFor(() => call.requests.some((r) => r.method === 'INVITE') || rig!.a.outgoing[0]!.requests.some((r) => r.method === 'INVITE'), 2000, 're-INVITE at A');
  });
});
