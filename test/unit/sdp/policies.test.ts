/**
 * §3.3 matching rules and the three policies, as a table of offers where greedy, generous and
 * scrooge choose differently (and a few where they must agree).
 */
import { describe, expect, it } from 'vitest';
import {
  matchCodecs,
  negotiate,
  offeredFormats,
  parseSdp,
  type LocalCodecPref,
  type NegotiationPolicy,
} from '../../../src/sdp';
import { at, audioOffer, G722, LOCAL, OPUS, PCMA, PCMU } from './helpers';

interface Case {
  name: string;
  offer: string;
  prefs: LocalCodecPref[];
  expect: Record<NegotiationPolicy, string | null>; // "NAME@ptime" or null for 488
}

const M = (fmts: string, ...attrs: string[]) => audioOffer(`m=audio 40000 RTP/AVP ${fmts}`, attrs);

const CASES: Case[] = [
  {
    name: 'offer PCMA,PCMU / prefs PCMU,PCMA: remote order vs local order',
    offer: M('8 0'),
    prefs: [PCMU, PCMA],
    expect: { generous: 'PCMA@20', greedy: 'PCMU@20', scrooge: 'PCMU@20' },
  },
  {
    name: 'offer G722,PCMU @30 / prefs G722@20,PCMU@30: greedy keeps the exact PCMU, scrooge forces G722@20',
    offer: M('9 0', 'a=ptime:30'),
    prefs: [G722, at(PCMU, 30)],
    expect: { generous: 'PCMU@30', greedy: 'PCMU@30', scrooge: 'G722@20' },
  },
  {
    name: 'offer PCMU,G722 @30 / prefs G722@30,PCMU@20: exact G722 beats near PCMU for all but scrooge re-sorts anyway',
    offer: M('0 9', 'a=ptime:30'),
    prefs: [at(G722, 30), PCMU],
    expect: { generous: 'G722@30', greedy: 'G722@30', scrooge: 'G722@30' },
  },
  {
    name: 'offer opus,PCMU / prefs PCMU,opus: generous takes the caller opus',
    offer: M('111 0', 'a=rtpmap:111 opus/48000/2'),
    prefs: [PCMU, OPUS],
    expect: { generous: 'opus@20', greedy: 'PCMU@20', scrooge: 'PCMU@20' },
  },
  {
    name: 'offer PCMU @40 only / prefs PCMU@20: near match adapts to 40, scrooge imposes 20',
    offer: M('0', 'a=ptime:40'),
    prefs: [PCMU],
    expect: { generous: 'PCMU@40', greedy: 'PCMU@40', scrooge: 'PCMU@20' },
  },
  {
    name: 'offer PCMU @25 (no 25 ms implementation) / prefs PCMU@20: our 20 ms is used (no maxptime)',
    offer: M('0', 'a=ptime:25'),
    prefs: [PCMU],
    expect: { generous: 'PCMU@20', greedy: 'PCMU@20', scrooge: 'PCMU@20' },
  },
  {
    name: 'offer PCMU @25 maxptime 15 / prefs PCMU@20: ptime capped to 15, no 15 ms implementation, ours exceeds maxptime ⇒ 488, scrooge still answers',
    offer: M('0', 'a=ptime:25', 'a=maxptime:15'),
    prefs: [PCMU],
    expect: { generous: null, greedy: null, scrooge: 'PCMU@20' },
  },
  {
    name: 'offer PCMU @25 maxptime 10: ptime capped to maxptime 10, which exists ⇒ PCMU@10',
    offer: M('0', 'a=ptime:25', 'a=maxptime:10'),
    prefs: [PCMU],
    expect: { generous: 'PCMU@10', greedy: 'PCMU@10', scrooge: 'PCMU@20' },
  },
  {
    name: 'no a=ptime: any local ptime is an exact match',
    offer: M('8 0'),
    prefs: [at(PCMU, 30), at(PCMA, 40)],
    expect: { generous: 'PCMA@40', greedy: 'PCMU@30', scrooge: 'PCMU@30' },
  },
  {
    name: 'names are case-insensitive (pcmu vs PCMU)',
    offer: M('0', 'a=rtpmap:0 pcmu/8000'),
    prefs: [PCMU],
    expect: { generous: 'PCMU@20', greedy: 'PCMU@20', scrooge: 'PCMU@20' },
  },
  {
    name: 'PCMU at a dynamic PT never matches static PCMU (static/dynamic class must agree)',
    offer: M('96', 'a=rtpmap:96 PCMU/8000'),
    prefs: [PCMU],
    expect: { generous: null, greedy: null, scrooge: null },
  },
  {
    name: 'PCMU/16000 is fatal for G.711 whatever the policy',
    offer: M('97', 'a=rtpmap:97 PCMU/16000'),
    prefs: [{ ...PCMU, pt: 97, clockRate: 8000 }],
    expect: { generous: null, greedy: null, scrooge: null },
  },
  {
    name: 'only telephone-event and CN offered ⇒ 488',
    offer: M('101 13', 'a=rtpmap:101 telephone-event/8000'),
    prefs: [PCMU, PCMA],
    expect: { generous: null, greedy: null, scrooge: null },
  },
  {
    name: 'L16/16000 offered, L16/8000 local: rate near match resolves to 16000 (implementation exists); scrooge forces 8000',
    offer: M('98', 'a=rtpmap:98 L16/16000'),
    prefs: [{ name: 'L16', clockRate: 8000, ptime: 20 }],
    expect: { generous: 'L16@20/16000', greedy: 'L16@20/16000', scrooge: 'L16@20/8000' },
  },
];

