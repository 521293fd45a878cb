import { describe, expect, it } from 'vitest';
import {
  bumpOriginVersion,
  mediaConnection,
  mediaDirection,
  nextSdpVersion,
  offeredFormats,
  parseSdp,
  parseSdpDetailed,
  remotePtime,
  serializeSdp,
} from '../../../src/sdp';
import { sdpText } from './helpers';

// RFC 4566 §5 example, extended with a few things real phones send.
const RFC_EXAMPLE = sdpText([
  'v=0',
  'o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5',
  's=SDP Seminar',
  'i=A Seminar on the session description protocol',
  'u=http://www.example.com/seminars/sdp.pdf',
  'e=j.doe@example.com (Jane Doe)',
  'c=IN IP4 224.2.17.12/127',
  't=2873397496 2873404696',
  'a=recvonly',
  'm=audio 49170 RTP/AVP 0',
  'm=video 51372 RTP/AVP 99',
  'a=rtpmap:99 h263-1998/90000',
]);

const PHONE = sdpText([
  'v=0',
  'o=- 3912345678 3912345679 IN IP4 192.168.1.20',
  's=pjmedia',
  'b=AS:84',
  't=0 0',
  'a=X-nat:0',
  'm=audio 4000 RTP/AVP 96 9 8 0 101 13',
  'c=IN IP4 192.168.1.20',
  'b=TIAS:64000',
  'a=rtcp:4001 IN IP4 192.168.1.20',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1;maxplaybackrate=16000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:60',
  'a=sendrecv',
  'a=ssrc:12345 cname:abc',
]);

