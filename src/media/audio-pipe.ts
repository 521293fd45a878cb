/**
 * The two halves of every decoded media path, shared by the transcoder, playback and capture:
 *
 *   DecodePipe   RTP payloads -> jitter buffer -> decode (or conceal) -> mono -> resample
 *                -> PCM FIFO; read(n) hands out exactly n mono L16 samples at the target rate.
 *   EncodeSender mono L16 frame -> (up-mix) -> encode -> RTP on a session, owning the timestamp:
 *                it advances by one frame (ptime × RTP clock rate: G.722 160 per 20 ms although the
 *                audio is 16 kHz, opus 960) per frame sent or skipped.
 *
 * Internally audio is mono; codecs with 2 channels are averaged down / duplicated up.
 */
import type { Codec } from '../codec/types';
import { logger } from '../util/logger';
import { JitterBuffer, JB_EMPTY, JB_FRAME, type JitterBufferOptions } from './jitter-buffer';
import type { RtpSession } from './rtp-session';
import type { CodecProvider, LegMedia, Resampler } from './types';

/** Longest frame we decode: 120 ms (opus maximum) at 48 kHz. */
const MAX_FRAME_SAMPLES = 5760;

/** A bounded FIFO of L16 samples. */
export class PcmFifo {
  private buf: Int16Array;
  private head = 0;
  private len = 0;
  overflowDropped = 0;

  constructor(readonly capacity: number) {
    this.buf = new Int16Array(capacity);
  }

  get length(): number {
    return this.len;
  }

  clear(): void {
    this.head = 0;
    this.len = 0;
  }

  /** Append n samples; when full, the oldest samples are dropped (counted). */
  write(src: Int16Array, n: number = src.length): void {
    const cap = this.capacity;
    if (n > cap) {
      this.overflowDropped += n - cap;
      src = src.subarray(n - cap, n);
      n = cap;
    }
    const over = this.len + n - cap;
    if (over > 0) {
      this.head = (this.head + over) % cap;
      this.len -= over;
      this.overflowDropped += over;
    }
    let tail = (this.head + this.len) % cap;
    for (let i = 0; i < n; i++) {
      this.buf[tail] = src[i]!;
      tail = tail + 1 === cap ? 0 : tail + 1;
    }
    this.len += n;
  }

  /** Move up to n samples into out; returns how many. */
  read(out: Int16Array, n: number): number {
    const k = Math.min(n, this.len);
    const cap = this.capacity;
    for (let i = 0; i < k; i++) {
      out[i] = this.buf[this.head]!;
      this.head = this.head + 1 === cap ? 0 : this.head + 1;
    }
    this.len -= k;
    return k;
  }
}

/** Average interleaved channels into mono (in place allowed when out === src). */
export function downmix(src: Int16Array, samplesPerChannel: number, channels: number, out: Int16Array): Int16Array {
  if (channels === 1) return src.subarray(0, samplesPerChannel);
  for (let i = 0; i < samplesPerChannel; i++) {
    let acc = 0;
    for (let c = 0; c < channels; c++) acc += src[i * channels + c]!;
    out[i] = Math.round(acc / channels);
  }
  return out.subarray(0, samplesPerChannel);
}

/** Duplicate mono into interleaved channels. */
export function upmix(mono: Int16Array, n: number, channels: number, out: Int16Array): Int16Array {
  if (channels === 1) return mono.subarray(0, n);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) out[i * channels + c] = mono[i]!;
  return out.subarray(0, n * channels);
}

export interface DecodeStats {
  decoded: number;
  concealed: number;
  decodeErrors: number;
}

export class DecodePipe {
  readonly jb: JitterBuffer<Uint8Array>;
  readonly stats: DecodeStats = { decoded: 0, concealed: 0, decodeErrors: 0 };
  private readonly fifo: PcmFifo;
  private readonly dec: Int16Array;
  private readonly mono: Int16Array;
  private readonly resampler: Resampler | undefined;
  private readonly resampled: Int16Array;
  private readonly channels: number;
  /** 2 ms in samples at the codec rate / at the target rate. */
  private readonly rampIn: number;
  private readonly rampOut: number;
  private lastSample = 0;
  private prevConcealed = false;

  constructor(
    private readonly codec: Codec,
    readonly targetRate: number,
    provider: CodecProvider,
    jitter?: Partial<JitterBufferOptions>,
  ) {
    this.jb = new JitterBuffer<Uint8Array>(jitter);
    this.channels = Math.max(1, codec.description.channels);
    this.dec = new Int16Array(MAX_FRAME_SAMPLES * this.channels);
    this.mono = new Int16Array(MAX_FRAME_SAMPLES);
    const rate = codec.description.sampleRate;
    this.resampler = rate !== targetRate ? provider.createResampler(rate, targetRate) : undefined;
    this.resampled = new Int16Array(this.resampler ? this.resampler.outputLength(MAX_FRAME_SAMPLES) + 64 : 0);
    this.rampIn = Math.max(1, Math.round(rate / 500));
    this.rampOut = Math.max(1, Math.round(targetRate / 500));
    // Room for the jitter buffer's worth of audio plus a frame, at the target rate.
    this.fifo = new PcmFifo(Math.ceil((targetRate * 0.12) + targetRate * 0.02 * 4));
  }

  put(extSeq: number, payload: Uint8Array): void {
    this.jb.put(extSeq, payload);
  }

