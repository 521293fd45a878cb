/**
 * §3.5 offers we build, and §3.8/RFC 3264 §7 processing of the answers we get back.
 */
import { describe, expect, it } from 'vitest';
import { isStrowgerError } from '../../../src/util/errors';
import { buildOffer, negotiate, parseSdp, processAnswer, serializeSdp } from '../../../src/sdp';
import { at, G722, LOCAL, OPUS, PCMA, PCMU, sdpText } from './helpers';

function answerOf(lines: string[]) {
  return parseSdp(sdpText(['v=0', 'o=callee 5 5 IN IP4 192.0.2.20', 's=-', 'c=IN IP4 192.0.2.20', 't=0 0', ...lines]));
}

describe('buildOffer (§3.5)', () => {
  it('all codecs in order, static PTs, te/8000 on rfc2833-pt, CN 13, a=ptime, a=sendrecv', () => {
    const o = buildOffer({ prefs: [G722, PCMU, PCMA], ...LOCAL });
    expect(serializeSdp(o.sdp)).toBe(
      sdpText([
        'v=0',
        'o=Strowger 42 42 IN IP4 203.0.113.5',
        's=Strowger',
        'c=IN IP4 203.0.113.5',
        't=0 0',
        'm=audio 30000 RTP/AVP 9 0 8 101 13',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=rtpmap:13 CN/8000',
        'a=ptime:20',
        'a=sendrecv',
      ]),
    );
    expect(o.codecs.map((c) => `${c.name}:${c.pt}`)).toEqual(['G722:9', 'PCMU:0', 'PCMA:8']);
    expect(o.telephoneEvents).toEqual([{ pt: 101, clockRate: 8000 }]);
    expect(o.cnPt).toBe(13);
  });

  it('dynamic codecs take their preferred PT or the next free one; te per distinct clock rate', () => {
    const o = buildOffer({ prefs: [{ ...OPUS, pt: 116 }, { name: 'L16', clockRate: 16000, ptime: 20 }, PCMU], ...LOCAL });
    expect(o.codecs.map((c) => `${c.name}/${c.clockRate}:${c.pt}`)).toEqual(['opus/48000:116', 'L16/16000:96', 'PCMU/8000:0']);
    expect(o.telephoneEvents).toEqual([
      { pt: 101, clockRate: 8000 },
      { pt: 97, clockRate: 48000 },
      { pt: 98, clockRate: 16000 },
    ]);
    expect(o.sdp.media[0]!.rtpmaps.find((r) => r.pt === 116)).toEqual({ pt: 116, encoding: 'opus', clockRate: 48000, channels: 2 });
  });

  it('one m=audio line per distinct ptime by default; a single line with sdp_m_per_ptime=false', () => {
    const prefs = [PCMU, at(PCMA, 30), G722];
    const split = buildOffer({ prefs, ...LOCAL });
    expect(split.sdp.media.map((m) => `${m.formats.join(' ')} @${m.ptime}`)).toEqual(['0 9 101 13 @20', '8 101 13 @30']);
    expect(split.codecs.map((c) => `${c.name}#${c.mediaIndex}`)).toEqual(['PCMU#0', 'G722#0', 'PCMA#1']);
    const single = buildOffer({ prefs, mPerPtime: false, ...LOCAL });
    expect(single.sdp.media.map((m) => `${m.formats.join(' ')} @${m.ptime}`)).toEqual(['0 8 9 101 13 @20']);
  });

  it('duplicates collapse; suppress-cng drops CN and adds silenceSupp; dtmf none drops te; direction and proto apply', () => {
    const o = buildOffer({ prefs: [PCMU, PCMU, { name: 'pcmu', clockRate: 8000 }], suppressCng: true, dtmfType: 'none', direction: 'sendonly', ...LOCAL });
    const m = o.sdp.media[0]!;
    expect(m.formats).toEqual(['0']);
    expect(m.attributes).toEqual([{ name: 'silenceSupp', value: 'off - - - -' }]);
    expect(m.direction).toBe('sendonly');
    expect(o.telephoneEvents).toEqual([]);
  });

  it('an empty or unusable list is a typed error, never an SDP without codecs', () => {
    let err: unknown;
    try {
      buildOffer({ prefs: [{ name: 'telephone-event', clockRate: 8000 }], ...LOCAL });
    } catch (e) {
      err = e;
    }
    expect(isStrowgerError(err, 'SDP_NO_COMMON_CODEC')).toBe(true);
  });

  it('never reuses a PT when the dynamic range runs out (40 dynamic codecs ⇒ the 32 PTs 96..127, rest dropped)', () => {
    const prefs = Array.from({ length: 40 }, (_, i) => ({ name: `X${i}`, clockRate: 8000 + i }));
    const o = buildOffer({ prefs, dtmfType: 'none', ...LOCAL });
    const pts = o.sdp.media.flatMap((m) => m.formats);
    expect(new Set(pts).size).toBe(pts.length);
    expect(o.codecs.length).toBe(32);
    expect(o.codecs.every((c) => c.pt >= 96 && c.pt <= 127)).toBe(true);
  });

  it('our offer is accepted by our own negotiate() and the result round-trips through text', () => {
    const o = buildOffer({ prefs: [OPUS, G722, PCMU], ...LOCAL });
    const r = negotiate({ offer: parseSdp(serializeSdp(o.sdp)), localPrefs: [PCMU, OPUS], policy: 'generous', localIp: '192.0.2.20', localPort: 50000 });
    expect(r.ok && r.audio.codec.name).toBe('opus');
    expect(r.ok && r.audio.telephoneEvent?.clockRate).toBe(48000);
  });
});