describe('parseSdp: model', () => {
  it('parses the RFC 4566 §5 example', () => {
    const s = parseSdp(RFC_EXAMPLE);
    expect(s.origin).toEqual({ username: 'jdoe', sessionId: '2890844526', sessionVersion: '2890842807', netType: 'IN', addrType: 'IP4', address: '10.47.16.5' });
    expect(s.sessionName).toBe('SDP Seminar');
    expect(s.info).toBe('A Seminar on the session description protocol');
    expect(s.uri).toBe('http://www.example.com/seminars/sdp.pdf');
    expect(s.emails).toEqual(['j.doe@example.com (Jane Doe)']);
    expect(s.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '224.2.17.12', ttl: 127 });
    expect(s.times).toEqual([{ start: '2873397496', stop: '2873404696', repeats: [] }]);
    expect(s.direction).toBe('recvonly');
    expect(s.media.map((m) => [m.type, m.port, m.proto, m.formats])).toEqual([
      ['audio', 49170, 'RTP/AVP', ['0']],
      ['video', 51372, 'RTP/AVP', ['99']],
    ]);
    expect(s.media[1]!.rtpmaps).toEqual([{ pt: 99, encoding: 'h263-1998', clockRate: 90000 }]);
    // session-level direction applies to media without their own
    expect(mediaDirection(s, s.media[0]!)).toBe('recvonly');
  });

  it('parses a typical phone offer: media c=, b=, rtcp, fmtp, ptime, maxptime, direction, other attributes', () => {
    const s = parseSdp(PHONE);
    const m = s.media[0]!;
    expect(s.bandwidths).toEqual([{ type: 'AS', value: 84 }]);
    expect(s.attributes).toEqual([{ name: 'X-nat', value: '0' }]);
    expect(s.connection).toBeUndefined();
    expect(mediaConnection(s, m)?.address).toBe('192.168.1.20');
    expect(m.bandwidths).toEqual([{ type: 'TIAS', value: 64000 }]);
    expect(m.rtcp).toEqual({ port: 4001, connection: { netType: 'IN', addrType: 'IP4', address: '192.168.1.20' } });
    expect(m.fmtps).toEqual([
      { pt: 96, params: 'useinbandfec=1;maxplaybackrate=16000' },
      { pt: 101, params: '0-16' },
    ]);
    expect(m.ptime).toBe(20);
    expect(m.maxptime).toBe(60);
    expect(m.direction).toBe('sendrecv');
    expect(m.attributes).toEqual([{ name: 'ssrc', value: '12345 cname:abc' }]);
    // static PTs without rtpmap (8, 0, 13) resolve through the RFC 3551 table
    expect(offeredFormats(m).map((f) => `${f.pt}:${f.encoding}/${f.clockRate}/${f.channels}`)).toEqual([
      '96:opus/48000/2',
      '9:G722/8000/1',
      '8:PCMA/8000/1',
      '0:PCMU/8000/1',
      '101:telephone-event/8000/1',
      '13:CN/8000/1',
    ]);
  });

  it('IPv6 connection (no brackets), IPv4-mapped IPv6, audio on v4 and video on v6 without session c=', () => {
    const s = parseSdp(
      sdpText([
        'v=0',
        'o=- 1 1 IN IP6 2001:db8::1',
        's=-',
        't=0 0',
        'm=audio 5000 RTP/AVP 0',
        'c=IN IP4 192.0.2.1',
        'm=video 5002 RTP/AVP 31',
        'c=IN IP6 ::ffff:192.0.2.7',
      ]),
    );
    expect(s.origin.addrType).toBe('IP6');
    expect(s.media[0]!.connection).toEqual({ netType: 'IN', addrType: 'IP4', address: '192.0.2.1' });
    expect(s.media[1]!.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '::ffff:192.0.2.7' });
  });

  it('old-style hold c=IN IP4 0.0.0.0 is valid', () => {
    const s = parseSdp(sdpText(['v=0', 'o=- 1 2 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 5000 RTP/AVP 0']));
    expect(s.connection?.address).toBe('0.0.0.0');
  });

  it('accepts bare LF, a last line without line end, blank lines, and a missing t= (taken as t=0 0)', () => {
    const s = parseSdp('v=0\no=- 1 1 IN IP4 192.0.2.1\n\ns=x\nc=IN IP4 192.0.2.1\nm=audio 5000 RTP/AVP 0\na=ptime:30');
    expect(s.times).toEqual([{ start: '0', stop: '0', repeats: [] }]);
    expect(s.media[0]!.ptime).toBe(30);
  });

  it('session-level a=ptime counts as the remote ptime when the media has none (§3.3)', () => {
    const s = parseSdp(sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'a=ptime:40', 'm=audio 5000 RTP/AVP 0']));
    expect(remotePtime(s, s.media[0]!)).toBe(40);
  });

  it('ptime is capped by maxptime', () => {
    const s = parseSdp(sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 5000 RTP/AVP 0', 'a=ptime:60', 'a=maxptime:40']));
    expect(remotePtime(s, s.media[0]!)).toBe(40);
  });

  it('reports what it ignored: unknown letters, bad b=, duplicate rtpmap (first wins)', () => {
    const r = parseSdpDetailed(
      sdpText([
        'v=0',
        'o=- 1 1 IN IP4 192.0.2.1',
        's=-',
        'c=IN IP4 192.0.2.1',
        'b=AS:abc',
        'x=whatever',
        't=0 0',
        'm=audio 5000 RTP/AVP 96',
        'a=rtpmap:96 opus/48000/2',
        'a=rtpmap:96 telephone-event/8000',
      ]),
    );
    expect(r.sdp.bandwidths).toEqual([]);
    expect(r.sdp.media[0]!.rtpmaps).toEqual([{ pt: 96, encoding: 'opus', clockRate: 48000, channels: 2 }]);
    expect(r.ignored).toHaveLength(3);
  });
});

