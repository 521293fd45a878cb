import { describe, expect, it } from 'vitest';
import { createResampler, Resampler } from '../../../src/codec/resampler';
import { tone } from './test-signals';

function run(r: Resampler, input: Int16Array, frame: number): Int16Array {
  const out = new Int16Array(r.outputLength(input.length) + 8);
  const tmp = new Int16Array(r.outputLength(frame) + 8);
  let o = 0;
  for (let i = 0; i < input.length; i += frame) {
    const k = r.process(input.subarray(i, i + frame), tmp);
    out.set(tmp.subarray(0, k), o);
    o += k;
  }
  return out.subarray(0, o);
}

const rms = (a: ArrayLike<number>, from = 0, to = a.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s / (to - from));
};
const db = (x: number): number => 20 * Math.log10(x);

/** Amplitude of one frequency (Goertzel), normalised to a sine's peak. */
function level(a: Int16Array, rate: number, freq: number, from: number, to: number): number {
  const w = (2 * Math.PI * freq) / rate;
  let re = 0;
  let im = 0;
  for (let i = from; i < to; i++) {
    re += a[i]! * Math.cos(w * i);
    im -= a[i]! * Math.sin(w * i);
  }
  return (2 * Math.hypot(re, im)) / (to - from);
}

/** SNR of y against x after a round trip with total delay d (samples at x's rate). */
function roundTripSnr(x: Int16Array, y: Int16Array, d: number): number {
  let sig = 0;
  let err = 0;
  for (let i = 400; i < x.length - 400; i++) {
    const e = y[i + d]! - x[i]!;
    sig += x[i]! * x[i]!;
    err += e * e;
  }
  return 10 * Math.log10(sig / err);
}

describe('resampler', () => {
  it.each([
    [8000, 16000],
    [16000, 48000],
    [8000, 48000],
  ])('1 kHz tone %i -> %i -> back: SNR >= 40 dB after removing the (integer) delay', (low, high) => {
    const up = createResampler(low, high);
    const down = createResampler(high, low);
    const x = tone(low, 1, 1000, 12000);
    const y = run(down, run(up, x, (low / 1000) * 20), (high / 1000) * 20);
    const delay = (up.delay * low) / high + down.delay; // in low-rate samples
    expect(Number.isInteger(delay)).toBe(true);
    const snr = roundTripSnr(x, y, delay);
    expect(snr).toBeGreaterThanOrEqual(40);
    // and the alignment is really where the delay says: one sample off is much worse
    expect(roundTripSnr(x, y, delay + 1)).toBeLessThan(snr - 10);
    up.close();
    down.close();
  });

  it.each([
    [16000, 8000, 6000],
    [16000, 8000, 4600],
    [48000, 16000, 20000],
    [48000, 16000, 9500],
    [48000, 8000, 5000],
    [48000, 8000, 12000],
  ])('%i -> %i: a %i Hz tone (above the target Nyquist) is attenuated >= 40 dB', (from, to, f) => {
    const r = createResampler(from, to);
    const x = tone(from, 0.5, f, 20000);
    const y = run(r, x, (from / 1000) * 20);
    const att = db(rms(x, 1000, x.length - 1000) / Math.max(rms(y, 200, y.length - 200), 1e-9));
    expect(att).toBeGreaterThanOrEqual(40);
    r.close();
  });

  it.each([
    [8000, 16000],
    [16000, 48000],
    [8000, 48000],
  ])('%i -> %i: images of a 1 kHz tone are >= 40 dB down, the tone itself within 0.1 dB', (from, to) => {
    const r = createResampler(from, to);
    const x = tone(from, 0.5, 1000, 16000);
    const y = run(r, x, (from / 1000) * 20);
    const a = y.length / 4;
    const b = (3 * y.length) / 4;
    const main = level(y, to, 1000, a, b);
    expect(Math.abs(db(main / 16000))).toBeLessThan(0.1);
    for (let k = from; k < to / 2 + 1; k += from) {
      for (const image of [k - 1000, k + 1000]) {
        if (image < to / 2) expect(db(main / level(y, to, image, a, b))).toBeGreaterThanOrEqual(40);
      }
    }
    r.close();
  });

  it('pass band: 3 kHz at 8 kHz -> 16 kHz keeps its level within 0.2 dB', () => {
    const r = createResampler(8000, 16000);
    const y = run(r, tone(8000, 0.5, 3000, 16000), 160);
    expect(Math.abs(db(level(y, 16000, 3000, 2000, 6000) / 16000))).toBeLessThan(0.2);
  });

  it.each([
    [8000, 16000, 160],
    [16000, 8000, 320],
    [48000, 16000, 960],
    [16000, 48000, 320],
    [48000, 8000, 960],
    [8000, 48000, 160],
  ])('%i -> %i: 20 ms frames (and odd-sized chunks) give exactly the one-block output', (from, to, frame) => {
    const x = tone(from, 0.3, 700, 20000);
    const block = run(createResampler(from, to), x, x.length);
    expect(Buffer.compare(Buffer.from(run(createResampler(from, to), x, frame).buffer), Buffer.from(block.buffer))).toBe(0);
    // chunks that are not multiples of the ratio keep the decimation phase right too
    const odd = run(createResampler(from, to), x, 97);
    expect(odd.length).toBe(block.length);
    expect(Buffer.compare(Buffer.from(odd.buffer), Buffer.from(block.buffer))).toBe(0);
  });

  it('rejects unsupported rates; reset and close are safe', () => {
    expect(() => createResampler(8000, 44100)).toThrow(/no resampler/);
    const r = createResampler(8000, 16000);
    const x = tone(8000, 0.02, 1000, 10000);
    const a = new Int16Array(320);
    const b = new Int16Array(320);
    r.process(x, a);
    r.reset();
    r.process(x, b);
    expect(Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer))).toBe(0);
    expect(() => r.process(x, new Int16Array(100))).toThrow(TypeError);
    r.close();
    r.close();
    expect(r.process(x, a)).toBe(0);
  });
});
