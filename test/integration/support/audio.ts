/**
 * Test audio: 16-bit PCM WAV files, tones of known frequency, and per-frame analysis that decides
 * whether a recording carries the tone that was sent (right frequency, enough of the time, at the
 * right level). Used by the real-client tests (baresip records what it hears with sndfile).
 *
 * Level convention (AES17): dBFS = 20·log10(rms / 32768) + 3.01, so a full-scale sine reads
 * 0 dBFS and a sine of peak 32768·10^(L/20) reads L dBFS.
 *
 * Frequency per frame (50 ms by default) is measured two ways that must agree:
 *  - zero crossings with linear interpolation between samples: the mean period between the first
 *    and the last upward crossing gives the frequency to well under 1 Hz for a clean tone;
 *  - a Hann-windowed Goertzel filter at the expected frequency, as a share of the frame's power:
 *    a pure tone near the expected frequency scores close to 1, another frequency, noise or a
 *    mixture scores low. This guards the zero-crossing estimate against signals that cross zero
 *    at the right rate without being the tone (harmonics, noise riding on a tone).
 */
import { readFileSync, writeFileSync } from 'node:fs';

const SQRT2 = Math.SQRT2;

// ---------------------------------------------------------------------------------------------
// WAV files

export interface PcmAudio {
  /** Samples per second. */
  rate: number;
  /** Mono samples (the first channel when the file has several). */
  samples: Int16Array;
}

/** Write mono 16-bit little-endian PCM as a canonical 44-byte-header WAV (RIFF/WAVE, fmt, data). */
export function writeWav(path: string, audio: PcmAudio): void {
  writeFileSync(path, encodeWav(audio));
}

export function encodeWav({ rate, samples }: PcmAudio): Buffer {
  if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`bad sample rate ${rate}`);
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28); // byte rate
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i]!, 44 + i * 2);
  return buf;
}

export function readWav(path: string): PcmAudio {
  return decodeWav(readFileSync(path));
}

/**
 * Parse a 16-bit PCM WAV by walking its chunks (any order, odd sizes padded). Accepts
 * WAVE_FORMAT_PCM and WAVE_FORMAT_EXTENSIBLE with the PCM sub-format. A data chunk whose size
 * field is 0 or too large (a file not finalised) is read up to the end of the file.
 */
export function decodeWav(buf: Buffer): PcmAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let rate = 0;
  let channels = 0;
  let bits = 0;
  let data: Buffer | undefined;
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new Error('short fmt chunk');
      let format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      rate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
      if (format === 0xfffe && size >= 40) format = buf.readUInt16LE(body + 24); // sub-format GUID's first 2 bytes
      if (format !== 1) throw new Error(`unsupported WAV format ${format} (want PCM)`);
    } else if (id === 'data') {
      if (size === 0 || body + size > buf.length) size = buf.length - body;
      data = buf.subarray(body, body + size);
      break;
    }
    off = body + size + (size & 1);
  }
  if (!data || rate === 0) throw new Error('WAV without fmt or data chunk');
  if (bits !== 16) throw new Error(`unsupported WAV sample size ${bits} bits (want 16)`);
  if (channels < 1) throw new Error('WAV with 0 channels');
  const frames = Math.floor(data.length / (2 * channels));
  const samples = new Int16Array(frames);
  for (let i = 0; i < frames; i++) samples[i] = data.readInt16LE(i * 2 * channels);
  return { rate, samples };
}

// ---------------------------------------------------------------------------------------------
// Signals

export interface ToneSpec {
  /** Tone frequencies in Hz; several are summed (each at the given level). */
  freqs: number[];
  rate: number;
  seconds: number;
  /** Level of each tone in dBFS (AES17); default -12. */
  dbfs?: number;
  /** Fade in and out over this many ms to avoid clicks at the ends; default 10. */
  fadeMs?: number;
}

export function dbfsToPeak(dbfs: number): number {
  return 32768 * 10 ** (dbfs / 20);
}

export function tone({ freqs, rate, seconds, dbfs = -12, fadeMs = 10 }: ToneSpec): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  const peak = dbfsToPeak(dbfs);
  const fade = Math.max(1, Math.round((rate * fadeMs) / 1000));
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of freqs) v += Math.sin((2 * Math.PI * f * i) / rate);
    const edge = Math.min(1, i / fade, (n - 1 - i) / fade);
    out[i] = clamp16(Math.round(v * peak * edge));
  }
  return out;
}