describe('processAnswer (we offered)', () => {
  const offer = buildOffer({ prefs: [OPUS, G722, PCMU, PCMA], ...LOCAL }).sdp;

  it("takes the answer's first offered codec, sends with the answer's PT and learns the remote address", () => {
    const r = processAnswer({ offer, answer: answerOf(['m=audio 50000 RTP/AVP 8 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=rtcp:50011']) });
    if (!r.ok) throw new Error(r.detail);
    expect(r.audio.codec).toMatchObject({ name: 'PCMA', pt: 8, clockRate: 8000, ptime: 20 });
    expect(r.audio.payloadMap.map((c) => c.name)).toEqual(['PCMA', 'PCMU']);
    expect(r.audio.remote).toEqual({ address: '192.0.2.20', addrType: 'IP4', port: 50000, rtcpPort: 50011, rtcpAddress: '192.0.2.20', rtcpMux: false });
    expect(r.audio.direction).toBe('sendrecv');
  });

  it('a dynamic PT renumbered by the answerer is fine (RFC 3264 §6.1 SHOULD, not MUST)', () => {
    const r = processAnswer({ offer, answer: answerOf(['m=audio 50000 RTP/AVP 120', 'a=rtpmap:120 opus/48000/2']) });
    expect(r.ok && r.audio.codec).toMatchObject({ name: 'opus', pt: 120 });
  });

  it("the answer's a=ptime is adopted when we can packetise at it", () => {
    const r = processAnswer({ offer, answer: answerOf(['m=audio 50000 RTP/AVP 0', 'a=ptime:30']) });
    expect(r.ok && r.audio.codec).toMatchObject({ name: 'PCMU', ptime: 30, match: 'near' });
  });

  it('an answer naming nothing we offered ⇒ INCOMPATIBLE_DESTINATION (§3.8), as does a rejected audio line', () => {
    const r = processAnswer({ offer, answer: answerOf(['m=audio 50000 RTP/AVP 18', 'a=rtpmap:18 G729/8000']) });
    expect(r).toMatchObject({ ok: false, status: 488, q850: 88, cause: 'INCOMPATIBLE_DESTINATION' });
    const rej = processAnswer({ offer, answer: answerOf(['m=audio 0 RTP/AVP 0']) });
    expect(rej.ok).toBe(false);
  });

  it('an answer with fewer m= lines than the offer is tolerated when the audio line is there', () => {
    const two = buildOffer({ prefs: [PCMU, at(PCMA, 30)], ...LOCAL }).sdp;
    expect(two.media).toHaveLength(2);
    const r = processAnswer({ offer: two, answer: answerOf(['m=audio 50000 RTP/AVP 0']) });
    expect(r.ok && r.media.map((m) => m.accepted)).toEqual([true, false]);
  });

  it('the second of two per-ptime lines can carry the call', () => {
    const two = buildOffer({ prefs: [PCMU, at(PCMA, 30)], ...LOCAL }).sdp;
    const r = processAnswer({ offer: two, answer: answerOf(['m=audio 0 RTP/AVP 0', 'm=audio 50000 RTP/AVP 8', 'a=ptime:30']) });
    expect(r.ok && r.audio).toMatchObject({ mediaIndex: 1, codec: { name: 'PCMA', ptime: 30 } });
  });

  it('an answer putting us on hold (recvonly to our sendrecv) means we only send', () => {
    const r = processAnswer({ offer, answer: answerOf(['m=audio 50000 RTP/AVP 0', 'a=recvonly']) });
    expect(r.ok && r.audio.direction).toBe('sendonly');
  });
});

describe('localSession (o=/c= skeleton)', () => {
  it('draws a decimal session id in 1..2^31-1, version equal to it, different per session', async () => {
    const { localSession } = await import('../../../src/sdp/local-session');
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const s = localSession({ localIp: '192.0.2.1' });
      expect(s.origin.sessionId).toMatch(/^[1-9][0-9]*$/);
      const n = Number(s.origin.sessionId);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(2 ** 31 - 1);
      expect(s.origin.sessionVersion).toBe(s.origin.sessionId);
      ids.add(s.origin.sessionId);
    }
    expect(ids.size).toBeGreaterThan(190);
  });

  it('checks the local IP every time it changes (the last good one is remembered, not trusted for others)', async () => {
    const { localSession } = await import('../../../src/sdp/local-session');
    expect(localSession({ localIp: '192.0.2.1' }).connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '192.0.2.1' });
    expect(() => localSession({ localIp: 'bad ip\r\n' })).toThrow(/local IP/);
    expect(localSession({ localIp: '2001:db8::1' }).origin.addrType).toBe('IP6');
    expect(() => localSession({ localIp: '' })).toThrow(/local IP/);
    expect(localSession({ localIp: '192.0.2.1' }).origin.addrType).toBe('IP4');
  });
});
