/**
 * §3.7 bridging helpers: ep_codec_string, originator_codec, inherit_codec, relay vs transcode.
 */
import { describe, expect, it } from 'vitest';
import {
  buildOffer,
  inheritCodec,
  mediaPath,
  negotiate,
  offerCodecPrefs,
  originatorCodecPrefs,
  parseSdp,
  type NegotiatedCodec,
} from '../../../src/sdp';
import { audioOffer, G722, LOCAL, OPUS, PCMA, PCMU } from './helpers';

const A_OFFER = parseSdp(
  audioOffer('m=audio 40000 RTP/AVP 111 9 0 8 101 13', [
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 useinbandfec=1',
    'a=rtpmap:101 telephone-event/8000',
    'a=ptime:20',
  ]),
);

function codec(over: Partial<NegotiatedCodec>): NegotiatedCodec {
  return { name: 'PCMU', pt: 0, clockRate: 8000, channels: 1, ptime: 20, match: 'exact', prefIndex: 0, ...over };
}

describe('offerCodecPrefs (ep_codec_string, late negotiation)', () => {
  it('offered codecs also in A’s list, in OFFER order, with offered PT, ptime, fmtp; no te/CN', () => {
    const ep = offerCodecPrefs(A_OFFER, [{ ...PCMA, name: 'pcma' }, OPUS, PCMU]);
    expect(ep).toEqual([
      { name: 'opus', clockRate: 48000, ptime: 20, channels: 2, pt: 111, fmtp: 'useinbandfec=1' },
      { name: 'PCMU', clockRate: 8000, ptime: 20, channels: 1, pt: 0 },
      { name: 'pcma', clockRate: 8000, ptime: 20, channels: 1, pt: 8 },
    ]);
  });

  it('without a filter: everything offered; independent of any profile (pain point 2)', () => {
    expect(offerCodecPrefs(A_OFFER).map((p) => p.name)).toEqual(['opus', 'G722', 'PCMU', 'PCMA']);
  });

  it("B's offer built from it keeps A's opus PT, so both legs agree on numbers", () => {
    const b = buildOffer({ prefs: offerCodecPrefs(A_OFFER, [OPUS, PCMU]), ...LOCAL });
    expect(b.codecs.map((c) => `${c.name}:${c.pt}`)).toEqual(['opus:111', 'PCMU:0']);
  });

  it('an offer with a=ptime:30 carries 30 into the B offer', () => {
    const a = parseSdp(audioOffer('m=audio 40000 RTP/AVP 0', ['a=ptime:30']));
    expect(offerCodecPrefs(a, [PCMU])[0]!.ptime).toBe(30);
  });
});

describe('originatorCodecPrefs (early negotiation)', () => {
  it("B is offered only A's negotiated codec", () => {
    const a = negotiate({ offer: A_OFFER, localPrefs: [G722, PCMU], policy: 'generous', ...LOCAL });
    if (!a.ok) throw new Error(a.detail);
    const prefs = originatorCodecPrefs(a.audio.codec);
    expect(prefs).toEqual([{ name: 'G722', clockRate: 8000, ptime: 20, channels: 1, pt: 9 }]);
    const b = buildOffer({ prefs, ...LOCAL });
    expect(b.sdp.media[0]!.formats).toEqual(['9', '101', '13']);
  });
});

describe('inheritCodec', () => {
  const aEp = offerCodecPrefs(A_OFFER, [G722, PCMU, PCMA]);
  it("B's codec, if A offered it", () => {
    expect(inheritCodec(codec({ name: 'PCMA', pt: 8 }), aEp)).toEqual([{ name: 'PCMA', clockRate: 8000, ptime: 20, channels: 1 }]);
  });
  it('undefined when A never offered it (then A is negotiated per policy and we transcode)', () => {
    expect(inheritCodec(codec({ name: 'G729', pt: 18 }), aEp)).toBeUndefined();
  });
});

describe('mediaPath: relay vs transcode (§3.7)', () => {
  it('same name, rate, ptime, channels ⇒ relay; differing PT only needs rewriting', () => {
    expect(mediaPath(codec({}), codec({}))).toEqual({ mode: 'relay', rewritePt: false });
    expect(mediaPath(codec({ name: 'opus', pt: 111, clockRate: 48000, channels: 2 }), codec({ name: 'OPUS', pt: 96, clockRate: 48000, channels: 2 }))).toEqual({
      mode: 'relay',
      rewritePt: true,
    });
  });
  it('different codec or ptime ⇒ transcode (re-packetise when ptime differs)', () => {
    expect(mediaPath(codec({}), codec({ name: 'PCMA', pt: 8 }))).toEqual({ mode: 'transcode', repacketize: false });
    expect(mediaPath(codec({}), codec({ ptime: 30 }))).toEqual({ mode: 'transcode', repacketize: true });
  });
  it('a media bug that needs raw audio forces transcoding', () => {
    expect(mediaPath(codec({}), codec({}), true)).toEqual({ mode: 'transcode', repacketize: false });
  });
});
