import { describe, expect, it } from 'vitest';
import {
  buildRtpPacket,
  parseRtpHeader,
  readCsrc,
  rewriteRtpHeader,
  RtpHeader,
  RtpParseError,
  seqDiff,
  tsDiff,
} from '../../../src/media/rtp-packet';

function parse(buf: Uint8Array): { code: number; h: RtpHeader } {
  const h = new RtpHeader();
  return { code: parseRtpHeader(buf, buf.length, h), h };
}

describe('RTP header (RFC 3550 §5.1)', () => {
  it('round-trips a plain header', () => {
    const payload = new Uint8Array([1, 2, 3, 4, 5]);
    const buf = buildRtpPacket({ payloadType: 96, sequenceNumber: 0xfffe, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, marker: true }, payload);
    expect(buf.length).toBe(12 + 5);
    expect(buf[0]).toBe(0x80);
    const { code, h } = parse(buf);
    expect(code).toBe(RtpParseError.OK);
    expect(h.marker).toBe(true);
    expect(h.payloadType).toBe(96);
    expect(h.sequenceNumber).toBe(0xfffe);
    expect(h.timestamp).toBe(0xfffffff0);
    expect(h.ssrc).toBe(0xdeadbeef);
    expect(h.payloadOffset).toBe(12);
    expect(h.payloadLength).toBe(5);
    expect([...buf.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)]).toEqual([1, 2, 3, 4, 5]);
  });

  it('round-trips CSRCs, a header extension and padding together', () => {
    const ext = new Uint8Array([0x10, 0xaa, 0xbb, 0x00, 1, 2, 3, 4]);
    const buf = buildRtpPacket(
      { payloadType: 0, sequenceNumber: 7, timestamp: 160, ssrc: 1, csrcs: [0x01020304, 0xfffffffe, 9], extension: { profile: 0xbede, data: ext } },
      new Uint8Array([9, 8, 7]),
      5,
    );
    const { code, h } = parse(buf);
    expect(code).toBe(RtpParseError.OK);
    expect(h.csrcCount).toBe(3);
    expect([0, 1, 2].map((i) => readCsrc(buf, i))).toEqual([0x01020304, 0xfffffffe, 9]);
    expect(h.extension).toBe(true);
    expect(h.extensionProfile).toBe(0xbede);
    expect(h.extensionOffset).toBe(12 + 12 + 4);
    expect(h.extensionLength).toBe(8);
    expect([...buf.subarray(h.extensionOffset, h.extensionOffset + h.extensionLength)]).toEqual([...ext]);
    expect(h.padding).toBe(true);
    expect(h.paddingLength).toBe(5);
    expect(h.payloadOffset).toBe(12 + 12 + 4 + 8);
    expect(h.payloadLength).toBe(3);
    expect([...buf.subarray(h.payloadOffset, h.payloadOffset + 3)]).toEqual([9, 8, 7]);
    expect(buf.length).toBe(12 + 12 + 12 + 3 + 5);
  });

  it('rewrites PT, marker, seq, ts and SSRC in place without touching the rest', () => {
    const buf = buildRtpPacket({ payloadType: 111, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrcs: [42] }, new Uint8Array([5, 6]));
    rewriteRtpHeader(buf, 96, true, 65535, 0xffffffff, 0xcafebabe);
    const { code, h } = parse(buf);
    expect(code).toBe(0);
    expect([h.payloadType, h.marker, h.sequenceNumber, h.timestamp, h.ssrc]).toEqual([96, true, 65535, 0xffffffff, 0xcafebabe]);
    expect(readCsrc(buf, 0)).toBe(42);
    expect([...buf.subarray(h.payloadOffset)]).toEqual([5, 6]);
  });

  describe('malformed packets return a reason, never throw', () => {
    const good = buildRtpPacket({ payloadType: 0, sequenceNumber: 1, timestamp: 1, ssrc: 1 }, new Uint8Array(4));
    const cases: [string, Uint8Array, number][] = [
      ['empty', new Uint8Array(0), RtpParseError.TOO_SHORT],
      ['11 bytes', good.subarray(0, 11), RtpParseError.TOO_SHORT],
      ['version 0', Uint8Array.from([0x00, ...good.subarray(1)]), RtpParseError.BAD_VERSION],
      ['version 1', Uint8Array.from([0x40, ...good.subarray(1)]), RtpParseError.BAD_VERSION],
      ['version 3', Uint8Array.from([0xc0, ...good.subarray(1)]), RtpParseError.BAD_VERSION],
      ['CC=15 in 16 bytes', Uint8Array.from([0x8f, ...good.subarray(1)]), RtpParseError.BAD_CSRC],
      ['X set, no room for ext header', Uint8Array.from([0x90, ...good.subarray(1, 12), 0xbe]), RtpParseError.BAD_EXTENSION],
      ['X set, ext length past end', Uint8Array.from([0x90, ...good.subarray(1, 12), 0xbe, 0xde, 0x00, 0x05, 1, 2, 3, 4]), RtpParseError.BAD_EXTENSION],
      ['P set, count 0', Uint8Array.from([0xa0, ...good.subarray(1, 15), 0]), RtpParseError.BAD_PADDING],
      ['P set, count > rest', Uint8Array.from([0xa0, ...good.subarray(1, 15), 9]), RtpParseError.BAD_PADDING],
      ['P set, header only, count 1', Uint8Array.from([0xa0, ...good.subarray(1, 12)]), RtpParseError.BAD_PADDING],
    ];
    for (const [name, buf, want] of cases) {
      it(name, () => {
        const h = new RtpHeader();
        expect(parseRtpHeader(buf, buf.length, h)).toBe(want);
      });
    }

    it('random garbage never throws and never yields a payload outside the datagram', () => {
      let seed = 12345;
      const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
      const h = new RtpHeader();
      let ok = 0;
      for (let i = 0; i < 5000; i++) {
        const len = Math.floor(rnd() * 80);
        const b = new Uint8Array(len);
        for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
        if (len > 0) b[0] = (b[0]! & 0x3f) | 0x80; // mostly version 2 to exercise the deeper checks
        const code = parseRtpHeader(b, len, h);
        if (code === 0) {
          ok++;
          expect(h.payloadOffset + h.payloadLength + h.paddingLength).toBe(len);
          expect(h.payloadLength).toBeGreaterThanOrEqual(0);
        }
      }
      expect(ok).toBeGreaterThan(100);
    });
  });

  it('serial arithmetic for seq and ts', () => {
    expect(seqDiff(0, 65535)).toBe(1);
    expect(seqDiff(65535, 0)).toBe(-1);
    expect(seqDiff(100, 50)).toBe(50);
    expect(tsDiff(5, 0xfffffffb)).toBe(10);
    expect(tsDiff(0xfffffffb, 5)).toBe(-10);
  });
});
