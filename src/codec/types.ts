/**
 * The contract between src/codec/ and its users (media, endpoints). A Codec turns payloads into
 * 16-bit linear PCM (L16) frames at `sampleRate` and back. One call per frame, caller-owned buffers.
 */

/** A codec as the registry knows it and as FreeSWITCH codec strings describe it. */
export interface CodecDescription {
  /** IANA encoding name as in SDP rtpmap, canonical case: 'PCMU', 'PCMA', 'G722', 'opus', 'L16', 'telephone-event'. */
  name: string;
  /** Static payload type, if the codec has one (PCMU 0, PCMA 8, G722 9). */
  staticPt?: number;
  /** RTP clock rate as written in SDP (G722: 8000; opus: 48000). */
  clockRate: number;
  /** Rate of the L16 audio the codec consumes/produces (G722: 16000; opus: 48000/16000/8000). */
  sampleRate: number;
  channels: number;
  /** Packet time in ms. */
  ptime: number;
  /** Bits per second, when meaningful. */
  bitrate?: number;
  /** Extra fmtp, e.g. 'useinbandfec=1'. */
  fmtp?: string;
}

export interface Codec {
  readonly description: CodecDescription;
  /** Samples per channel in one frame of `ptime` at `sampleRate`. */
  readonly frameSamples: number;
  /**
   * Encode one frame of interleaved L16 (`frameSamples * channels` samples) into `out`.
   * Returns the number of payload bytes written.
   */
  encode(pcm: Int16Array, out: Uint8Array): number;
  /**
   * Decode one payload into `out` (L16 at sampleRate). Returns samples written per channel.
   * A malformed payload returns 0 (counted by the caller), never throws.
   */
  decode(payload: Uint8Array, out: Int16Array): number;
  /** Produce a concealment frame for a lost packet (silence if the codec has no PLC). */
  conceal(out: Int16Array): number;
  /**
   * Optional (opus with useinbandfec=1): rebuild the lost frame just before `nextPayload` from the
   * in-band FEC data it carries, then call decode(nextPayload) as usual. Falls back to conceal().
   */
  recover?(nextPayload: Uint8Array, out: Int16Array): number;
  /** Idempotent. Releases native/WASM state. */
  close(): void;
}
