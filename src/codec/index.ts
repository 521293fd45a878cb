/**
 * The public door into src/codec/: codec registry, codec strings, createCodec(), resampler and the
 * fused transcoder. Media and endpoints import from here.
 */
import { StrowgerError } from '../util/errors';
import { G722Codec } from './g722-codec';
import { OpusCodec } from './opus-codec';
import { L16Codec, G711Codec } from './pcm-codecs';
import { findCodec } from './registry';
import { createPayloadTranscoderWith, type PayloadTranscoder } from './transcoder';
import type { Codec, CodecDescription } from './types';

export type { Codec, CodecDescription } from './types';
export { CODECS, findCodec, defaultDescription, type CodecInfo } from './registry';
export { parseCodecString, parseCodecStringExact, formatCodecString, formatCodec, type ParseCodecStringOptions, type ParsedCodecString } from './codec-string';
export { nativeAddon } from './native';
export { Resampler, createResampler, RESAMPLER_RATES } from './resampler';
export { canFuse, type PayloadTranscoder } from './transcoder';
export { parseOpusFmtp, OPUS_DEFAULT_COMPLEXITY, type OpusFmtp } from './opus-codec';

export interface CreateCodecOptions {
  /** Opus encoder complexity 0-10 (default 5: density over the last bit of quality). */
  complexity?: number;
  /** Opus target bitrate in b/s (default: description.bitrate, else 32000 at 48 kHz / 24000 below). */
  bitrate?: number;
  /** G.711, G.722, L16: pitch-repetition packet loss concealment in conceal() (default true; false = silence). */
  plc?: boolean;
}

type Factory = (d: CodecDescription, o: CreateCodecOptions) => Codec;

const FACTORIES = new Map<string, Factory>([
  ['PCMU', (d, o) => new G711Codec(d, 'ulaw', o.plc ?? true)],
  ['PCMA', (d, o) => new G711Codec(d, 'alaw', o.plc ?? true)],
  ['L16', (d, o) => new L16Codec(d, o.plc ?? true)],
  ['G722', (d, o) => new G722Codec(d, o.plc ?? true)],
  ['opus', (d, o) => new OpusCodec(d, o)],
]);

/** Register an implementation (used by this folder's own modules). */
export function registerCodecFactory(name: string, f: Factory): void {
  FACTORIES.set(name, f);
}

/**
 * A stateful encoder+decoder for one stream. Throws CODEC_UNKNOWN for names without an
 * implementation (telephone-event is description-only) and CODEC_NATIVE when the addon is missing.
 */
export function createCodec(desc: CodecDescription, opts: CreateCodecOptions = {}): Codec {
  const info = findCodec(desc.name);
  const f = info ? FACTORIES.get(info.name) : undefined;
  if (!info || !f) throw new StrowgerError('CODEC_UNKNOWN', `no implementation for codec '${desc.name}'`, { codec: desc.name });
  if (desc.channels < 1 || !info.channels.includes(desc.channels)) {
    throw new StrowgerError('CODEC_UNKNOWN', `${info.name} has no ${desc.channels}-channel implementation`, { codec: desc.name });
  }
  if (!(info.name === 'G722' ? desc.sampleRate === 16000 : info.rates.includes(desc.sampleRate))) {
    throw new StrowgerError('CODEC_UNKNOWN', `${info.name} has no ${desc.sampleRate} Hz implementation`, { codec: desc.name });
  }
  if (!(desc.ptime > 0)) throw new StrowgerError('CODEC_UNKNOWN', `${info.name}: bad ptime ${desc.ptime}`, { codec: desc.name });
  return f(desc, opts);
}

/**
 * A per-direction payload transcoder: the fused native path for PCMU/PCMA/L16/G722 pairs, the
 * generic Codec path (with opus) otherwise. Source and destination ptime must be equal.
 */
export function createPayloadTranscoder(src: CodecDescription, dst: CodecDescription, opts: CreateCodecOptions = {}): PayloadTranscoder {
  return createPayloadTranscoderWith(src, dst, (d) => createCodec(d, opts));
}
