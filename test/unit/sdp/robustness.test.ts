/**
 * Hostile and broken SDP (security.md rows for CVE-2018-1000098/1000099, CVE-2022-31003,
 * CVE-2023-27600, CVE-2026-46334, CVE-2026-41416, OSV-2024-1230/1244, GHSA-gjj5-79p2-9g3q):
 * a typed SDP_PARSE error or an ignored line, fast, never anything else.
 */
import { describe, expect, it } from 'vitest';
import { isStrowgerError } from '../../../src/util/errors';
import { negotiate, parseSdp, serializeSdp } from '../../../src/sdp';
import { audioOffer, LOCAL, PCMA, PCMU, sdpText } from './helpers';

const HEAD = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];

function expectSdpParseError(input: string | Uint8Array): void {
  let err: unknown;
  try {
    parseSdp(input);
  } catch (e) {
    err = e;
  }
  expect(isStrowgerError(err, 'SDP_PARSE'), `expected SDP_PARSE for ${JSON.stringify(String(input).slice(0, 80))}, got ${String(err)}`).toBe(true);
}

describe('fatal input ⇒ StrowgerError SDP_PARSE', () => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['garbage', 'hello world\r\n'],
    ['binary noise', '\u0001\u0002\u0003\u00ff'],
    ['v= not first', sdpText(['o=- 1 1 IN IP4 192.0.2.1', 'v=0', 's=-'])],
    ['v=1', sdpText(['v=1', 'o=- 1 1 IN IP4 192.0.2.1', 's=-'])],
    ['missing o=', sdpText(['v=0', 's=-', 't=0 0'])],
    ['missing s=', sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 't=0 0'])],
    ['o= with 5 fields', sdpText(['v=0', 'o=- 1 IN IP4 192.0.2.1', 's=-'])],
    ['o= with letters in version', sdpText(['v=0', 'o=- 1 x1 IN IP4 192.0.2.1', 's=-'])],
    ['o= with bad address', sdpText(['v=0', 'o=- 1 1 IN IP4 300.1.1.1.1', 's=-'])],
    ['last line a single char', sdpText([...HEAD]) + 'm'],
    ['line without =', sdpText([...HEAD, 'm audio 5000 RTP/AVP 0'])],
    ['NUL inside attribute (CVE-2018-1000099)', sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0 101', 'a=fmtp\u0000:101 0-16'])],
    ['PT 4294967296 (CVE-2018-1000098)', sdpText([...HEAD, 'm=audio 17002 RTP/AVP 4294967296'])],
    ['PT 128', sdpText([...HEAD, 'm=audio 17002 RTP/AVP 128'])],
    ['PT -1', sdpText([...HEAD, 'm=audio 17002 RTP/AVP -1'])],
    ['PT non-numeric', sdpText([...HEAD, 'm=audio 17002 RTP/AVP PCMU'])],
    ['port 65536', sdpText([...HEAD, 'm=audio 65536 RTP/AVP 0'])],
    ['port with 6 digits', sdpText([...HEAD, 'm=audio 100000 RTP/AVP 0'])],
    ['port with sign', sdpText([...HEAD, 'm=audio +5000 RTP/AVP 0'])],
    ['port with leading zeros', sdpText([...HEAD, 'm=audio 05000 RTP/AVP 0'])],
    ['m= without formats', sdpText([...HEAD, 'm=audio 5000 RTP/AVP'])],
    ['m= with two fields', sdpText([...HEAD, 'm=audio 5000'])],
    ['c= with brackets', sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP6 [2001:db8::1]', 't=0 0'])],
    ['c= IP4 with IPv6 address', sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 2001:db8::1', 't=0 0'])],
    ['c= unknown addrtype', sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IPX 1.2.3.4', 't=0 0'])],
    ['c= missing address', sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4', 't=0 0'])],
    ['media without any connection', sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0'])],
    ['o= inside media', sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0', 'o=- 2 2 IN IP4 192.0.2.1'])],
    ['t= with letters', sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=now later'])],
  ];
  for (const [name, text] of cases) it(name, () => expectSdpParseError(text));

  it('body larger than the limit, as string and as bytes, rejected before scanning', () => {
    const big = sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0', ...Array.from({ length: 5000 }, () => 'a=x-filler:' + 'y'.repeat(20))]);
    expect(big.length).toBeGreaterThan(64 * 1024);
    expectSdpParseError(big);
    expectSdpParseError(Buffer.from(big));
  });

  it('one huge line (1 MB) is rejected fast', () => {
    const huge = sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0', 'a=x:' + 'z'.repeat(1_000_000)]);
    const t0 = performance.now();
    expect(() => parseSdp(huge, { maxBytes: 2_000_000 })).toThrowError(/longer than/);
    expect(performance.now() - t0).toBeLessThan(200);
  });

  it('too many m= sections, formats or attributes', () => {
    expectSdpParseError(sdpText([...HEAD, ...Array.from({ length: 17 }, (_, i) => `m=audio ${5000 + 2 * i} RTP/AVP 0`)]));
    expect(() => parseSdp(sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0 8 9']), { maxFormats: 2 })).toThrowError(/formats/);
    expect(() => parseSdp(sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0', 'a=x', 'a=y', 'a=z']), { maxAttributes: 2 })).toThrowError(/attributes/);
  });
});

describe('tolerated input: line ignored, SDP still usable', () => {
  it('malformed b= lines (CVE-2026-46334): b=AS, b=:, b=AS:abc, b=AS:-1', () => {
    const s = parseSdp(sdpText([...HEAD.slice(0, 4), 'b=AS', 'b=:', 'b=AS:abc', 'b=AS:-1', 'b=AS:64', 't=0 0', 'm=audio 5000 RTP/AVP 0']));
    expect(s.bandwidths).toEqual([{ type: 'AS', value: 64 }]);
  });

  it('truncated a=rtpmap: / a=fmtp: at the end of the body (OSV-2024-1230/1244), no final CRLF', () => {
    for (const tail of ['a=rtpmap:', 'a=rtpmap:96', 'a=rtpmap:96 ', 'a=rtpmap:96 opus', 'a=rtpmap:96 opus/', 'a=fmtp:', 'a=fmtp:x', 'a=ptime:', 'a=ptime:abc', 'a=rtcp:', 'a=rtcp:99999']) {
      const s = parseSdp(sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0 96']) + tail);
      expect(s.media[0]!.rtpmaps).toEqual([]);
      expect(s.media[0]!.fmtps).toEqual([]);
      expect(s.media[0]!.ptime).toBeUndefined();
    }
  });

  it('an offer whose last line has no line end still negotiates and serialises well-formed (CVE-2023-27600)', () => {
    const text = sdpText([...HEAD, 'm=audio 5000 RTP/AVP 8 0']).replace(/\r\n$/, '') + '\r\na=rtpmap:0 PCMU/8000';
    const r = negotiate({ offer: parseSdp(text), localPrefs: [PCMU], policy: 'generous', ...LOCAL });
    expect(r.ok).toBe(true);
    if (r.ok) expect(serializeSdp(r.answer).split('\r\n').every((l) => l === '' || l[1] === '=')).toBe(true);
  });

  it('50 rtpmaps for one codec on different PTs plus a repeated PT (GHSA-gjj5-79p2-9g3q): one answer, bounded', () => {
    const pts = Array.from({ length: 30 }, (_, i) => 96 + i);
    const attrs = [...pts.map((pt) => `a=rtpmap:${pt} PCMA/8000`), ...pts.slice(0, 20).map((pt) => `a=rtpmap:${pt} PCMA/8000`)];
    const offer = parseSdp(audioOffer(`m=audio 5000 RTP/AVP ${pts.join(' ')} 96 8`, attrs));
    const t0 = performance.now();
    const r = negotiate({ offer, localPrefs: [PCMU, PCMA], policy: 'generous', ...LOCAL });
    expect(performance.now() - t0).toBeLessThan(50);
    // dynamic PCMA entries never match static-class PCMA (§3.3); static PT 8 does
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.audio.codec).toMatchObject({ name: 'PCMA', pt: 8 });
      expect(r.answer.media[0]!.formats).toEqual(['8', '13']);
    }
  });

  it('ICE candidates with odd component IDs are just kept as attributes', () => {
    const s = parseSdp(sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0', 'a=candidate:1 0 UDP 1 192.0.2.1 5000 typ host', 'a=candidate:1 4294967296 UDP 1 192.0.2.1 5000 typ host']));
    expect(s.media[0]!.attributes.filter((a) => a.name === 'candidate')).toHaveLength(2);
  });

  it('random mutations of a valid SDP: only SDP_PARSE errors, and what parses round-trips (bounded fuzz)', () => {
    const base = sdpText([...HEAD, 'm=audio 5000 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendonly']);
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = ' =:/\r\n\u0000aAmvc0123456789-.;';
    const t0 = performance.now();
    for (let i = 0; i < 3000; i++) {
      const chars = base.split('');
      const edits = 1 + rnd(4);
      for (let e = 0; e < edits; e++) {
        const pos = rnd(chars.length);
        const op = rnd(3);
        if (op === 0) chars.splice(pos, 1);
        else if (op === 1) chars.splice(pos, 0, alphabet[rnd(alphabet.length)]!);
        else chars[pos] = alphabet[rnd(alphabet.length)]!;
      }
      const text = chars.join('');
      try {
        const s = parseSdp(text);
        const r = negotiate({ offer: s, localPrefs: [PCMU, PCMA], policy: 'generous', ...LOCAL });
        if (r.ok) parseSdp(serializeSdp(r.answer));
        // whatever parses must round-trip through the serializer
        expect(parseSdp(serializeSdp(s))).toEqual(s);
      } catch (e) {
        if (!isStrowgerError(e, 'SDP_PARSE')) throw new Error(`unexpected ${String(e)} for ${JSON.stringify(text)}`);
      }
    }
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
