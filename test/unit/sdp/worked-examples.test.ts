/**
 * freeswitch-behaviour.md §3.9, verbatim, for each policy.
 */
import { describe, expect, it } from 'vitest';
import {
  buildOffer,
  inheritCodec,
  mediaPath,
  negotiate,
  offerCodecPrefs,
  parseSdp,
  processAnswer,
  serializeSdp,
  type NegotiationPolicy,
  type NegotiationSuccess,
} from '../../../src/sdp';
import { at, audioOffer, G722, LOCAL, PCMA, PCMU, OPUS } from './helpers';

const POLICIES: NegotiationPolicy[] = ['generous', 'greedy', 'scrooge'];

// "Offer from caller (PT: opus 111 /48000/2, G722 9, PCMU 0, PCMA 8, telephone-event 101/8000,
// no a=ptime ⇒ 20 ms everywhere)."
const CALLER_OFFER = parseSdp(
  audioOffer('m=audio 40000 RTP/AVP 111 9 0 8 101', [
    'a=rtpmap:111 opus/48000/2',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
  ]),
);

function ok(r: ReturnType<typeof negotiate>): NegotiationSuccess {
  if (!r.ok) throw new Error(`expected success, got 488: ${r.detail}`);
  return r;
}

describe('§3.9 worked example: prefs G722,PCMU,PCMA (all @20i)', () => {
  const prefs = [G722, PCMU, PCMA];
  for (const policy of POLICIES) {
    it(`${policy} ⇒ G722, matches [G722, PCMU, PCMA]`, () => {
      const r = ok(negotiate({ offer: CALLER_OFFER, localPrefs: prefs, policy, ...LOCAL }));
      expect(r.audio.codec).toMatchObject({ name: 'G722', pt: 9, clockRate: 8000, ptime: 20 });
      // opus → no local opus ⇒ skipped; the three others all match
      expect(r.audio.payloadMap.map((c) => c.name)).toEqual(['G722', 'PCMU', 'PCMA']);
    });
  }

  it('answer: m=audio <port> RTP/AVP 9 101 13, rtpmaps, fmtp 0-15, ptime 20', () => {
    const r = ok(negotiate({ offer: CALLER_OFFER, localPrefs: prefs, policy: 'generous', ...LOCAL }));
    expect(serializeSdp(r.answer)).toBe(
      [
        'v=0',
        'o=Strowger 42 42 IN IP4 203.0.113.5',
        's=Strowger',
        'c=IN IP4 203.0.113.5',
        't=0 0',
        'm=audio 30000 RTP/AVP 9 101 13',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=rtpmap:13 CN/8000',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  it('answer with suppress-cng: m=audio <port> RTP/AVP 9 101 and a=silenceSupp:off', () => {
    const r = ok(negotiate({ offer: CALLER_OFFER, localPrefs: prefs, policy: 'generous', suppressCng: true, ...LOCAL }));
    const m = r.answer.media[0]!;
    expect(m.formats).toEqual(['9', '101']);
    expect(m.attributes).toContainEqual({ name: 'silenceSupp', value: 'off - - - -' });
    expect(r.audio.cnPt).toBeUndefined();
  });
});

describe('§3.9 variants that show the difference', () => {
  it('prefs PCMU,PCMA,G722: generous ⇒ G722 (caller preference); greedy/scrooge ⇒ PCMU', () => {
    const prefs = [PCMU, PCMA, G722];
    const pick = (policy: NegotiationPolicy) => ok(negotiate({ offer: CALLER_OFFER, localPrefs: prefs, policy, ...LOCAL })).audio.codec.name;
    expect(pick('generous')).toBe('G722');
    expect(pick('greedy')).toBe('PCMU');
    expect(pick('scrooge')).toBe('PCMU');
  });

  describe('offer PCMA,PCMU with a=ptime:30, prefs PCMU@20i,PCMA@20i', () => {
    const offer = parseSdp(audioOffer('m=audio 40000 RTP/AVP 8 0', ['a=rtpmap:8 PCMA/8000', 'a=rtpmap:0 PCMU/8000', 'a=ptime:30']));
    const prefs = [PCMU, PCMA];
    for (const policy of ['generous', 'greedy'] as const) {
      it(`${policy}: no exact match ⇒ first near match in offer order, PCMA, switched to PCMA@30i`, () => {
        const r = ok(negotiate({ offer, localPrefs: prefs, policy, ...LOCAL }));
        expect(r.audio.codec).toMatchObject({ name: 'PCMA', pt: 8, ptime: 30, match: 'near' });
        expect(r.answer.media[0]!.ptime).toBe(30);
        expect(r.answer.media[0]!.formats[0]).toBe('8');
      });
    }
    it('scrooge: exact match on our implementations sorted by prefs ⇒ PCMU@20i, a=ptime:20', () => {
      const r = ok(negotiate({ offer, localPrefs: prefs, policy: 'scrooge', ...LOCAL }));
      expect(r.audio.codec).toMatchObject({ name: 'PCMU', pt: 0, ptime: 20, match: 'scrooge' });
      expect(r.answer.media[0]!.ptime).toBe(20);
    });
  });

  it('prefs G722,PCMU and an opus-only offer ⇒ 488 under every policy', () => {
    const offer = parseSdp(audioOffer('m=audio 40000 RTP/AVP 111', ['a=rtpmap:111 opus/48000/2']));
    for (const policy of POLICIES) {
      const r = negotiate({ offer, localPrefs: [G722, PCMU], policy, ...LOCAL });
      expect(r).toMatchObject({ ok: false, status: 488, q850: 88, cause: 'INCOMPATIBLE_DESTINATION', reason: 'Q.850;cause=88;text="INCOMPATIBLE_DESTINATION"' });
    }
  });

  describe('bridge under late negotiation of the original example', () => {
    const aPrefs = [G722, PCMU, PCMA];
    // B is offered A's ep_codec_string minus opus: G722, PCMU, PCMA.
    const aEp = offerCodecPrefs(CALLER_OFFER, aPrefs);
    const bOffer = buildOffer({ prefs: aEp, ...LOCAL, localPort: 30002 });
    // B answers PCMU.
    const bAnswer = parseSdp(
      [
        'v=0',
        'o=callee 7 7 IN IP4 192.0.2.20',
        's=-',
        'c=IN IP4 192.0.2.20',
        't=0 0',
        'm=audio 50000 RTP/AVP 0 101',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        '',
      ].join('\r\n'),
    );

    it('B is offered G722,PCMU,PCMA', () => {
      expect(aEp.map((p) => p.name)).toEqual(['G722', 'PCMU', 'PCMA']);
      expect(bOffer.sdp.media).toHaveLength(1);
      expect(bOffer.sdp.media[0]!.formats).toEqual(['9', '0', '8', '101', '13']);
    });

    it('B answers PCMU; inherit_codec=true ⇒ A answered with PCMU ⇒ relay, no transcoding', () => {
      const b = processAnswer({ offer: bOffer.sdp, answer: bAnswer });
      if (!b.ok) throw new Error(b.detail);
      expect(b.audio.codec.name).toBe('PCMU');
      const aList = inheritCodec(b.audio.codec, aEp);
      expect(aList).toBeDefined();
      const a = ok(negotiate({ offer: CALLER_OFFER, localPrefs: aList!, policy: 'generous', ...LOCAL }));
      expect(a.audio.codec.name).toBe('PCMU');
      expect(mediaPath(a.audio.codec, b.audio.codec)).toEqual({ mode: 'relay', rewritePt: false });
    });

    it('without inherit_codec A is answered per policy (G722) ⇒ G722⇄PCMU transcoding', () => {
      const b = processAnswer({ offer: bOffer.sdp, answer: bAnswer });
      if (!b.ok) throw new Error(b.detail);
      const a = ok(negotiate({ offer: CALLER_OFFER, localPrefs: aPrefs, policy: 'generous', ...LOCAL }));
      expect(a.audio.codec.name).toBe('G722');
      expect(mediaPath(a.audio.codec, b.audio.codec)).toEqual({ mode: 'transcode', repacketize: false });
    });
  });

  it('opus in local prefs makes opus win under generous for the same offer', () => {
    const r = ok(negotiate({ offer: CALLER_OFFER, localPrefs: [G722, at(OPUS, 20)], policy: 'generous', ...LOCAL }));
    expect(r.audio.codec).toMatchObject({ name: 'opus', pt: 111, clockRate: 48000, channels: 2 });
    expect(r.answer.media[0]!.rtpmaps[0]).toEqual({ pt: 111, encoding: 'opus', clockRate: 48000, channels: 2 });
  });
});