describe('serializeSdp: deterministic and round-tripping', () => {
  for (const [name, text] of [
    ['RFC example', RFC_EXAMPLE],
    ['phone offer', PHONE],
  ] as const) {
    it(`${name}: parse(serialize(parse(x))) deep-equals parse(x), and serialization is a fixpoint`, () => {
      const a = parseSdp(text);
      const out = serializeSdp(a);
      const b = parseSdp(out);
      expect(b).toEqual(a);
      expect(serializeSdp(b)).toBe(out);
      expect(out.endsWith('\r\n')).toBe(true);
      expect(out.includes('\n\n')).toBe(false);
    });
  }

  it('puts rtpmap/fmtp in m= format order even when received in another order', () => {
    const s = parseSdp(
      sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 5000 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'a=rtpmap:0 PCMU/8000']),
    );
    expect(serializeSdp(s)).toContain('a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n');
  });

  it('refuses a model whose text fields would inject lines', () => {
    const s = parseSdp(PHONE);
    s.sessionName = 'x\r\na=evil';
    expect(() => serializeSdp(s)).toThrowError(/invalid SDP model/);
    const t = parseSdp(PHONE);
    t.media[0]!.port = 70000;
    expect(() => serializeSdp(t)).toThrowError(/out of range/);
  });

  it('names the field of the first bad line, for every kind of line break or NUL, wherever it sits in the field', () => {
    const cases: Array<[string, (s: ReturnType<typeof parseSdp>, v: string) => void]> = [
      ['s=', (s, v) => (s.sessionName = v)],
      ['o=', (s, v) => (s.origin.username = v)],
      ['attribute', (s, v) => s.media[0]!.attributes.push({ name: 'x', value: v })],
      ['fmtp', (s, v) => s.media[0]!.fmtps.push({ pt: 0, params: v })],
      ['rtpmap', (s, v) => (s.media[0]!.rtpmaps[0]!.encoding = v)],
      ['m=', (s, v) => (s.media[0]!.proto = v)],
    ];
    for (const [what, set] of cases) {
      for (const bad of ['a\r\nb', '\r\n', 'a\r', '\ra', 'a\n', '\na', 'a\n\rb', 'a\0b', '\r\r\n', 'a\r\n\r\n']) {
        const s = parseSdp(PHONE);
        set(s, bad);
        expect(() => serializeSdp(s), `${what} ${JSON.stringify(bad)}`).toThrowError(`invalid SDP model: ${what} contains a line break or NUL`);
      }
    }
    // The first bad line wins, a bad line before a bad number too.
    const s = parseSdp(PHONE);
    s.sessionName = 'x\n';
    s.media[0]!.port = 70000;
    expect(() => serializeSdp(s)).toThrowError('invalid SDP model: s= contains a line break or NUL');
    const t = parseSdp(PHONE);
    t.media[0]!.port = 70000;
    t.media[0]!.attributes.push({ name: 'x', value: 'y\r\n' });
    expect(() => serializeSdp(t)).toThrowError('invalid SDP model: m= port out of range');
    // And a good model serializes after a refused one (no state left behind).
    expect(serializeSdp(parseSdp(PHONE))).toBe(serializeSdp(parseSdp(serializeSdp(parseSdp(PHONE)))));
  });
});

describe('origin version (RFC 3264 §8)', () => {
  it('bumpOriginVersion adds one, beyond 2^53 too, without touching the input', () => {
    const s = parseSdp(PHONE);
    expect(bumpOriginVersion(s).origin.sessionVersion).toBe('3912345680');
    expect(s.origin.sessionVersion).toBe('3912345679');
    s.origin.sessionVersion = '18446744073709551615';
    expect(bumpOriginVersion(s).origin.sessionVersion).toBe('18446744073709551616');
  });

  it('nextSdpVersion keeps the version when nothing changed and bumps it when something did', () => {
    const prev = parseSdp(PHONE);
    const same = parseSdp(PHONE);
    same.origin.sessionVersion = '1'; // whatever the builder put, the previous o= continues
    expect(nextSdpVersion(prev, same).origin.sessionVersion).toBe('3912345679');
    const changed = parseSdp(PHONE);
    changed.media[0]!.direction = 'sendonly';
    const next = nextSdpVersion(prev, changed);
    expect(next.origin.sessionVersion).toBe('3912345680');
    expect(next.origin.sessionId).toBe(prev.origin.sessionId);
    expect(nextSdpVersion(undefined, changed).origin.sessionVersion).toBe('3912345679');
  });
});
