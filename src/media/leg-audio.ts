/**
 * Small helpers for apps on a single leg:
 *   startEcho    loop a leg's media back to itself (relay path from the session to itself).
 *   LegPlayer    inject L16 (WAV, tones) on a leg: source -> resample -> encode, one frame per ptime;
 *                while it plays it holds the leg's outbound stream alone (bridged audio is muted).
 *   LegCapture   capture a leg's audio as L16 frames (recording): jitter buffer, decode, resample.
 */
import type { Codec } from '../codec/types';
import { realClock, type Clock } from '../util/clock';
import { DecodePipe, EncodeSender, PcmFifo } from './audio-pipe';
import type { JitterBufferOptions } from './jitter-buffer';
import { Pacer } from './pacer';
import { RelayPath, relayPtMap, type RelayStats } from './relay';
import type { RtpHeader } from './rtp-packet';
import type { RtpSession } from './rtp-session';
import { PacketKind, type CodecProvider, type PacketKindCode, type Resampler } from './types';
import { StrowgerError } from '../util/errors';
import { logger } from '../util/logger';

export interface EchoHandle {
  readonly stats: RelayStats;
  stop(): void;
}

/** Echo a leg's RTP (audio and telephone-events) back to it. The leg must have media set. */
export function startEcho(session: RtpSession): EchoHandle {
  const m = session.media;
  if (!m) throw new StrowgerError('CHANNEL_STATE', 'echo needs negotiated media on the leg');
  const path = new RelayPath(session, session, relayPtMap(m, m), m);
  session.setSink(path.sink);
  return {
    stats: path.stats,
    stop: () => {
      path.close();
      session.setSink(null);
    },
  };
}

/** Pull-style L16 mono source. read() fills up to out.length samples; 0 means the end. */
export interface L16Source {
  readonly sampleRate: number;
  read(out: Int16Array): number;
}

export class LegPlayer {
  private readonly codec: Codec;
  private readonly enc: EncodeSender;
  private readonly frame: Int16Array;
  private readonly pacer: Pacer;
  private readonly fifo: PcmFifo;
  private source: L16Source | undefined;
  private resampler: Resampler | undefined;
  private chunk = new Int16Array(0);
  private resampled = new Int16Array(0);
  private ended = false;
  private done: (() => void) | undefined;
  private closed = false;
  framesSent = 0;

  constructor(
    private readonly session: RtpSession,
    private readonly codecs: CodecProvider,
    clock: Clock = session.clock ?? realClock,
  ) {
    const m = session.media;
    if (!m) throw new StrowgerError('CHANNEL_STATE', 'playback needs negotiated media on the leg');
    this.codec = codecs.createCodec(m.codec);
    this.enc = new EncodeSender(session, m, this.codec);
    this.frame = new Int16Array(this.enc.frameSamples);
    this.fifo = new PcmFifo(this.enc.frameSamples * 4);
    this.pacer = new Pacer(clock, m.codec.ptime, this.tick);
  }

  /** Play until the source ends or stop(); resolves then. A second play() replaces the first. */
  play(source: L16Source): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.finish();
    this.source = source;
    this.resampler?.close();
    this.resampler = source.sampleRate !== this.enc.sampleRate ? this.codecs.createResampler(source.sampleRate, this.enc.sampleRate) : undefined;
    this.chunk = new Int16Array(Math.ceil((this.enc.frameSamples * source.sampleRate) / this.enc.sampleRate));
    this.resampled = new Int16Array(this.resampler ? this.resampler.outputLength(this.chunk.length) + 64 : 0);
    this.fifo.clear();
    this.ended = false;
    const p = new Promise<void>((resolve) => {
      this.done = resolve;
    });
    this.session.acquireExclusive(this.enc);
    this.pacer.start();
    return p;
  }

  private readonly tick = (now: number, missed: number): void => {
    const src = this.source;
    if (!src) return;
    // After a stall of ours, playback pauses (the timeline skips, the file does not).
    if (missed > 0) this.enc.skip(missed, now);
    const need = this.frame.length;
    while (!this.ended && this.fifo.length < need) {
      let n = 0;
      try {
        n = src.read(this.chunk);
      } catch (err) {
        logger.error({ err }, 'playback source threw; playback ends');
        n = 0;
      }
      if (n <= 0) {
        this.ended = true;
        break;
      }
      const pcm = this.chunk.subarray(0, n);
      if (this.resampler) this.fifo.write(this.resampled, this.resampler.process(pcm, this.resampled));
      else this.fifo.write(pcm);
    }
    const have = this.fifo.read(this.frame, need);
    if (have === 0) {
      this.finish();
      return;
    }
    if (have < need) this.frame.fill(0, have);
    this.enc.send(this.frame, now);
    this.framesSent++;
    if (this.ended && this.fifo.length === 0) this.finish();
  };

  private finish(): void {
    this.pacer.stop();
    this.session.releaseExclusive(this.enc);
    this.source = undefined;
    const d = this.done;
    this.done = undefined;
    d?.();
  }

  stop(): void {
    this.finish();
  }

  /** Idempotent; resolves a pending play(). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.finish();
    this.resampler?.close();
    this.codec.close();
  }
}

export interface LegCaptureOptions {
  /** Rate of the delivered frames; default the codec's sample rate. */
  sampleRate?: number;
  clock?: Clock;
  jitter?: Partial<JitterBufferOptions>;
  /** Deliver silent frames while the leg sends nothing (keeps a recording's timeline). */
  emitSilence?: boolean;
}

export class LegCapture {
  private readonly codec: Codec;
  private readonly pipe: DecodePipe;
  private readonly pacer: Pacer;
  private readonly frame: Int16Array;
  private readonly removeTap: () => void;
  private closed = false;
  readonly sampleRate: number;
  frames = 0;

  constructor(
    session: RtpSession,
    codecs: CodecProvider,
    private readonly onFrame: (pcm: Int16Array, sampleRate: number) => void,
    private readonly opts: LegCaptureOptions = {},
  ) {
    const m = session.media;
    if (!m) throw new StrowgerError('CHANNEL_STATE', 'capture needs negotiated media on the leg');
    this.codec = codecs.createCodec(m.codec);
    this.sampleRate = opts.sampleRate ?? m.codec.sampleRate;
    this.pipe = new DecodePipe(this.codec, this.sampleRate, codecs, opts.jitter);
    this.frame = new Int16Array(Math.round((m.codec.ptime * this.sampleRate) / 1000));
    this.removeTap = session.addTap(this.tap);
    this.pacer = new Pacer(opts.clock ?? session.clock ?? realClock, m.codec.ptime, this.tick);
    this.pacer.start();
  }

  private readonly tap = (pkt: Buffer, hdr: RtpHeader, kind: PacketKindCode, extSeq: number): void => {
    if (kind !== PacketKind.AUDIO || this.closed) return;
    this.pipe.put(extSeq, pkt.subarray(hdr.payloadOffset, hdr.payloadOffset + hdr.payloadLength));
  };

  private readonly tick = (_now: number, missed: number): void => {
    // A recording must not lose audio to our own stalls: catch up on missed frames (no wire here).
    for (let i = 0; i <= missed && !this.closed; i++) {
      const n = this.pipe.read(this.frame, this.frame.length);
      if (n === 0) {
        if (!this.opts.emitSilence) continue;
        this.frame.fill(0);
      }
      this.frames++;
      try {
        this.onFrame(this.frame, this.sampleRate);
      } catch (err) {
        logger.error({ err }, 'capture frame listener threw');
      }
    }
  };

  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pacer.stop();
    this.removeTap();
    this.pipe.close();
    this.codec.close();
  }
}
