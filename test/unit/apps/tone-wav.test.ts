import { describe, expect, it } from 'vitest';
import { BufferSource, buildWav, parseSilenceStream, parseToneStream, parseWav, resampleLinear, SilenceSource, ToneSource } from '../../../src/apps';
import { isStrowgerError } from '../../../src/util/errors';

/** Goertzel power of `freq` in `x` (normalised). */
function goertzel(x: Int16Array, freq: number, rate: number): number {
  const w = (2 * Math.PI * freq) / rate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s = v / 32768 + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / (x.length * x.length);
}

function readAll(src: { read(o: Int16Array): number }, max: number, chunk = 160): Int16Array {
  const out: number[] = [];
  const buf = new Int16Array(chunk);
  while (out.length < max) {
    const n = src.read(buf);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) out.push(buf[i]!);
  }
  return Int16Array.from(out);
}

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

describe('tone_stream', () => {
  it('parses TGML segments, loops and volume', () => {
    expect(parseToneStream('%(2000,4000,440,480);loops=-1')).toEqual({
      loops: -1,
      segments: [{ onMs: 2000, offMs: 4000, freqs: [440, 480], gain: 0.5 }],
    });
    const uk = parseToneStream('%(400,200,400,450);%(400,2000,400,450);loops=3')!;
    expect(uk.segments).toHaveLength(2);
    expect(uk.loops).toBe(3);
    const quiet = parseToneStream('v=-20;%(100,0,1000)')!;
    expect(quiet.segments[0]!.gain).toBeCloseTo(0.05, 3);
    expect(parseToneStream('garbage')).toBeUndefined();
    expect(parseToneStream('%(a,b,c)')).toBeUndefined();
    expect(parseToneStream('%(0,0,440)')).toBeUndefined();
  });

  it('generates the right frequencies, cadence and length', () => {
    for (const rate of [8000, 16000]) {
      const src = new ToneSource(parseToneStream('%(200,100,440,480);loops=2')!, rate);
      const all = readAll(src, rate * 10);
      expect(all.length).toBe(2 * ((200 + 100) * rate) / 1000);
      const on = all.subarray(0, (200 * rate) / 1000);
      const off = all.subarray((200 * rate) / 1000, (300 * rate) / 1000);
      expect(rms(off)).toBe(0);
      expect(rms(on)).toBeGreaterThan(5000);
      const p440 = goertzel(on, 440, rate);
      const p480 = goertzel(on, 480, rate);
      const p1000 = goertzel(on, 1000, rate);
      expect(p440).toBeGreaterThan(50 * p1000);
      expect(p480).toBeGreaterThan(50 * p1000);
    }
  });

  it('a single tone has its energy at that frequency only', () => {
    const src = new ToneSource(parseToneStream('%(1000,0,1000)')!, 8000);
    const x = readAll(src, 8000);
    expect(x.length).toBe(8000);
    expect(goertzel(x, 1000, 8000)).toBeGreaterThan(1000 * goertzel(x, 700, 8000));
    let peak = 0;
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    expect(peak).toBeGreaterThan(16000);
    expect(peak).toBeLessThanOrEqual(16384);
  });

  it('loops=-1 keeps going', () => {
    const src = new ToneSource(parseToneStream('%(10,10,440);loops=-1')!, 8000);
    expect(readAll(src, 80_000).length).toBe(80_000);
  });

  it('silence_stream', () => {
    expect(parseSilenceStream('1000')).toEqual({ ms: 1000, factor: 0 });
    expect(parseSilenceStream('-1,200')).toEqual({ ms: -1, factor: 200 });
    expect(parseSilenceStream('x')).toBeUndefined();
    const s = readAll(new SilenceSource(250, 0, 8000), 100_000);
    expect(s.length).toBe(2000);
    expect(rms(s)).toBe(0);
    const noisy = readAll(new SilenceSource(100, 50, 8000), 100_000);
    expect(rms(noisy)).toBeGreaterThan(0);
    expect(Math.max(...noisy)).toBeLessThanOrEqual(50);
    expect(readAll(new SilenceSource(-1, 0, 8000), 48_000).length).toBe(48_000);
  });
});

describe('WAV', () => {
  it('round-trips mono 16-bit PCM', () => {
    const x = Int16Array.from({ length: 1000 }, (_, i) => (i * 37) % 30000 - 15000);
    const w = parseWav(buildWav(x, 16000));
    expect(w.sampleRate).toBe(16000);
    expect(w.channels).toBe(1);
    expect(Array.from(w.samples)).toEqual(Array.from(x));
  });

  it('mixes stereo down and skips unknown chunks (odd size padded)', () => {
    const frames = 4;
    const data = Buffer.alloc(frames * 4);
    for (let i = 0; i < frames; i++) {
      data.writeInt16LE(1000 * i, i * 4);
      data.writeInt16LE(3000 * i, i * 4 + 2);
    }
    const fmt = Buffer.alloc(24);
    fmt.write('fmt ', 0, 'latin1');
    fmt.writeUInt32LE(16, 4);
    fmt.writeUInt16LE(1, 8);
    fmt.writeUInt16LE(2, 10);
    fmt.writeUInt32LE(8000, 12);
    fmt.writeUInt32LE(32000, 16);
    fmt.writeUInt16LE(4, 20);
    fmt.writeUInt16LE(16, 22);
    const junk = Buffer.from('LIST\x03\x00\x00\x00abc\x00', 'latin1');
    const dataHdr = Buffer.alloc(8);
    dataHdr.write('data', 0, 'latin1');
    dataHdr.writeUInt32LE(data.length, 4);
    const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), fmt, junk, dataHdr, data]);
    const riff = Buffer.alloc(8);
    riff.write('RIFF', 0, 'latin1');
    riff.writeUInt32LE(body.length, 4);
    const w = parseWav(Buffer.concat([riff, body]));
    expect(w.channels).toBe(2);
    expect(Array.from(w.samples)).toEqual([0, 2000, 4000, 6000]);
  });

  it('rejects malformed files with MEDIA_FILE', () => {
    const good = buildWav(new Int16Array(10), 8000);
    const variants: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from('RIFF0000WAVX'),
      good.subarray(0, 20),
      (() => {
        const b = Buffer.from(good);
        b.writeUInt16LE(3, 20); // float
        return b;
      })(),
      (() => {
        const b = Buffer.from(good);
        b.write('xxxx', 36, 'latin1'); // no data chunk
        return b;
      })(),
    ];
    for (const v of variants) {
      let err: unknown;
      try {
        parseWav(v);
      } catch (e) {
        err = e;
      }
      expect(isStrowgerError(err, 'MEDIA_FILE')).toBe(true);
    }
    // A data chunk claiming more than the file holds is clipped, not overread.
    const b = Buffer.from(good);
    b.writeUInt32LE(1_000_000, 40);
    expect(parseWav(b).samples.length).toBe(10);
  });

  it('linear resampling keeps duration and a tone frequency', () => {
    const x = readAll(new ToneSource(parseToneStream('%(500,0,440)')!, 44100), 44100);
    const y = resampleLinear(x, 44100, 8000);
    expect(y.length).toBe(Math.floor((x.length * 8000) / 44100));
    expect(goertzel(y, 440, 8000)).toBeGreaterThan(100 * goertzel(y, 1000, 8000));
    const src = new BufferSource(Int16Array.from([1, 2, 3]), 8000);
    expect(readAll(src, 10)).toEqual(Int16Array.from([1, 2, 3]));
  });
});