/** Uniform white noise at an RMS level in dBFS (AES17), from a seeded generator (repeatable). */
export function noise(rate: number, seconds: number, dbfs: number, seed = 1): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  const rms = dbfsToPeak(dbfs) / SQRT2;
  const amp = rms * Math.sqrt(3); // uniform on [-a, a] has rms a/√3
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = clamp16(Math.round(((s / 0xffffffff) * 2 - 1) * amp));
  }
  return out;
}

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

// ---------------------------------------------------------------------------------------------
// Analysis

export interface FrameStats {
  /** Start of the frame in ms from the start of the recording. */
  startMs: number;
  /** RMS level in dBFS (AES17); -Infinity for digital silence. */
  dbfs: number;
  /** Frequency from interpolated zero crossings, or NaN with fewer than two upward crossings. */
  zeroCrossingHz: number;
  /** Share (0..1) of the frame's power found by a Hann-windowed Goertzel filter at the probe frequency. */
  toneShare: number;
}

/** RMS level of samples in dBFS (AES17). */
export function levelDbfs(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
  const n = to - from;
  if (n <= 0 || sum === 0) return -Infinity;
  return 20 * Math.log10(Math.sqrt(sum / n) / 32768) + 20 * Math.log10(SQRT2);
}

/**
 * Frequency from upward zero crossings, each located by linear interpolation between the two
 * samples around it; (crossings - 1) periods between the first and the last one.
 */
export function zeroCrossingHz(samples: ArrayLike<number>, rate: number, from = 0, to = samples.length): number {
  // Remove the frame's mean so a DC offset does not shift the crossings.
  let mean = 0;
  for (let i = from; i < to; i++) mean += samples[i]!;
  mean /= Math.max(1, to - from);
  let first = NaN;
  let last = NaN;
  let count = 0;
  for (let i = from + 1; i < to; i++) {
    const a = samples[i - 1]! - mean;
    const b = samples[i]! - mean;
    if (a < 0 && b >= 0) {
      const t = i - 1 + a / (a - b); // fractional sample index of the crossing
      if (count === 0) first = t;
      last = t;
      count++;
    }
  }
  if (count < 2) return NaN;
  return ((count - 1) * rate) / (last - first);
}

/**
 * Share of the power of samples[from, to) that lies at `freq`: Hann-windowed Goertzel power,
 * normalised so that a pure sine at exactly `freq` gives 1 (for frames of several periods).
 */
export function toneShare(samples: ArrayLike<number>, rate: number, freq: number, from = 0, to = samples.length): number {
  const n = to - from;
  if (n < 2) return 0;
  const w = (2 * Math.PI * freq) / rate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let windowSum = 0;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const h = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const x = samples[from + i]!;
    energy += x * x;
    windowSum += h;
    const s0 = h * x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  if (energy === 0) return 0;
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2; // |X(freq)|²
  // A sine of amplitude A gives |X| ≈ A·Σh/2 and energy ≈ n·A²/2, hence share ≈ 1 for a pure tone.
  const amplitudeSq = (4 * power) / (windowSum * windowSum);
  return Math.min(1, ((amplitudeSq / 2) * n) / energy);
}

export function analyseFrames(audio: PcmAudio, probeHz: number, frameMs = 50): FrameStats[] {
  const len = Math.round((audio.rate * frameMs) / 1000);
  const out: FrameStats[] = [];
  for (let from = 0; from + len <= audio.samples.length; from += len) {
    const to = from + len;
    out.push({
      startMs: (from * 1000) / audio.rate,
      dbfs: levelDbfs(audio.samples, from, to),
      zeroCrossingHz: zeroCrossingHz(audio.samples, audio.rate, from, to),
      toneShare: toneShare(audio.samples, audio.rate, probeHz, from, to),
    });
  }
  return out;
}

export interface ToneExpectation {
  /** The frequency that should be heard. */
  freqHz: number;
  /** Allowed deviation of the measured frequency; default 5 Hz. */
  toleranceHz?: number;
  /** Frames starting before this are ignored (jitter buffer fill, codec start-up); default 500 ms. */
  warmupMs?: number;
  /** Frames in the last tailMs are ignored (hang-up); default 200 ms. */
  tailMs?: number;
  /** Share of the analysed frames that must carry the tone; default 0.8. */
  minFraction?: number;
  /** Minimum number of frames analysed (after warm-up and tail); default 20 (1 s at 50 ms). */
  minFrames?: number;
  /** Minimum tone share (see toneShare) for a frame to count; default 0.6. */
  minToneShare?: number;
  /** The level that was sent, in dBFS; when given, the median level of tone frames must be within levelToleranceDb. */
  sentDbfs?: number;
  /** Default 6 dB. */
  levelToleranceDb?: number;
  frameMs?: number;
}

