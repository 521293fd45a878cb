/**
 * Minimal RIFF/WAVE reader for playback: 16-bit PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with a
 * PCM subformat), any channel count (mixed down to mono), any rate (resampled here by linear
 * interpolation when the media plane's resampler does not take it: 8000/16000/48000 pass as is).
 * Chunks are walked by index with every length checked against the buffer.
 */
import { StrowgerError } from '../util/errors';

export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** Mono samples. */
  samples: Int16Array;
}

/** Rates the media plane resamples from (src/codec resampler). */
export const NATIVE_RATES: readonly number[] = [8000, 16000, 48000];

function fourcc(b: Buffer, at: number): string {
  return b.toString('latin1', at, at + 4);
}

export function parseWav(buf: Buffer): WavAudio {
  if (buf.length < 12 || fourcc(buf, 0) !== 'RIFF' || fourcc(buf, 8) !== 'WAVE') {
    throw new StrowgerError('MEDIA_FILE', 'not a RIFF/WAVE file');
  }
  let pos = 12;
  let fmt: { format: number; channels: number; rate: number; bits: number; block: number } | undefined;
  let data: Buffer | undefined;
  while (pos + 8 <= buf.length) {
    const id = fourcc(buf, pos);
    const size = buf.readUInt32LE(pos + 4);
    const body = pos + 8;
    const end = Math.min(buf.length, body + size);
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new StrowgerError('MEDIA_FILE', 'short fmt chunk');
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 40 && body + 26 <= buf.length) format = buf.readUInt16LE(body + 24);
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        block: buf.readUInt16LE(body + 12),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      data = buf.subarray(body, end);
    }
    pos = body + size + (size & 1);
  }
  if (!fmt) throw new StrowgerError('MEDIA_FILE', 'no fmt chunk');
  if (!data) throw new StrowgerError('MEDIA_FILE', 'no data chunk');
  if (fmt.format !== 1 || fmt.bits !== 16) throw new StrowgerError('MEDIA_FILE', `unsupported WAV encoding (format ${fmt.format}, ${fmt.bits} bits)`);
  if (fmt.channels < 1 || fmt.channels > 8 || fmt.rate < 1000 || fmt.rate > 192000) throw new StrowgerError('MEDIA_FILE', 'unsupported WAV layout');
  const frameBytes = 2 * fmt.channels;
  const frames = Math.floor(data.length / frameBytes);
  const samples = new Int16Array(frames);
  for (let i = 0; i < frames; i++) {
    let acc = 0;
    for (let c = 0; c < fmt.channels; c++) acc += data.readInt16LE(i * frameBytes + c * 2);
    samples[i] = Math.round(acc / fmt.channels);
  }
  return { sampleRate: fmt.rate, channels: fmt.channels, samples };
}

/** Linear-interpolation resampler for whole buffers (rates the media plane does not handle). */
export function resampleLinear(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to || input.length === 0) return input;
  const outLen = Math.max(1, Math.floor((input.length * to) / from));
  const out = new Int16Array(outLen);
  const step = from / to;
  for (let i = 0; i < outLen; i++) {
    const x = i * step;
    const i0 = Math.floor(x);
    const i1 = Math.min(input.length - 1, i0 + 1);
    const f = x - i0;
    out[i] = Math.round(input[i0]! * (1 - f) + input[i1]! * f);
  }
  return out;
}

/** Build a 16-bit mono PCM WAV file (tests, recordings). */
export function buildWav(samples: Int16Array, sampleRate: number): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i]!, i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** A pull-style source over a sample buffer. */
export class BufferSource {
  private pos = 0;
  constructor(
    private readonly samples: Int16Array,
    readonly sampleRate: number,
  ) {}
  read(out: Int16Array): number {
    const n = Math.min(out.length, this.samples.length - this.pos);
    if (n <= 0) return 0;
    out.set(this.samples.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
}