function label(r: ReturnType<typeof negotiate>, withRate: boolean): string | null {
  if (!r.ok) return null;
  const c = r.audio.codec;
  return `${c.name}@${c.ptime}${withRate ? `/${c.clockRate}` : ''}`;
}

describe('policy table (§3.3 summary)', () => {
  for (const c of CASES) {
    describe(c.name, () => {
      for (const policy of ['generous', 'greedy', 'scrooge'] as const) {
        it(`${policy} ⇒ ${c.expect[policy] ?? '488'}`, () => {
          const r = negotiate({ offer: parseSdp(c.offer), localPrefs: c.prefs, policy, ...LOCAL });
          const want = c.expect[policy];
          expect(label(r, want?.includes('/') ?? false)).toBe(want);
          if (!r.ok) expect(r).toMatchObject({ status: 488, q850: 88 });
          else expect(r.answer.media[0]!.ptime).toBe(r.audio.codec.ptime);
        });
      }
    });
  }
});

describe('§3.3 details', () => {
  it('matches is ordered remote-first, local-second, and includes every compatible pair', () => {
    const offer = parseSdp(M('8 0'));
    const prefs = [PCMU, at(PCMA, 20), { ...PCMA, ptime: 30 }];
    const ms = matchCodecs(offeredFormats(offer.media[0]!), prefs, { policy: 'generous' });
    expect(ms.map((m) => `${m.name}@${m.ptime}#${m.prefIndex}`)).toEqual(['PCMA@20#1', 'PCMA@30#2', 'PCMU@20#0']);
    const greedy = matchCodecs(offeredFormats(offer.media[0]!), prefs, { policy: 'greedy' });
    expect(greedy.map((m) => `${m.name}@${m.ptime}#${m.prefIndex}`)).toEqual(['PCMU@20#0', 'PCMA@20#1', 'PCMA@30#2']);
  });

  it('near matches are used only when there is no exact match at all', () => {
    // PCMA@30 is a near match (we have PCMA@20); PCMU@30 is exact: PCMU wins even for generous
    const offer = parseSdp(M('8 0', 'a=ptime:30'));
    const r = negotiate({ offer, localPrefs: [PCMA, at(PCMU, 30)], policy: 'generous', ...LOCAL });
    expect(label(r, false)).toBe('PCMU@30');
  });

  it('rtp_negotiate_near_match=true lets a near match compete in offer order', () => {
    const offer = parseSdp(M('8 0', 'a=ptime:30'));
    const r = negotiate({ offer, localPrefs: [PCMA, at(PCMU, 30)], policy: 'generous', negotiateNearMatch: true, ...LOCAL });
    expect(label(r, false)).toBe('PCMA@30');
    if (r.ok) expect(r.audio.codec.match).toBe('near');
  });

  it('the endpoint-supplied implementation table decides near-match adaptation', () => {
    const offer = parseSdp(M('0', 'a=ptime:30'));
    const none = negotiate({ offer, localPrefs: [PCMU], policy: 'generous', hasImplementation: () => false, ...LOCAL });
    expect(label(none, false)).toBe('PCMU@20'); // falls back to ours (no maxptime)
    const yes = negotiate({ offer, localPrefs: [PCMU], policy: 'generous', hasImplementation: (q) => q.ptime === 30, ...LOCAL });
    expect(label(yes, false)).toBe('PCMU@30');
  });

  it('bitrate: both stated and different ⇒ no match (except iLBC)', () => {
    const g7221 = { name: 'G7221', clockRate: 16000, ptime: 20, bitrate: 24000 };
    const offer24 = parseSdp(M('100', 'a=rtpmap:100 G7221/16000', 'a=fmtp:100 bitrate=24000'));
    const offer32 = parseSdp(M('100', 'a=rtpmap:100 G7221/16000', 'a=fmtp:100 bitrate=32000'));
    expect(negotiate({ offer: offer24, localPrefs: [g7221], policy: 'generous', ...LOCAL }).ok).toBe(true);
    expect(negotiate({ offer: offer32, localPrefs: [g7221], policy: 'generous', ...LOCAL }).ok).toBe(false);
    expect(negotiate({ offer: offer32, localPrefs: [g7221], policy: 'scrooge', ...LOCAL }).ok).toBe(false);
  });

  it('iLBC without fmtp counts as a 30 ms offer; mode=20 as 20 ms', () => {
    const ilbc20: LocalCodecPref = { name: 'iLBC', clockRate: 8000, ptime: 20 };
    const plain = parseSdp(M('102', 'a=rtpmap:102 iLBC/8000'));
    const mode20 = parseSdp(M('102', 'a=rtpmap:102 iLBC/8000', 'a=fmtp:102 mode=20'));
    const hasBoth = () => true;
    expect(label(negotiate({ offer: plain, localPrefs: [ilbc20], policy: 'generous', hasImplementation: hasBoth, ...LOCAL }), false)).toBe('iLBC@30');
    const r = negotiate({ offer: mode20, localPrefs: [ilbc20], policy: 'generous', ...LOCAL });
    expect(label(r, false)).toBe('iLBC@20');
    if (r.ok) {
      expect(r.audio.codec.match).toBe('exact');
      // the remote's fmtp names the payload format for iLBC and is echoed in the answer
      expect(r.answer.media[0]!.fmtps).toContainEqual({ pt: 102, params: 'mode=20' });
    }
  });

  it('ptime sanity: a=ptime:0 and a=ptime:100000 are ignored, never sized into a buffer', () => {
    for (const p of ['0', '100000', '5']) {
      const r = negotiate({ offer: parseSdp(M('0', `a=ptime:${p}`)), localPrefs: [PCMU], policy: 'generous', ...LOCAL });
      expect(label(r, false)).toBe('PCMU@20');
      if (r.ok) expect(r.audio.codec.remotePtime).toBeUndefined();
    }
  });
});