export interface ToneVerdict {
  pass: boolean;
  /** Why it failed (empty when it passed). */
  reasons: string[];
  framesAnalysed: number;
  framesWithTone: number;
  fraction: number;
  /** Median zero-crossing frequency over the analysed frames that had one (NaN if none). */
  medianHz: number;
  /** Median level of the frames that carried the tone (or of all analysed frames when none did). */
  medianDbfs: number;
  /** One-line summary for assertion messages. */
  summary: string;
}

/**
 * Decide whether `audio` carries the expected tone: at least minFraction of the frames after
 * warm-up (and before the tail) have a zero-crossing frequency within ±toleranceHz of freqHz AND a
 * tone share of at least minToneShare; and, when sentDbfs is given, their median level is within
 * levelToleranceDb of it.
 */
export function checkTone(audio: PcmAudio, exp: ToneExpectation): ToneVerdict {
  const tol = exp.toleranceHz ?? 5;
  const warmup = exp.warmupMs ?? 500;
  const tail = exp.tailMs ?? 200;
  const minFraction = exp.minFraction ?? 0.8;
  const minFrames = exp.minFrames ?? 20;
  const minShare = exp.minToneShare ?? 0.6;
  const frameMs = exp.frameMs ?? 50;
  const levelTol = exp.levelToleranceDb ?? 6;

  const durationMs = (audio.samples.length * 1000) / audio.rate;
  const frames = analyseFrames(audio, exp.freqHz, frameMs).filter(
    (f) => f.startMs >= warmup && f.startMs + frameMs <= durationMs - tail,
  );
  const toneFrames = frames.filter((f) => Math.abs(f.zeroCrossingHz - exp.freqHz) <= tol && f.toneShare >= minShare);
  const fraction = frames.length ? toneFrames.length / frames.length : 0;
  const medianHz = median(frames.map((f) => f.zeroCrossingHz).filter((x) => Number.isFinite(x)));
  const medianDbfs = median((toneFrames.length ? toneFrames : frames).map((f) => f.dbfs));

  const reasons: string[] = [];
  if (frames.length < minFrames) reasons.push(`only ${frames.length} frames after warm-up (need ${minFrames})`);
  if (fraction < minFraction) {
    reasons.push(`${exp.freqHz} Hz ±${tol} in ${(fraction * 100).toFixed(1)}% of frames (need ${(minFraction * 100).toFixed(0)}%)`);
  }
  if (exp.sentDbfs !== undefined && !(Math.abs(medianDbfs - exp.sentDbfs) <= levelTol)) {
    reasons.push(`level ${medianDbfs.toFixed(1)} dBFS, sent ${exp.sentDbfs} ±${levelTol} dB`);
  }
  const missing = frames.filter((f) => !toneFrames.includes(f));
  const missingNote = missing.length
    ? `; without the tone at ${missing
        .slice(0, 8)
        .map((f) => `${f.startMs.toFixed(0)}ms(${Number.isFinite(f.zeroCrossingHz) ? f.zeroCrossingHz.toFixed(0) : '-'}Hz,${f.dbfs.toFixed(0)}dB)`)
        .join(' ')}${missing.length > 8 ? ' ...' : ''}`
    : '';
  const summary =
    `expect ${exp.freqHz} Hz: ${toneFrames.length}/${frames.length} frames (${(fraction * 100).toFixed(1)}%), ` +
    `median ${Number.isFinite(medianHz) ? medianHz.toFixed(1) : 'n/a'} Hz, ${medianDbfs.toFixed(1)} dBFS${missingNote}` +
    (reasons.length ? ` - FAIL: ${reasons.join('; ')}` : ' - ok');
  return {
    pass: reasons.length === 0,
    reasons,
    framesAnalysed: frames.length,
    framesWithTone: toneFrames.length,
    fraction,
    medianHz,
    medianDbfs,
    summary,
  };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length & 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
