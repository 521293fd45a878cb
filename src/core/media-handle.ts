/**
 * A call leg's media as the core and the apps see it. The endpoint (sofia) implements it on top of
 * src/media (RTP session + negotiated codec); tests implement it with fakes. The core never
 * touches RTP, SDP or sockets.
 *
 * Calls go down (bridge/echo/play); nothing here calls back into the core.
 */
import type { CodecDescription } from '../codec/types';
import type { L16Source } from '../media';

export type { L16Source };

/** A media connection that can be torn down. close() is idempotent. */
export interface MediaLink {
  close(): void;
}

export interface MediaHandle {
  /** The leg's negotiated audio codec; undefined until negotiated. */
  readonly codec: CodecDescription | undefined;
  /**
   * Join this leg's media with `other` in both directions; the media plane picks relay (same
   * codec) or transcode. Closing the returned link unjoins both directions.
   */
  bridge(other: MediaHandle): MediaLink;
  /** Loop the media received on this leg back to its sender. */
  echo(): MediaLink;
  /**
   * Play mono L16 audio from `source` to the far end (the media plane resamples, encodes and paces
   * one frame per ptime; src/media LegPlayer). Resolves when the source ends or `signal` aborts.
   * Data plane: never rejects; without negotiated media it resolves at once.
   */
  play(source: L16Source, signal: AbortSignal): Promise<void>;
  /** Optional tap on decoded received audio (recording, tone detection later). Returns an unsubscribe. */
  onAudio?(listener: (pcm: Int16Array, sampleRate: number) => void): () => void;
}

/** Frame geometry for writing audio to a leg: the codec's L16 side, defaulting to 8 kHz / 20 ms. */
export function audioFrameShape(codec: CodecDescription | undefined): { sampleRate: number; ptimeMs: number; samples: number } {
  const sampleRate = codec?.sampleRate && codec.sampleRate > 0 ? codec.sampleRate : 8000;
  const ptimeMs = codec?.ptime && codec.ptime > 0 ? codec.ptime : 20;
  return { sampleRate, ptimeMs, samples: Math.round((sampleRate * ptimeMs) / 1000) };
}
