/**
 * Payload-to-payload transcoding for one direction of a call, one call per packet.
 *
 *   fused (PCMU, PCMA, L16, G722 on both sides): one native call does decode -> resample ->
 *     encode on the C stack, no JS allocation (native transcode()).
 *   generic (anything with opus): Codec.decode -> Resampler -> Codec.encode with preallocated
 *     buffers. Source and destination ptime must match (repacketisation is media's business).
 */
import { StrowgerError } from '../util/errors';
import { NativeKind, requireNative, type NativeAddon, type NativeHandle } from './native';
import { frameSamplesOf } from './pcm-codecs';
import { Resampler } from './resampler';
import type { Codec, CodecDescription } from './types';

export interface PayloadTranscoder {
  readonly src: CodecDescription;
  readonly dst: CodecDescription;
  /** True when the native fused path is used. */
  readonly fused: boolean;
  /** Largest payload transcode()/conceal() can write for one src frame; size `out` with it. */
  readonly maxOutputBytes: number;
  /** Transcode one packet. Returns bytes written; 0 = drop (malformed, too big, or DTX silence). */
  transcode(payload: Uint8Array, out: Uint8Array): number;
  /** A source packet was lost: encode a concealment (or silence) frame instead. */
  conceal(out: Uint8Array): number;
  close(): void;
}

const KIND_BY_NAME: Record<string, NativeKind | undefined> = {
  PCMU: NativeKind.PCMU,
  PCMA: NativeKind.PCMA,
  L16: NativeKind.L16,
  G722: NativeKind.G722,
};

function bytesPerFrame(d: CodecDescription, samples: number): number {
  switch (d.name) {
    case 'PCMU':
    case 'PCMA':
      return samples;
    case 'G722':
      return samples >> 1;
    case 'L16':
      return samples * 2 * d.channels;
    default:
      return 4000; // opus: libopus max packet we accept
  }
}

/** True when both sides can use the fused native path. */
export function canFuse(src: CodecDescription, dst: CodecDescription): boolean {
  return KIND_BY_NAME[src.name] !== undefined && KIND_BY_NAME[dst.name] !== undefined && src.channels === 1 && dst.channels === 1;
}

class FusedTranscoder implements PayloadTranscoder {
  readonly fused = true;
  readonly maxOutputBytes: number;
  private readonly n: NativeAddon;
  private readonly srcKind: NativeKind;
  private readonly dstKind: NativeKind;
  private srcState: NativeHandle | null = null;
  private dstState: NativeHandle | null = null;
  private rs: NativeHandle | null = null;
  private readonly silence: Uint8Array;
  private closed = false;

  constructor(
    readonly src: CodecDescription,
    readonly dst: CodecDescription,
  ) {
    this.n = requireNative('transcoding');
    this.srcKind = KIND_BY_NAME[src.name]!;
    this.dstKind = KIND_BY_NAME[dst.name]!;
    if (this.srcKind === NativeKind.G722) this.srcState = this.n.g722DecoderCreate();
    if (this.dstKind === NativeKind.G722) this.dstState = this.n.g722EncoderCreate();
    if (src.sampleRate !== dst.sampleRate) this.rs = this.n.resamplerCreate(src.sampleRate, dst.sampleRate);
    const dstSamples = Math.ceil((frameSamplesOf(src) * dst.sampleRate) / src.sampleRate);
    this.maxOutputBytes = bytesPerFrame(dst, dstSamples);
    this.silence = new Uint8Array(frameSamplesOf(src) * 2); // L16 zeros at the source rate
  }

  transcode(payload: Uint8Array, out: Uint8Array): number {
    if (this.closed) return 0;
    return this.n.transcode(this.srcKind, this.srcState, payload, this.rs, this.dstKind, this.dstState, out);
  }

  /** No PLC on these codecs: push one frame of silence through resampler and encoder. */
  conceal(out: Uint8Array): number {
    if (this.closed) return 0;
    return this.n.transcode(NativeKind.L16, null, this.silence, this.rs, this.dstKind, this.dstState, out);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of [this.srcState, this.dstState, this.rs]) if (h) this.n.free(h);
    this.srcState = this.dstState = this.rs = null;
  }
}

class GenericTranscoder implements PayloadTranscoder {
  readonly fused = false;
  readonly maxOutputBytes: number;
  private readonly pcmSrc: Int16Array;
  private readonly pcmDst: Int16Array | undefined;
  private closed = false;

  constructor(
    readonly src: CodecDescription,
    readonly dst: CodecDescription,
    private readonly decoder: Codec,
    private readonly encoder: Codec,
    private readonly rs: Resampler | undefined,
  ) {
    // Room for a 120 ms source frame, whatever ptime the peer really sends.
    this.pcmSrc = new Int16Array(Math.ceil((src.sampleRate * 120) / 1000) * src.channels);
    if (rs) this.pcmDst = new Int16Array(rs.outputLength(this.pcmSrc.length));
    this.maxOutputBytes = bytesPerFrame(dst, encoder.frameSamples);
  }

  private encodeFrom(k: number, out: Uint8Array): number {
    if (k <= 0) return 0;
    let pcm = this.pcmSrc.subarray(0, k * this.src.channels);
    if (this.rs && this.pcmDst) {
      const m = this.rs.process(pcm, this.pcmDst);
      pcm = this.pcmDst.subarray(0, m);
    }
    if (pcm.length !== this.encoder.frameSamples * this.dst.channels) return 0; // ptime mismatch: drop
    return this.encoder.encode(pcm, out);
  }

  transcode(payload: Uint8Array, out: Uint8Array): number {
    if (this.closed) return 0;
    return this.encodeFrom(this.decoder.decode(payload, this.pcmSrc), out);
  }

  conceal(out: Uint8Array): number {
    if (this.closed) return 0;
    return this.encodeFrom(this.decoder.conceal(this.pcmSrc), out);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.decoder.close();
    this.encoder.close();
    this.rs?.close();
  }
}

/**
 * Build a transcoder from src payloads to dst payloads. `makeCodec` is createCodec (passed in to
 * keep this module free of the registry's import cycle). Throws CODEC_UNKNOWN for unsupported pairs.
 */
export function createPayloadTranscoderWith(
  src: CodecDescription,
  dst: CodecDescription,
  makeCodec: (d: CodecDescription) => Codec,
): PayloadTranscoder {
  if (src.ptime !== dst.ptime) {
    throw new StrowgerError('CODEC_UNKNOWN', `transcoding ${src.name}@${src.ptime}i -> ${dst.name}@${dst.ptime}i needs repacketisation (ptimes differ)`);
  }
  if (src.channels !== dst.channels) {
    throw new StrowgerError('CODEC_UNKNOWN', `transcoding between ${src.channels} and ${dst.channels} channels is not supported`);
  }
  if (src.channels !== 1 && src.sampleRate !== dst.sampleRate) {
    throw new StrowgerError('CODEC_UNKNOWN', `resampling ${src.channels}-channel audio is not supported`);
  }
  if (canFuse(src, dst)) return new FusedTranscoder(src, dst);
  const decoder = makeCodec(src);
  let encoder: Codec | undefined;
  try {
    encoder = makeCodec(dst);
    const rs = src.sampleRate !== dst.sampleRate ? new Resampler(src.sampleRate, dst.sampleRate) : undefined;
    return new GenericTranscoder(src, dst, decoder, encoder, rs);
  } catch (e) {
    decoder.close();
    encoder?.close();
    throw e;
  }
}
