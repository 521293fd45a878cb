import { describe, expect, it } from 'vitest';
import { createCodec, defaultDescription, parseOpusFmtp } from '../../../src/codec/index';
import type { Codec, CodecDescription } from '../../../src/codec/types';
import { tone } from './test-signals';

function opusAt(rate: number, extra: Partial<CodecDescription> = {}, opts = {}): Codec {
  return createCodec({ ...defaultDescription('opus')!, sampleRate: rate, ...extra }, opts);
}

/** Amplitude of one frequency (Goertzel), normalised to a sine's peak. */
function level(a: Int16Array, rate: number, freq: number): number {
  const w = (2 * Math.PI * freq) / rate;
  let re = 0;
  let im = 0;
  for (let i = 0; i < a.length; i++) {
    re += a[i]! * Math.cos(w * i);
    im -= a[i]! * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / a.length;
}

/** Strongest frequency in a 0.1 s window: 50 Hz grid over 100..(rate/2 - 100), then 5 Hz around the peak. */
function peakFrequency(a: Int16Array, rate: number): number {
  const w = a.subarray(0, rate / 10);
  const scan = (from: number, to: number, step: number): number => {
    let best = 0;
    let bestF = from;
    for (let f = from; f <= to; f += step) {
      const l = level(w, rate, f);
      if (l > best) {
        best = l;
        bestF = f;
      }
    }
    return bestF;
  };
  const coarse = scan(100, rate / 2 - 100, 50);
  return scan(coarse - 50, coarse + 50, 5);
}

function roundTrip(c: Codec, x: Int16Array): { decoded: Int16Array; bytes: number[] } {
  const n = c.frameSamples;
  const decoded = new Int16Array(x.length);
  const pkt = new Uint8Array(1500);
  const frame = new Int16Array(5760);
  const bytes: number[] = [];
  for (let i = 0; i + n <= x.length; i += n) {
    const len = c.encode(x.subarray(i, i + n), pkt);
    bytes.push(len);
    const k = len > 0 ? c.decode(pkt.subarray(0, len), frame) : c.conceal(frame);
    expect(k).toBe(n);
    decoded.set(frame.subarray(0, k), i);
  }
  return { decoded, bytes };
}

describe('opus', () => {
  it.each([48000, 16000, 8000])('a 1 kHz tone at %i Hz keeps its frequency and level (±3 dB after warm-up)', (rate) => {
    const c = opusAt(rate);
    expect(c.frameSamples).toBe(rate / 50);
    const x = tone(rate, 1, 1000, 10000);
    const { decoded, bytes } = roundTrip(c, x);
    const steady = decoded.subarray(rate / 4, rate - rate / 10);
    expect(Math.abs(peakFrequency(steady, rate) - 1000)).toBeLessThanOrEqual(10);
    const gainDb = 20 * Math.log10(level(steady, rate, 1000) / 10000);
    expect(Math.abs(gainDb)).toBeLessThanOrEqual(3);
    // VBR around the default target: 32 kb/s at 48 kHz (80 B per 20 ms), 24 kb/s below
    const avg = bytes.reduce((a, b) => a + b, 0) / bytes.length;
    expect(avg).toBeGreaterThan(20);
    expect(avg).toBeLessThan(200);
    c.close();
    c.close();
  });

  it('stereo (@2c) round trip keeps both channels', () => {
    const c = opusAt(48000, { channels: 2 });
    const l = tone(48000, 0.5, 500, 8000);
    const r = tone(48000, 0.5, 1500, 8000);
    const x = new Int16Array(l.length * 2);
    for (let i = 0; i < l.length; i++) {
      x[2 * i] = l[i]!;
      x[2 * i + 1] = r[i]!;
    }
    const pkt = new Uint8Array(1500);
    const out = new Int16Array(5760 * 2);
    const left: number[] = [];
    const right: number[] = [];
    for (let i = 0; i + 1920 <= x.length; i += 1920) {
      const len = c.encode(x.subarray(i, i + 1920), pkt);
      const k = c.decode(pkt.subarray(0, len), out);
      expect(k).toBe(960);
      for (let j = 0; j < k; j++) {
        left.push(out[2 * j]!);
        right.push(out[2 * j + 1]!);
      }
    }
    const L = Int16Array.from(left.slice(4800));
    const R = Int16Array.from(right.slice(4800));
    expect(peakFrequency(L, 48000)).toBeCloseTo(500, -1);
    expect(peakFrequency(R, 48000)).toBeCloseTo(1500, -1);
    c.close();
  });

  it('malformed packets decode to 0 samples, never throw', () => {
    const c = opusAt(48000);
    const out = new Int16Array(960);
    expect(c.decode(new Uint8Array(0), out)).toBe(0);
    // TOC code 3 with a frame count of 0 is invalid (RFC 6716 §3.2.5)
    expect(c.decode(Uint8Array.of(0x03, 0x00), out)).toBe(0);
    expect(c.decode(new Uint8Array(5000), out)).toBe(0);
    // a 60 ms packet does not fit a 20 ms buffer
    const big = opusAt(48000, { ptime: 60 });
    const pkt = new Uint8Array(1500);
    const len = big.encode(tone(48000, 0.06, 440, 5000), pkt);
    expect(len).toBeGreaterThan(0);
    expect(c.decode(pkt.subarray(0, len), out)).toBe(0);
    expect(c.decode(pkt.subarray(0, len), new Int16Array(2880))).toBe(2880);
    c.close();
    big.close();
  });

  it('fmtp: useinbandfec, usedtx, maxaveragebitrate are parsed', () => {
    expect(parseOpusFmtp('useinbandfec=1; usedtx=1;maxaveragebitrate=20000')).toEqual({ useinbandfec: true, usedtx: true, cbr: false, maxaveragebitrate: 20000 });
    expect(parseOpusFmtp('minptime=10;useinbandfec=0')).toEqual({ useinbandfec: false, usedtx: false, cbr: false });
    expect(parseOpusFmtp(undefined).useinbandfec).toBe(false);
  });

  it('usedtx=1: silence stops costing packets (encode returns 0 = nothing to send)', () => {
    const dtx = opusAt(16000, { fmtp: 'usedtx=1' });
    const plain = opusAt(16000);
    const silence = new Int16Array(320);
    const pkt = new Uint8Array(1500);
    let dtxSent = 0;
    let plainSent = 0;
    for (let i = 0; i < 50; i++) {
      if (dtx.encode(silence, pkt) > 0) dtxSent++;
      if (plain.encode(silence, pkt) > 0) plainSent++;
    }
    expect(plainSent).toBe(50);
    expect(dtxSent).toBeLessThan(25);
    dtx.close();
    plain.close();
  });

  it('useinbandfec=1: a lost frame is rebuilt from the next packet better than by PLC', () => {
    const rate = 16000;
    const x = tone(rate, 1, 600, 9000);
    const n = 320;
    const lost = 30; // frame index dropped
    const run = (useFec: boolean): number => {
      const c = opusAt(rate, { fmtp: 'useinbandfec=1' }, { bitrate: 24000 });
      const pkts: Uint8Array[] = [];
      const buf = new Uint8Array(1500);
      for (let i = 0; i + n <= x.length; i += n) {
        const len = c.encode(x.subarray(i, i + n), buf);
        pkts.push(buf.slice(0, len));
      }
      const out = new Int16Array(n);
      let err = 0;
      let sig = 0;
      for (let f = 0; f < pkts.length; f++) {
        if (f === lost) {
          const k = useFec ? c.recover!(pkts[f + 1]!, out) : c.conceal(out);
          expect(k).toBe(n);
          // compare with what decoding the real packet gives (codec delay included)
          const ref = opusAt(rate, { fmtp: 'useinbandfec=1' }, { bitrate: 24000 });
          const r = new Int16Array(n);
          for (let g = 0; g <= f; g++) ref.decode(pkts[g]!, r);
          for (let i = 0; i < n; i++) {
            err += (out[i]! - r[i]!) ** 2;
            sig += r[i]! ** 2;
          }
          ref.close();
        } else {
          c.decode(pkts[f]!, out);
        }
      }
      c.close();
      return 10 * Math.log10(sig / Math.max(err, 1));
    };
    const fec = run(true);
    const plc = run(false);
    console.log(`opus lost-frame SNR: FEC ${fec.toFixed(1)} dB, PLC ${plc.toFixed(1)} dB`);
    expect(fec).toBeGreaterThan(plc);
    expect(fec).toBeGreaterThan(3);
  });

  it('complexity and bitrate options are applied', () => {
    const lo = createCodec(defaultDescription('opus')!, { bitrate: 12000 });
    const hi = createCodec(defaultDescription('opus')!, { bitrate: 64000 });
    const x = tone(48000, 0.5, 1000, 8000);
    const sum = (c: Codec): number => roundTrip(c, x).bytes.reduce((a, b) => a + b, 0);
    expect(sum(hi)).toBeGreaterThan(sum(lo) * 2);
    expect(() => createCodec({ ...defaultDescription('opus')!, sampleRate: 44100 })).toThrow();
    expect(() => lo.encode(new Int16Array(100), new Uint8Array(1500))).toThrow(TypeError);
    lo.close();
    hi.close();
  });
});
