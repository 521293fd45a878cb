/**
 * The tone verdict used by the real-client audio tests must be able to fail: these cases feed it
 * synthetic signals with the faults transcoding bugs produce (sample-rate mix-ups, silence, low
 * level, noise, gaps, a slightly wrong frequency) and check that it says no, and that it says yes
 * to the tone after a real G.711 round trip and to a WAV written by sox.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ulawDecodeSample, ulawEncodeSample } from '../../../src/codec/g711';
import {
  analyseFrames,
  checkTone,
  decodeWav,
  encodeWav,
  levelDbfs,
  noise,
  readWav,
  tone,
  toneShare,
  writeWav,
  zeroCrossingHz,
} from '../support/audio';

const dir = mkdtempSync(join(tmpdir(), 'strowger-audio-analysis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RATE = 8000;
const t440 = tone({ freqs: [440], rate: RATE, seconds: 3, dbfs: -12 });

describe('measurements', () => {
  it('zero crossings and level of a clean tone are exact to a fraction of a Hz / dB', () => {
    for (const f of [300, 440, 1000, 3000]) {
      const s = tone({ freqs: [f], rate: 16000, seconds: 0.05, dbfs: -6, fadeMs: 0 });
      expect(Math.abs(zeroCrossingHz(s, 16000) - f)).toBeLessThan(0.5);
      expect(levelDbfs(s)).toBeCloseTo(-6, 1);
    }
    expect(levelDbfs(new Int16Array(400))).toBe(-Infinity);
    expect(zeroCrossingHz(new Int16Array(400), 8000)).toBeNaN();
  });

  it('tone share is ~1 at the tone, low one bin away and for noise', () => {
    const s = tone({ freqs: [1000], rate: RATE, seconds: 0.05, fadeMs: 0 });
    expect(toneShare(s, RATE, 1000)).toBeGreaterThan(0.95);
    expect(toneShare(s, RATE, 1040)).toBeLessThan(0.1);
    expect(toneShare(s, RATE, 500)).toBeLessThan(0.01);
    expect(toneShare(noise(RATE, 0.05, -12), RATE, 1000)).toBeLessThan(0.1);
  });

  it('frames are 50 ms by default', () => {
    const frames = analyseFrames({ rate: RATE, samples: t440 }, 440);
    expect(frames).toHaveLength(60);
    expect(frames[1]!.startMs).toBe(50);
  });
});

describe('checkTone verdict', () => {
  it('passes the tone that was sent', () => {
    const v = checkTone({ rate: RATE, samples: t440 }, { freqHz: 440, sentDbfs: -12 });
    expect(v.pass, v.summary).toBe(true);
    expect(v.fraction).toBe(1);
    expect(Math.abs(v.medianHz - 440)).toBeLessThan(0.5);
    expect(v.medianDbfs).toBeCloseTo(-12, 1);
  });

  it('catches a sample-rate mix-up: 440 Hz played at twice or half the rate is 880 / 220 Hz', () => {
    // The same samples declared at the wrong rate, as a decoder/resampler mix-up would deliver them.
    const fast = checkTone({ rate: 2 * RATE, samples: t440 }, { freqHz: 440 });
    const slow = checkTone({ rate: RATE / 2, samples: t440 }, { freqHz: 440 });
    expect(fast.pass).toBe(false);
    expect(slow.pass).toBe(false);
    expect(fast.medianHz).toBeCloseTo(880, 0);
    expect(slow.medianHz).toBeCloseTo(220, 0);
    // Decimating without telling anybody (every other sample, still labelled 16 kHz).
    const wide = tone({ freqs: [440], rate: 16000, seconds: 3 });
    const decimated = new Int16Array(wide.length >> 1).map((_, i) => wide[2 * i]!);
    const v = checkTone({ rate: 16000, samples: decimated }, { freqHz: 440 });
    expect(v.pass).toBe(false);
    expect(v.reasons.join()).toMatch(/frames/);
  });

  it('fails on silence, noise, and another tone', () => {
    expect(checkTone({ rate: RATE, samples: new Int16Array(3 * RATE) }, { freqHz: 440 }).pass).toBe(false);
    expect(checkTone({ rate: RATE, samples: noise(RATE, 3, -12) }, { freqHz: 440 }).pass).toBe(false);
    const other = tone({ freqs: [1000], rate: RATE, seconds: 3 });
    expect(checkTone({ rate: RATE, samples: other }, { freqHz: 440 }).pass).toBe(false);
  });

  it('holds the ±5 Hz tolerance: 443 Hz passes for 440, 447 Hz does not', () => {
    const near = tone({ freqs: [443], rate: RATE, seconds: 3 });
    const off = tone({ freqs: [447], rate: RATE, seconds: 3 });
    expect(checkTone({ rate: RATE, samples: near }, { freqHz: 440 }).pass).toBe(true);
    const v = checkTone({ rate: RATE, samples: off }, { freqHz: 440 });
    expect(v.pass).toBe(false);
    expect(v.medianHz).toBeCloseTo(447, 0);
  });

  it('fails a tone drowned in noise (zero crossings alone would be fooled more often)', () => {
    const n = noise(RATE, 3, -12, 7);
    const mixed = t440.map((x, i) => x + n[i]!);
    expect(checkTone({ rate: RATE, samples: mixed }, { freqHz: 440 }).pass).toBe(false);
  });

  it('fails a two-tone mixture for either tone alone', () => {
    const two = tone({ freqs: [440, 1000], rate: RATE, seconds: 3, dbfs: -18 });
    expect(checkTone({ rate: RATE, samples: two }, { freqHz: 440 }).pass).toBe(false);
    expect(checkTone({ rate: RATE, samples: two }, { freqHz: 1000 }).pass).toBe(false);
  });

  it('fails a level far from what was sent', () => {
    const quiet = tone({ freqs: [440], rate: RATE, seconds: 3, dbfs: -30 });
    const v = checkTone({ rate: RATE, samples: quiet }, { freqHz: 440, sentDbfs: -12 });
    expect(v.pass).toBe(false);
    expect(v.reasons.join()).toMatch(/level/);
    expect(checkTone({ rate: RATE, samples: quiet }, { freqHz: 440 }).pass).toBe(true);
  });

  it('fails when the tone is there only half of the time (one-way gaps)', () => {
    const gappy = t440.slice();
    const frame = RATE / 20;
    for (let f = 0; f * frame < gappy.length; f += 2) gappy.fill(0, f * frame, (f + 1) * frame);
    const v = checkTone({ rate: RATE, samples: gappy }, { freqHz: 440 });
    expect(v.pass).toBe(false);
    expect(v.fraction).toBeGreaterThan(0.4);
    expect(v.fraction).toBeLessThan(0.6);
  });

  it('fails a recording too short to judge, ignores warm-up silence', () => {
    const short = tone({ freqs: [440], rate: RATE, seconds: 0.8 });
    expect(checkTone({ rate: RATE, samples: short }, { freqHz: 440 }).pass).toBe(false);
    const late = new Int16Array(3 * RATE);
    late.set(tone({ freqs: [440], rate: RATE, seconds: 2.6 }), 0.4 * RATE);
    expect(checkTone({ rate: RATE, samples: late }, { freqHz: 440 }).pass).toBe(true);
  });

  it('passes the tone after a G.711 µ-law round trip, at the level sent', () => {
    const coded = t440.map((x) => ulawDecodeSample(ulawEncodeSample(x)));
    const v = checkTone({ rate: RATE, samples: coded }, { freqHz: 440, sentDbfs: -12, levelToleranceDb: 0.5 });
    expect(v.pass, v.summary).toBe(true);
  });
});

describe('WAV files', () => {
  it('round-trips through encode/decode and the file system', () => {
    const p = join(dir, 'rt.wav');
    writeWav(p, { rate: 16000, samples: t440 });
    const back = readWav(p);
    expect(back.rate).toBe(16000);
    expect(Array.from(back.samples)).toEqual(Array.from(t440));
  });

  it('reads extra chunks before data, odd chunk sizes, stereo (first channel) and unfinalised sizes', () => {
    const mono = encodeWav({ rate: 8000, samples: Int16Array.from([1, -2, 3, -4]) });
    // Build: RIFF, fmt (stereo), LIST chunk of odd size 3 (+pad), data with size 0 (not finalised).
    const fmt = Buffer.from(mono.subarray(12, 36));
    fmt.writeUInt16LE(2, 10); // channels
    fmt.writeUInt16LE(4, 20); // block align
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([3, 0, 0, 0]), Buffer.from('abc'), Buffer.from([0])]);
    const pcm = Buffer.alloc(8);
    [10, 20, -30, 40].forEach((v, i) => pcm.writeInt16LE(v, i * 2));
    const data = Buffer.concat([Buffer.from('data'), Buffer.alloc(4), pcm]);
    const riff = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE'), fmt, list, data]);
    const back = decodeWav(riff);
    expect(back.rate).toBe(8000);
    expect(Array.from(back.samples)).toEqual([10, -30]);
    expect(() => decodeWav(Buffer.from('RIFF0000AVI '))).toThrow(/RIFF\/WAVE/);
  });

  it('agrees with sox: a 1000 Hz sox tone at -6 dBFS is measured as such', () => {
    const p = join(dir, 'sox.wav');
    execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', p, 'synth', '2', 'sine', '1000', 'vol', '-6dB'], { timeout: 10_000 });
    const v = checkTone(readWav(p), { freqHz: 1000, sentDbfs: -6, levelToleranceDb: 0.3, warmupMs: 100, minFrames: 10 });
    expect(v.pass, v.summary).toBe(true);
    // And sox reads our file back at the rate we wrote.
    const ours = join(dir, 'ours.wav');
    writeWav(ours, { rate: 8000, samples: t440 });
    expect(execFileSync('soxi', ['-r', ours], { timeout: 10_000 }).toString().trim()).toBe('8000');
    writeFileSync(join(dir, 'done'), '');
  });
});
