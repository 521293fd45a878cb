import { describe, expect, it } from 'vitest';
import { createCodec, parseCodecString } from '../../../src/codec/index';
import { ulawEncode } from '../../../src/codec/g711';
import { PitchPlc } from '../../../src/codec/plc';
import { speechLike, tone } from './test-signals';

const rms = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s / a.length);
};

function snr(ref: Int16Array, got: Int16Array): number {
  let s = 0;
  let e = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i]! ** 2;
    e += (ref[i]! - got[i]!) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1));
}

describe('pitch-repetition PLC', () => {
  it('conceals one lost 20 ms frame of a 200 Hz tone far better than silence', () => {
    const plc = new PitchPlc(8000);
    const x = tone(8000, 0.5, 200, 10000);
    const frame = new Int16Array(160);
    for (let f = 0; f < 10; f++) {
      frame.set(x.subarray(f * 160, f * 160 + 160));
      plc.good(frame, 160);
    }
    const out = new Int16Array(160);
    expect(plc.conceal(out, 160)).toBe(160);
    const truth = x.subarray(1600, 1760);
    // first 10 ms at full level: near-perfect continuation of a periodic signal
    expect(snr(truth.subarray(0, 80), out.subarray(0, 80))).toBeGreaterThan(20);
    // silence would give 0 dB
    expect(snr(truth, out)).toBeGreaterThan(5);
  });

  it('keeps level 10 ms, fades 20% per 10 ms, and is silent from 60 ms of loss', () => {
    const plc = new PitchPlc(8000);
    const x = tone(8000, 0.2, 250, 10000);
    plc.good(x, x.length);
    const out = new Int16Array(80); // 10 ms pieces
    const levels: number[] = [];
    for (let k = 0; k < 8; k++) {
      plc.conceal(out, 80);
      levels.push(rms(out) / (10000 / Math.SQRT2));
    }
    expect(levels[0]).toBeGreaterThan(0.95);
    for (let k = 1; k < 6; k++) expect(levels[k]!).toBeLessThan(levels[k - 1]!);
    expect(levels[6]).toBe(0);
    expect(levels[7]).toBe(0);
  });

  it('cross-fades into the next good frame (no step at the seam)', () => {
    const plc = new PitchPlc(8000);
    const x = tone(8000, 0.5, 300, 12000);
    plc.good(x.subarray(0, 1600).slice(), 1600);
    const lost = new Int16Array(160);
    plc.conceal(lost, 160);
    const next = x.slice(1760, 1920);
    plc.good(next, 160);
    // largest sample-to-sample change across the seam stays within a tone's normal slope
    const maxSlope = 12000 * 2 * Math.sin((Math.PI * 300) / 8000) * 1.5;
    expect(Math.abs(next[0]! - lost[159]!)).toBeLessThan(maxSlope);
    for (let i = 1; i < 40; i++) expect(Math.abs(next[i]! - next[i - 1]!)).toBeLessThan(maxSlope);
  });

  it('is silent before it has heard enough audio', () => {
    const plc = new PitchPlc(16000);
    const out = new Int16Array(320).fill(5);
    plc.conceal(out, 320);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('PCMU codec: conceal() on voiced speech keeps the level (±6 dB of the lost frame); { plc: false } gives silence', () => {
    const [pcmuDesc] = parseCodecString('PCMU');
    const withPlc = createCodec(pcmuDesc!);
    const without = createCodec(pcmuDesc!, { plc: false });
    const x = speechLike(8000, 1, 41);
    const pkt = new Uint8Array(160);
    const out = new Int16Array(160);
    let losses = 0;
    for (let f = 0; f < 48; f++) {
      const truth = x.subarray(f * 160, f * 160 + 160);
      ulawEncode(truth, pkt);
      if (f % 6 === 5) {
        withPlc.conceal(out);
        // Waveform SNR is not a fair score for a pitch that drifts within 20 ms; level is.
        expect(Math.abs(20 * Math.log10(rms(out) / rms(truth)))).toBeLessThan(6);
        losses++;
        without.conceal(out);
        expect(out.every((v) => v === 0)).toBe(true);
      } else {
        withPlc.decode(pkt, out);
        without.decode(pkt, out);
      }
    }
    expect(losses).toBe(8);
  });
});
