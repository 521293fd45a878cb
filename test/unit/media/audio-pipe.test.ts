import { describe, expect, it } from 'vitest';
import { createCodec } from '../../../src/codec';
import type { Codec } from '../../../src/codec/types';
import { DecodePipe, downmix, PcmFifo, upmix } from '../../../src/media/audio-pipe';
import { defaultCodecs } from '../../../src/media/default-codecs';
import { PCMU20 } from './helpers';

const A = 12000;
const tone = (n: number): number => Math.round(A * Math.sin((2 * Math.PI * 440 * n) / 8000));

function pcmuFrames(count: number): Uint8Array[] {
  const enc = createCodec(PCMU20);
  const frames: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++) pcm[i] = tone(k * 160 + i);
    const out = new Uint8Array(160);
    enc.encode(pcm, out);
    frames.push(out);
  }
  enc.close();
  return frames;
}

function maxStep(x: Int16Array): number {
  let m = 0;
  for (let i = 1; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

describe('DecodePipe', () => {
  it('conceals a lost frame with a silent-concealment codec without a click (cross-fade)', () => {
    const frames = pcmuFrames(10);
    // The 4th frame ends near the crest: stepping to silent concealment would jump ~0.8 A.
    expect(Math.abs(tone(4 * 160 - 1))).toBeGreaterThan(0.6 * A);
    // PCMU whose concealment is plain silence (what a codec without PLC does).
    const real = createCodec(PCMU20);
    const dec: Codec = {
      description: real.description,
      frameSamples: real.frameSamples,
      encode: (p, o) => real.encode(p, o),
      decode: (p, o) => real.decode(p, o),
      conceal: (o) => {
        o.fill(0, 0, 160);
        return 160;
      },
      close: () => real.close(),
    };
    const pipe = new DecodePipe(dec, 8000, defaultCodecs, { prefetch: 2, highWater: 12 }); // all frames arrive at once here
    frames.forEach((f, k) => k !== 4 && pipe.put(k, f));
    const out = new Int16Array(160 * 10);
    for (let k = 0; k < 10; k++) expect(pipe.read(out.subarray(k * 160, (k + 1) * 160), 160)).toBe(160);
    expect(pipe.stats.concealed).toBe(1);
    // Natural max slope of the tone: 2*pi*440/8000*A ~ 0.35 A (plus G.711 quantisation).
    expect(maxStep(out)).toBeLessThan(0.45 * A);
    // The concealed frame is silent after the 2 ms fade: concealment happened, not a repeat.
    expect(Math.max(...out.subarray(4 * 160 + 20, 5 * 160).map(Math.abs))).toBe(0);
    dec.close();
  });

  it('with the real G.711 codec (pitch PLC) a lost frame is filled and there is no click either', () => {
    const frames = pcmuFrames(10);
    const dec = createCodec(PCMU20);
    const pipe = new DecodePipe(dec, 8000, defaultCodecs, { prefetch: 2, highWater: 12 });
    frames.forEach((f, k) => k !== 4 && pipe.put(k, f));
    const out = new Int16Array(160 * 10);
    for (let k = 0; k < 10; k++) expect(pipe.read(out.subarray(k * 160, (k + 1) * 160), 160)).toBe(160);
    expect(pipe.stats.concealed).toBe(1);
    expect(maxStep(out)).toBeLessThan(0.45 * A);
    dec.close();
  });

  it('resamples to the target rate and pads + fades the end of a talkspurt', () => {
    const frames = pcmuFrames(3);
    const dec = createCodec(PCMU20);
    const pipe = new DecodePipe(dec, 16000, defaultCodecs, { prefetch: 1, maxConceal: 0 });
    frames.forEach((f, k) => pipe.put(k, f));
    const out = new Int16Array(300);
    let total = 0;
    for (let i = 0; i < 4; i++) total += pipe.read(out, 300);
    // 3 x 320 samples = 960 = 3 full reads of 300 + one padded read of 60 + 240 silence.
    expect(total).toBe(1200);
    expect(out.subarray(61).every((v) => v === 0)).toBe(true);
    expect(maxStep(out.subarray(0, 62))).toBeLessThan(0.3 * A);
    expect(pipe.read(out, 300)).toBe(0); // idle now
    pipe.close();
    dec.close();
  });
});

describe('PcmFifo and channel helpers', () => {
  it('is bounded: overflow drops the oldest samples and counts them', () => {
    const f = new PcmFifo(8);
    f.write(Int16Array.from([1, 2, 3, 4, 5, 6]));
    f.write(Int16Array.from([7, 8, 9, 10]));
    expect(f.length).toBe(8);
    expect(f.overflowDropped).toBe(2);
    const out = new Int16Array(10);
    expect(f.read(out, 10)).toBe(8);
    expect([...out.subarray(0, 8)]).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    f.write(Int16Array.from(Array.from({ length: 20 }, (_, i) => i)));
    expect(f.read(out, 10)).toBe(8);
    expect([...out.subarray(0, 8)]).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });

  it('down-mixes by averaging and up-mixes by duplicating', () => {
    const st = Int16Array.from([100, 300, -10, 10, 7, 8]);
    expect([...downmix(st, 3, 2, new Int16Array(3))]).toEqual([200, 0, 8]);
    expect([...upmix(Int16Array.from([1, 2]), 2, 2, new Int16Array(4))]).toEqual([1, 1, 2, 2]);
    const mono = Int16Array.from([5, 6]);
    expect(downmix(mono, 2, 1, new Int16Array(2))).toEqual(mono);
  });
});
