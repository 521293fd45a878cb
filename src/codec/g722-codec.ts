/**
 * G.722 64 kbit/s (ITU-T G.722 mode 1) over the native encoder/decoder handles.
 * RTP clock 8000 (RFC 3551 §4.5.2), audio 16 kHz: a 20 ms frame is 320 samples -> 160 bytes.
 */
import { requireNative, type NativeAddon, type NativeHandle } from './native';
import { frameSamplesOf } from './pcm-codecs';
import type { Codec, CodecDescription } from './types';

export class G722Codec implements Codec {
  readonly frameSamples: number;
  private readonly n: NativeAddon;
  private enc: NativeHandle | null;
  private dec: NativeHandle | null;

  constructor(readonly description: CodecDescription) {
    this.n = requireNative('G722');
    this.frameSamples = frameSamplesOf(description);
    this.enc = this.n.g722EncoderCreate();
    this.dec = this.n.g722DecoderCreate();
  }

  /** The native handles, for the fused transcoder (null once closed). */
  get encoderHandle(): NativeHandle | null {
    return this.enc;
  }
  get decoderHandle(): NativeHandle | null {
    return this.dec;
  }

  /** pcm: 16 kHz samples, even count; writes pcm.length / 2 bytes. */
  encode(pcm: Int16Array, out: Uint8Array): number {
    if (!this.enc) return 0;
    return this.n.g722Encode(this.enc, pcm, out);
  }

  /** Two samples per byte; every byte is a valid code. Returns 0 if out cannot hold the frame. */
  decode(payload: Uint8Array, out: Int16Array): number {
    if (!this.dec || out.length < payload.length * 2) return 0;
    return this.n.g722Decode(this.dec, payload, out);
  }

  /** No PLC in G.722 mode 1 (G.722 Appendix III/IV are not implemented): silence. */
  conceal(out: Int16Array): number {
    const k = Math.min(this.frameSamples, out.length);
    out.fill(0, 0, k);
    return k;
  }

  close(): void {
    if (this.enc) this.n.free(this.enc);
    if (this.dec) this.n.free(this.dec);
    this.enc = null;
    this.dec = null;
  }
}
