/**
 * Codec choices per leg (freeswitch-behaviour.md §3.2, §3.3, §3.7) through the sofia endpoint:
 * early vs late negotiation, inherit_codec, policies per profile and per call, ext-rtp-ip.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CallRig, sdp, waitFor } from './call-rig';

let rig: CallRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const inbound = () => rig!.core.channels().find((c) => c.direction === 'inbound')!;
const answerSdp = (c: { responses: Array<{ status: number; body: Buffer }> }) => c.responses.find((r) => r.status === 200)!.body.toString();
const OFFER = sdp(40010, [[9, 'G722/8000'], [0, 'PCMU/8000'], [8, 'PCMA/8000']]);
const B_PCMU = sdp(40020, [[0, 'PCMU/8000']], 'sendrecv', '127.0.0.2');

describe('late negotiation (vanilla)', () => {
  it("B is offered A's ep_codec_string; without inherit_codec A is answered per policy (G722) and media is transcoded", async () => {
    rig = await new CallRig({
      profile: { 'inbound-codec-prefs': 'G722,PCMU,PCMA', 'outbound-codec-prefs': 'PCMA' },
      routes: { '1001': [{ app: 'bridge', data: 'sofia/test/sip:1001@127.0.0.2:5060' }] },
    }).start();
    rig.b.behaviour = { kind: 'answer', sdp: B_PCMU };
    const call = rig.a.call('1001', { sdp: OFFER });
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    const bOffer = rig.b.incoming[0]!.invite.body.toString();
    expect(bOffer).toMatch(/m=audio \d+ RTP\/AVP 9 0 8 /);
    expect(answerSdp(call)).toMatch(/m=audio \d+ RTP\/AVP 9 /);
    expect(inbound().getVariable('ep_codec_string')).toBe('G722@8000h@20i@64000b,PCMU@8000h@20i@64000b,PCMA@8000h@20i@64000b');
    expect(inbound().getVariable('write_codec')).toBe('G722');
    await waitFor(() => inbound().getVariable('media_bridge_mode') !== undefined, 2000, 'bridge');
    expect(inbound().getVariable('media_bridge_mode')).toBe('transcode');
  });

  it('inherit_codec=true: A is answered with the codec B chose (PCMU), relayed', async () => {
    rig = await new CallRig({
      profile: { 'inbound-codec-prefs': 'G722,PCMU,PCMA' },
      routes: { '1001': [{ app: 'set', data: 'inherit_codec=true' }, { app: 'bridge', data: 'sofia/test/sip:1001@127.0.0.2:5060' }] },
    }).start();
    rig.b.behaviour = { kind: 'answer', sdp: B_PCMU };
    const call = rig.a.call('1001', { sdp: OFFER });
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    expect(answerSdp(call)).toMatch(/m=audio \d+ RTP\/AVP 0 /);
    await waitFor(() => inbound().getVariable('media_bridge_mode') !== undefined, 2000, 'bridge');
    expect(inbound().getVariable('media_bridge_mode')).toBe('relay');
  });
});

describe('rtp_audio_* variables at hangup', () => {
  it('both legs carry the eight counters after a BYE (in the full variable list, in order, and in single reads)', async () => {
    rig = await new CallRig({ routes: { '1001': [{ app: 'bridge', data: 'sofia/test/sip:1001@127.0.0.2:5060' }] } }).start();
    rig.b.behaviour = { kind: 'answer', sdp: B_PCMU };
    const done: Array<{ single: string | undefined; all: Array<[string, string]> }> = [];
    rig.core.events.on('CHANNEL_HANGUP_COMPLETE', (e) => {
      const ch = rig!.core.channels().find((c) => c.uuid === e.headers.get('Unique-ID'));
      if (!ch) return;
      const single = ch.getVariable('rtp_audio_in_jitter_ms');
      done.push({ single, all: [...ch.variables()].filter(([n]) => n.startsWith('rtp_audio_')) });
    });
    const call = rig.a.call('1001', { sdp: OFFER });
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    await call.request('BYE');
    await waitFor(() => done.length === 2, 3000, 'both legs hung up');
    for (const d of done) {
      expect(d.single).toBe('0.00');
      expect(d.all).toEqual([
        ['rtp_audio_in_media_packet_count', '0'],
        ['rtp_audio_in_media_bytes', '0'],
        ['rtp_audio_in_packet_loss', '0'],
        ['rtp_audio_in_jitter_ms', '0.00'],
        ['rtp_audio_in_dtmf_packet_count', '0'],
        ['rtp_audio_out_media_packet_count', '0'],
        ['rtp_audio_out_media_bytes', '0'],
        ['rtp_audio_out_dtmf_packet_count', '0'],
      ]);
    }
  });
});

describe('early negotiation', () => {
  it('A is negotiated on INVITE receipt and B is offered only that codec (originator_codec)', async () => {
    rig = await new CallRig({
      profile: { 'inbound-codec-prefs': 'PCMU,G722', 'inbound-late-negotiation': 'false', 'inbound-codec-negotiation': 'greedy' },
      routes: { '1001': [{ app: 'bridge', data: 'sofia/test/sip:1001@127.0.0.2:5060' }] },
    }).start();
    rig.b.behaviour = { kind: 'answer', sdp: B_PCMU };
    const call = rig.a.call('1001', { sdp: OFFER });
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    // greedy: our first preference among the common ones.
    expect(answerSdp(call)).toMatch(/m=audio \d+ RTP\/AVP 0 /);
    expect(rig.b.incoming[0]!.invite.body.toString()).toMatch(/m=audio \d+ RTP\/AVP 0 101/);
  });

  it('generous and greedy pick different codecs for the same offer; rtp_codec_negotiation overrides the profile', async () => {
    const run = async (policy: string, viaVar: boolean): Promise<string> => {
      rig = await new CallRig({
        profile: { 'inbound-codec-prefs': 'PCMU,G722', 'inbound-codec-negotiation': viaVar ? 'generous' : policy },
        routes: { '1001': [...(viaVar ? [{ app: 'set', data: `rtp_codec_negotiation=${policy}` }] : []), { app: 'answer', data: '' }, { app: 'sleep', data: '2000' }] },
      }).start();
      const call = rig.a.call('1001', { sdp: sdp(40010, [[9, 'G722/8000'], [0, 'PCMU/8000']]) });
      await waitFor(() => call.finalStatus === 200, 3000, 'answered');
      const codec = inbound().getVariable('read_codec')!;
      await rig.stop();
      rig = undefined;
      return codec;
    };
    expect(await run('generous', false)).toBe('G722');
    expect(await run('greedy', false)).toBe('PCMU');
    expect(await run('greedy', true)).toBe('PCMU');
  });
});

describe('addresses in our SDP', () => {
  it('ext-rtp-ip for peers outside local-network-acl, rtp-ip for those inside', async () => {
    rig = await new CallRig({
      profile: { 'ext-rtp-ip': '192.0.2.77', 'local-network-acl': '127.0.0.10/32' },
      routes: { '1001': [{ app: 'bridge', data: 'sofia/test/sip:1001@127.0.0.2:5060' }] },
    }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    // A (127.0.0.10) is inside: rtp-ip. B (127.0.0.2) is outside: ext-rtp-ip.
    expect(answerSdp(call)).toContain('c=IN IP4 127.0.0.1');
    expect(rig.b.incoming[0]!.invite.body.toString()).toContain('c=IN IP4 192.0.2.77');
  });
});
