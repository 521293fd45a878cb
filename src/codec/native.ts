/**
 * The one loader of native/build/Release/strowger_native.node (built by `npm install` through
 * node-gyp). Everything else in src/ reaches the addon through src/codec/ objects.
 *
 * Surface (native/src/addon.c): a handful of functions over typed arrays, caller-owned output,
 * one call per frame. Wrong argument types or too-small outputs throw TypeError (control plane).
 * Handles are N-API externals with a finalizer; free() releases them early and is idempotent.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { StrowgerError } from '../util/errors';
import { logger } from '../util/logger';

const log = logger.child({ mod: 'codec.native' });

/** Opaque native state (G.722 encoder/decoder, resampler). */
export type NativeHandle = { readonly __native: unique symbol };

/** Codec kinds understood by the fused transcode() call. */
export const NativeKind = { PCMU: 0, PCMA: 1, L16: 2, G722: 3 } as const;
export type NativeKind = (typeof NativeKind)[keyof typeof NativeKind];

export interface NativeAddon {
  readonly version: number;
  ulawEncode(pcm: Int16Array, out: Uint8Array): number;
  ulawDecode(codes: Uint8Array, out: Int16Array): number;
  alawEncode(pcm: Int16Array, out: Uint8Array): number;
  alawDecode(codes: Uint8Array, out: Int16Array): number;
  g722EncoderCreate(): NativeHandle;
  g722DecoderCreate(): NativeHandle;
  /** pcm: 16 kHz, even length; writes pcm.length / 2 codes. */
  g722Encode(enc: NativeHandle, pcm: Int16Array, out: Uint8Array): number;
  /** Writes 2 samples (16 kHz) per code. */
  g722Decode(dec: NativeHandle, codes: Uint8Array, out: Int16Array): number;
  /** from/to in {8000, 16000, 48000}. */
  resamplerCreate(fromRate: number, toRate: number): NativeHandle;
  /** Returns output samples written; state carried across calls. */
  resample(r: NativeHandle, input: Int16Array, out: Int16Array): number;
  /** Group delay in output samples (integer by design). */
  resamplerDelay(r: NativeHandle): number;
  /** Back to the initial state (G.722 encoder/decoder or resampler). */
  reset(h: NativeHandle): void;
  /** Release native memory now; later calls with the handle throw. Idempotent. */
  free(h: NativeHandle): void;
  /**
   * Fused decode -> resample -> encode for one frame. src/dst states are G.722 handles for G722 and
   * null otherwise; resampler is null when the rates match. Returns bytes written to out; 0 for a
   * malformed payload (odd-length L16).
   */
  transcode(
    srcKind: NativeKind,
    srcState: NativeHandle | null,
    payload: Uint8Array,
    resampler: NativeHandle | null,
    dstKind: NativeKind,
    dstState: NativeHandle | null,
    out: Uint8Array,
  ): number;
}

let loaded: NativeAddon | null | undefined;

export function nativeAddonPath(): string {
  return fileURLToPath(new URL('../../native/build/Release/strowger_native.node', import.meta.url));
}

/** The addon, or undefined when it is not built (or STROWGER_NO_NATIVE=1). Loaded once. */
export function nativeAddon(): NativeAddon | undefined {
  if (loaded !== undefined) return loaded ?? undefined;
  if (process.env.STROWGER_NO_NATIVE === '1') {
    loaded = null;
    return undefined;
  }
  try {
    const require = createRequire(import.meta.url);
    loaded = require(nativeAddonPath()) as NativeAddon;
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'native DSP addon not loaded; G.722 and resampling unavailable (run npm install)');
    loaded = null;
  }
  return loaded ?? undefined;
}

/** Like nativeAddon() but throws CODEC_NATIVE for codecs that have no TypeScript path. */
export function requireNative(what: string): NativeAddon {
  const n = nativeAddon();
  if (!n) {
    throw new StrowgerError('CODEC_NATIVE', `${what} needs the native addon (${nativeAddonPath()}); run npm install`);
  }
  return n;
}