  /**
   * Write exactly n mono samples at targetRate into out and return n, or return 0 when the input is
   * idle (nothing buffered). A partial frame at the end of a talkspurt is padded with silence.
   */
  read(out: Int16Array, n: number): number {
    let idle = false;
    while (this.fifo.length < n) {
      const r = this.jb.pop();
      if (r === JB_EMPTY) {
        idle = true;
        break;
      }
      let samples = 0;
      let concealed = false;
      if (r === JB_FRAME) {
        try {
          samples = this.codec.decode(this.jb.item!, this.dec);
        } catch (err) {
          logger.debug({ err }, 'decode threw');
          samples = 0;
        }
        if (samples > 0) this.stats.decoded++;
        else this.stats.decodeErrors++;
      }
      if (samples <= 0) {
        samples = this.codec.conceal(this.dec);
        this.stats.concealed++;
        concealed = true;
      }
      if (samples <= 0) continue;
      this.pushDecoded(Math.min(samples, MAX_FRAME_SAMPLES), concealed);
    }
    const have = this.fifo.length;
    if (have >= n) return this.fifo.read(out, n);
    if (idle && have > 0) {
      const k = this.fifo.read(out, have);
      // End of a talkspurt mid-frame: fade the tail out instead of stepping to silence.
      const ramp = Math.min(k, this.rampOut);
      for (let i = 0; i < ramp; i++) out[k - ramp + i] = Math.round((out[k - ramp + i]! * (ramp - i)) / (ramp + 1));
      out.fill(0, k, n);
      this.lastSample = 0;
      return n;
    }
    return 0;
  }

  private pushDecoded(samples: number, concealed: boolean): void {
    const mono = downmix(this.dec, samples, this.channels, this.mono);
    // No clicks at concealment boundaries: G.711 and G.722 conceal with silence, so going into or
    // out of a concealed frame would step from the last sample to another level. Cross-fade the
    // first 2 ms from the previous frame's last sample into the new frame.
    if (concealed || this.prevConcealed) {
      const ramp = Math.min(samples, this.rampIn);
      const from = this.lastSample;
      for (let i = 0; i < ramp; i++) {
        const w = (i + 1) / (ramp + 1);
        mono[i] = Math.round(from * (1 - w) + mono[i]! * w);
      }
    }
    this.prevConcealed = concealed;
    this.lastSample = mono[samples - 1]!;
    if (this.resampler) {
      const n = this.resampler.process(mono, this.resampled);
      this.fifo.write(this.resampled, n);
    } else {
      this.fifo.write(mono);
    }
  }

  reset(): void {
    this.jb.reset();
    this.fifo.clear();
  }

  close(): void {
    this.resampler?.close();
  }
}

export interface EncodeStats {
  frames: number;
  skipped: number;
  encodeErrors: number;
}

export class EncodeSender {
  readonly stats: EncodeStats = { frames: 0, skipped: 0, encodeErrors: 0 };
  /** Mono samples per frame at the codec's sample rate. */
  readonly frameSamples: number;
  /** RTP timestamp units per frame. */
  readonly frameTs: number;
  readonly sampleRate: number;
  private readonly clockRate: number;
  private readonly channels: number;
  private readonly pcm: Int16Array;
  private readonly out: Uint8Array;
  private nextTs = 0;
  private markerPending = true;

  constructor(
    private readonly session: RtpSession,
    readonly media: LegMedia,
    readonly codec: Codec,
  ) {
    const d = codec.description;
    this.frameSamples = codec.frameSamples;
    this.sampleRate = d.sampleRate;
    this.clockRate = media.codec.clockRate;
    this.frameTs = Math.round((media.codec.ptime * media.codec.clockRate) / 1000);
    this.channels = Math.max(1, d.channels);
    this.pcm = new Int16Array(this.frameSamples * this.channels);
    // Room for the largest payload of one frame: L16 (2 bytes/sample) or an opus packet (< 4000).
    this.out = new Uint8Array(Math.max(4000, this.frameSamples * this.channels * 2 + 64));
  }

  /** The timestamp the next frame will carry; takes the session's stream over if needed. */
  currentTs(now: number): number {
    if (this.session.claimSender(this)) {
      this.nextTs = this.session.sender.timestampAfterGap(now, this.clockRate, this.frameTs);
      this.markerPending = true;
    }
    return this.nextTs;
  }

  /** Encode and send one frame of frameSamples mono samples. */
  send(mono: Int16Array, now: number): void {
    const ts = this.currentTs(now);
    const pcm = upmix(mono, this.frameSamples, this.channels, this.pcm);
    let n = 0;
    try {
      n = this.codec.encode(pcm, this.out);
    } catch (err) {
      logger.debug({ err }, 'encode threw');
      n = 0;
    }
    if (n > 0) {
      this.session.sendPayload(this.out.subarray(0, n), this.media.pt, ts, this.markerPending, this);
      this.markerPending = false;
      this.stats.frames++;
    } else {
      this.stats.encodeErrors++;
    }
    this.nextTs = (ts + this.frameTs) >>> 0;
  }

  /** Let `frames` frame times pass without sending (the next packet starts a talkspurt). */
  skip(frames: number, now: number): void {
    if (frames <= 0) return;
    this.stats.skipped += frames;
    this.markerPending = true;
    // Not our stream right now (someone else is producing): the next send re-synchronises anyway.
    if (this.session.sender.owner !== this) return;
    this.nextTs = (this.currentTs(now) + frames * this.frameTs) >>> 0;
  }

  /** Send a non-audio payload (telephone-event) on this stream. */
  sendOther(payload: Uint8Array, pt: number, ts: number, marker: boolean, now: number): void {
    this.currentTs(now);
    this.session.sendPayload(payload, pt, ts, marker, this);
  }

  close(): void {
    // The codec belongs to whoever created it (see TranscodePath / LegAudio).
  }
}
