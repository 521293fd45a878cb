/**
 * Resampler between 8, 16 and 48 kHz over the native polyphase FIR (native/src/resampler.c):
 * windowed-sinc low-pass, about 60 dB stop band, pass band to 0.84 of the lower Nyquist, state
 * carried across frames. Delay is a whole number of output samples (`delay`).
 */
import { StrowgerError } from '../util/errors';
import { requireNative, type NativeAddon, type NativeHandle } from './native';

export const RESAMPLER_RATES: readonly number[] = [8000, 16000, 48000];

export class Resampler {
  private readonly n: NativeAddon;
  private h: NativeHandle | null;
  /** Group delay in output samples. */
  readonly delay: number;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!RESAMPLER_RATES.includes(fromRate) || !RESAMPLER_RATES.includes(toRate)) {
      throw new StrowgerError('CODEC_UNKNOWN', `no resampler for ${fromRate} -> ${toRate} Hz (rates: ${RESAMPLER_RATES.join(', ')})`);
    }
    this.n = requireNative('resampling');
    this.h = this.n.resamplerCreate(fromRate, toRate);
    this.delay = this.n.resamplerDelay(this.h);
  }

  /** Output samples for `inputSamples` input samples (exact for frames that are multiples of the ratio). */
  outputLength(inputSamples: number): number {
    return Math.ceil((inputSamples * this.toRate) / this.fromRate);
  }

  /** The native handle, for the fused transcoder (null once closed). */
  get handle(): NativeHandle | null {
    return this.h;
  }

  /**
   * Resample one frame into `out` (at least outputLength(input.length) long; TypeError otherwise).
   * Returns samples written; 0 after close().
   */
  process(input: Int16Array, out: Int16Array): number {
    if (!this.h) return 0;
    return this.n.resample(this.h, input, out);
  }

  reset(): void {
    if (this.h) this.n.reset(this.h);
  }

  close(): void {
    if (this.h) this.n.free(this.h);
    this.h = null;
  }
}

export function createResampler(fromRate: number, toRate: number): Resampler {
  return new Resampler(fromRate, toRate);
}