describe('opus (pain point 1)', () => {
  it('opus offered for 16 kHz (maxplaybackrate=16000, sprop-maxcapturerate=16000) matches local opus', () => {
    const offer = parseSdp(
      M('109 0', 'a=rtpmap:109 opus/48000/2', 'a=fmtp:109 maxplaybackrate=16000;sprop-maxcapturerate=16000;useinbandfec=1'),
    );
    for (const policy of ['generous', 'greedy', 'scrooge'] as const) {
      const r = negotiate({ offer, localPrefs: [OPUS, PCMU], policy, ...LOCAL });
      expect(r.ok).toBe(true);
      if (!r.ok) continue;
      expect(r.audio.codec).toMatchObject({ name: 'opus', pt: 109, clockRate: 48000, channels: 2, match: 'exact' });
      expect(r.audio.codec.fmtp).toContain('maxplaybackrate=16000');
    }
  });

  it('opus written with a non-48000 clock by a broken client still matches by name; answer says opus/48000/2', () => {
    const offer = parseSdp(M('96', 'a=rtpmap:96 OPUS/16000/1'));
    const r = negotiate({ offer, localPrefs: [{ name: 'opus', clockRate: 48000, ptime: 20 }], policy: 'generous', ...LOCAL });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.answer.media[0]!.rtpmaps[0]).toEqual({ pt: 96, encoding: 'opus', clockRate: 48000, channels: 2 });
  });

  it('answer carries our opus fmtp, never the offerer’s receive-side parameters', () => {
    const offer = parseSdp(M('111', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 maxplaybackrate=16000'));
    const plain = negotiate({ offer, localPrefs: [OPUS], policy: 'generous', ...LOCAL });
    expect(plain.ok && plain.answer.media[0]!.fmtps).toEqual([]);
    const withFmtp = negotiate({ offer, localPrefs: [{ ...OPUS, fmtp: 'useinbandfec=1' }], policy: 'generous', ...LOCAL });
    expect(withFmtp.ok && withFmtp.answer.media[0]!.fmtps).toEqual([{ pt: 111, params: 'useinbandfec=1' }]);
  });
});

describe('m= lines in the answer (RFC 3264 §6)', () => {
  const offer = parseSdp(
    [
      'v=0',
      'o=- 1 1 IN IP4 192.0.2.10',
      's=-',
      'c=IN IP4 192.0.2.10',
      't=0 0',
      'm=video 40002 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
      'm=audio 40004 RTP/SAVP 0',
      'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:xxxx',
      'm=audio 40000 RTP/AVP 0 8',
      'm=audio 40006 RTP/AVP 0',
      'm=application 0 UDP/BFCP *',
      '',
    ].join('\r\n'),
  );

  it('keeps the count and order, accepts the first usable audio line, rejects the rest with port 0', () => {
    const r = negotiate({ offer, localPrefs: [PCMA], policy: 'generous', ...LOCAL });
    if (!r.ok) throw new Error(r.detail);
    expect(r.answer.media.map((m) => `${m.type} ${m.port} ${m.proto} ${m.formats.join(' ')}`)).toEqual([
      'video 0 RTP/AVP 96',
      'audio 0 RTP/SAVP 0',
      'audio 30000 RTP/AVP 8 13',
      'audio 0 RTP/AVP 0',
      'application 0 UDP/BFCP *',
    ]);
    expect(r.audio.mediaIndex).toBe(2);
    expect(r.media.map((m) => m.accepted)).toEqual([false, false, true, false, false]);
    expect(r.audio.remote).toMatchObject({ address: '192.0.2.10', port: 40000, rtcpPort: 40001 });
  });

  it('a=rtcp-mux in the offer is not agreed (we do not answer it): RTCP stays on port+1', () => {
    const r = negotiate({ offer: parseSdp(M('0', 'a=rtcp-mux')), localPrefs: [PCMU], policy: 'generous', ...LOCAL });
    expect(r.ok && r.audio.remote).toMatchObject({ port: 40000, rtcpPort: 40001, rtcpMux: false });
    expect(r.ok && r.answer.media[0]!.attributes).toEqual([]);
  });

  it('an audio line without a common codec is skipped for a later one', () => {
    const o2 = parseSdp(audioOffer('m=audio 40000 RTP/AVP 111', ['a=rtpmap:111 opus/48000/2']).replace(/\r\n$/, '\r\nm=audio 40010 RTP/AVP 0\r\n'));
    const r = negotiate({ offer: o2, localPrefs: [PCMU], policy: 'generous', ...LOCAL });
    expect(r.ok && r.audio.mediaIndex).toBe(1);
    expect(r.ok && r.answer.media[0]!.port).toBe(0);
  });

  it('488 detail names what was offered and what we have', () => {
    const r = negotiate({ offer: parseSdp(M('3')), localPrefs: [PCMU], policy: 'generous', ...LOCAL });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).toMatch(/GSM\/8000.*PCMU@8000h@20i/);
    const video = negotiate({ offer: parseSdp(audioOffer('m=video 4000 RTP/AVP 31')), localPrefs: [PCMU], policy: 'generous', ...LOCAL });
    expect(!video.ok && video.detail).toMatch(/no usable audio stream/);
  });

  it('an IPv6 local address gives IN IP6 in o= and c=', () => {
    const r = negotiate({ offer: parseSdp(M('0')), localPrefs: [PCMU], policy: 'generous', ...LOCAL, localIp: '2001:db8::5' });
    expect(r.ok && r.answer.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::5' });
    expect(r.ok && r.answer.origin.addrType).toBe('IP6');
  });
});

describe('keepCodec: hold/unhold re-INVITEs do not change the codec (renegotiate-codec-on-hold=false)', () => {
  it('keeps the current codec while it is still offered, even when policy would pick another', () => {
    const first = negotiate({ offer: parseSdp(M('8 0')), localPrefs: [PCMU, PCMA], policy: 'generous', ...LOCAL });
    if (!first.ok) throw new Error(first.detail);
    expect(first.audio.codec.name).toBe('PCMA');
    const reoffer = parseSdp(M('0 8', 'a=sendonly'));
    const again = negotiate({ offer: reoffer, localPrefs: [PCMU, PCMA], policy: 'generous', keepCodec: first.audio.codec, ...LOCAL });
    expect(again.ok && again.audio.codec.name).toBe('PCMA');
    const without = negotiate({ offer: reoffer, localPrefs: [PCMU, PCMA], policy: 'generous', ...LOCAL });
    expect(without.ok && without.audio.codec.name).toBe('PCMU');
    const gone = negotiate({ offer: parseSdp(M('0')), localPrefs: [PCMU, PCMA], policy: 'generous', keepCodec: first.audio.codec, ...LOCAL });
    expect(gone.ok && gone.audio.codec.name).toBe('PCMU');
  });
});
