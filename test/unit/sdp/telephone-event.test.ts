/**
 * §3.4/§3.6 telephone-event and DTMF, and pain point 4 (PT mismatches and collisions).
 */
import { describe, expect, it } from 'vitest';
import { buildOffer, negotiate, parseSdp, processAnswer, serializeSdp } from '../../../src/sdp';
import { audioOffer, LOCAL, OPUS, PCMU, sdpText } from './helpers';

const M = (fmts: string, ...attrs: string[]) => parseSdp(audioOffer(`m=audio 40000 RTP/AVP ${fmts}`, attrs));

describe('answering telephone-event (§3.4, §3.6)', () => {
  it("answers with the offerer's PT (not our rfc2833-pt) and fmtp 0-15", () => {
    const r = negotiate({ offer: M('0 96', 'a=rtpmap:96 telephone-event/8000', 'a=fmtp:96 0-16'), localPrefs: [PCMU], policy: 'generous', rfc2833Pt: 101, ...LOCAL });
    if (!r.ok) throw new Error(r.detail);
    expect(r.audio.telephoneEvent).toEqual({ pt: 96, clockRate: 8000 });
    expect(r.audio.dtmf).toEqual({ type: 'rfc2833', sendPt: 96, clockRate: 8000, recvPts: [96] });
    expect(serializeSdp(r.answer)).toContain('a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-15\r\n');
  });

  it('NDLB_line_flash_16 advertises 0-16', () => {
    const r = negotiate({ offer: M('0 101', 'a=rtpmap:101 telephone-event/8000'), localPrefs: [PCMU], policy: 'generous', lineFlash16: true, ...LOCAL });
    expect(r.ok && r.answer.media[0]!.fmtps).toContainEqual({ pt: 101, params: '0-16' });
  });

  it("picks the telephone-event whose rate matches the codec's clock, else 8000", () => {
    const offer = M('111 0 101 110', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:110 telephone-event/48000');
    const opus = negotiate({ offer, localPrefs: [OPUS], policy: 'generous', ...LOCAL });
    expect(opus.ok && opus.audio.telephoneEvent).toEqual({ pt: 110, clockRate: 48000 });
    expect(opus.ok && opus.answer.media[0]!.formats).toEqual(['111', '110']); // no CN/8000 next to opus
    const pcmu = negotiate({ offer, localPrefs: [PCMU], policy: 'generous', ...LOCAL });
    expect(pcmu.ok && pcmu.audio.telephoneEvent).toEqual({ pt: 101, clockRate: 8000 });
    const only8k = negotiate({ offer: M('111 101', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:101 telephone-event/8000'), localPrefs: [OPUS], policy: 'generous', ...LOCAL });
    expect(only8k.ok && only8k.audio.telephoneEvent).toEqual({ pt: 101, clockRate: 8000 });
  });

  it('no telephone-event offered ⇒ dtmf falls back to SIP INFO, or none with rtp_info_when_no_2833=false', () => {
    const offer = M('0');
    const info = negotiate({ offer, localPrefs: [PCMU], policy: 'generous', ...LOCAL });
    expect(info.ok && info.audio.dtmf).toEqual({ type: 'info', recvPts: [] });
    expect(info.ok && info.answer.media[0]!.formats).toEqual(['0', '13']);
    const none = negotiate({ offer, localPrefs: [PCMU], policy: 'generous', infoWhenNo2833: false, ...LOCAL });
    expect(none.ok && none.audio.dtmf.type).toBe('none');
  });

  it('rtp_liberal_dtmf still accepts 2833 on our configured PT', () => {
    const r = negotiate({ offer: M('0'), localPrefs: [PCMU], policy: 'generous', liberalDtmf: true, rfc2833Pt: 101, ...LOCAL });
    expect(r.ok && r.audio.dtmf).toEqual({ type: 'info', recvPts: [101] });
    const both = negotiate({ offer: M('0 96', 'a=rtpmap:96 telephone-event/8000'), localPrefs: [PCMU], policy: 'generous', liberalDtmf: true, ...LOCAL });
    expect(both.ok && both.audio.dtmf.recvPts).toEqual([96, 101]);
  });

  it('dtmf-type info/none: telephone-event left out of the answer (#2542: 2833 can be disabled)', () => {
    for (const dtmfType of ['info', 'none'] as const) {
      const r = negotiate({ offer: M('0 101', 'a=rtpmap:101 telephone-event/8000'), localPrefs: [PCMU], policy: 'generous', dtmfType, ...LOCAL });
      expect(r.ok && r.answer.media[0]!.formats).toEqual(['0', '13']);
      expect(r.ok && r.audio.dtmf.type).toBe(dtmfType);
    }
  });

  it('collision in an offer: one PT mapped to both opus and telephone-event ⇒ first mapping wins, no DTMF on the audio PT (#1965)', () => {
    const offer = M('101 0', 'a=rtpmap:101 opus/48000/2', 'a=rtpmap:101 telephone-event/8000');
    const r = negotiate({ offer, localPrefs: [OPUS, PCMU], policy: 'generous', liberalDtmf: true, rfc2833Pt: 101, ...LOCAL });
    if (!r.ok) throw new Error(r.detail);
    expect(r.audio.codec).toMatchObject({ name: 'opus', pt: 101 });
    expect(r.audio.telephoneEvent).toBeUndefined();
    // liberal DTMF must not claim the audio PT
    expect(r.audio.dtmf.recvPts).not.toContain(101);
  });
});

it('a peer that maps PT 13 to telephone-event does not get CN on 13 as well', () => {
  const r = negotiate({ offer: M('0 13', 'a=rtpmap:13 telephone-event/8000'), localPrefs: [PCMU], policy: 'generous', ...LOCAL });
  expect(r.ok && r.answer.media[0]!.formats).toEqual(['0', '13']);
  expect(r.ok && r.audio.telephoneEvent).toEqual({ pt: 13, clockRate: 8000 });
  expect(r.ok && r.audio.cnPt).toBeUndefined();
});

describe('telephone-event in our offers (§3.5) and collisions (pain point 4)', () => {
  it('an opus PT that collides with rfc2833-pt is moved; te/8000 keeps 101 and opus gets its own te', () => {
    const o = buildOffer({ prefs: [{ ...OPUS, pt: 101 }, PCMU], rfc2833Pt: 101, ...LOCAL });
    const opus = o.codecs.find((c) => c.name === 'opus')!;
    expect(opus.pt).not.toBe(101);
    expect(o.telephoneEvents).toContainEqual({ pt: 101, clockRate: 8000 });
    const te48 = o.telephoneEvents.find((t) => t.clockRate === 48000)!;
    // telephone-event entries follow the order in which their clock rates first appear
    const pts = [opus.pt, 0, te48.pt, 101, 13];
    expect(new Set(pts).size).toBe(pts.length);
    expect(o.sdp.media[0]!.formats).toEqual(pts.map(String));
  });

  it('an answer that reuses the audio PT for telephone-event gets no 2833 (audio is never decoded as DTMF)', () => {
    const offer = buildOffer({ prefs: [PCMU], ...LOCAL }).sdp;
    const answer = parseSdp(
      sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.20', 's=-', 'c=IN IP4 192.0.2.20', 't=0 0', 'm=audio 50000 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000']),
    );
    const ok = processAnswer({ offer, answer });
    expect(ok.ok && ok.audio.dtmf).toEqual({ type: 'rfc2833', sendPt: 101, clockRate: 8000, recvPts: [101] });
    // A broken answer mapping PT 0 to telephone-event: the parser keeps only the first rtpmap for
    // 0, and the answer's static PCMU wins; te never lands on the audio PT.
    const bad = parseSdp(
      sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.20', 's=-', 'c=IN IP4 192.0.2.20', 't=0 0', 'm=audio 50000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 telephone-event/8000']),
    );
    const r = processAnswer({ offer, answer: bad });
    expect(r.ok && r.audio.codec.pt).toBe(0);
    expect(r.ok && r.audio.dtmf.type).toBe('info');
  });

  it("the answerer's telephone-event PT differing from ours: send with theirs, receive on ours and theirs", () => {
    const offer = buildOffer({ prefs: [PCMU], rfc2833Pt: 101, ...LOCAL }).sdp;
    const answer = parseSdp(
      sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.20', 's=-', 'c=IN IP4 192.0.2.20', 't=0 0', 'm=audio 50000 RTP/AVP 0 96', 'a=rtpmap:96 telephone-event/8000']),
    );
    const r = processAnswer({ offer, answer });
    expect(r.ok && r.audio.dtmf).toEqual({ type: 'rfc2833', sendPt: 96, clockRate: 8000, recvPts: [101, 96] });
  });
});
