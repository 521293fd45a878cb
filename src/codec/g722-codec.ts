/**
 * G.722 64 kbit/s (ITU-T G.722 mode 1) over the native encoder/decoder handles.
 * RTP clock 8000 (RFC 3551 §4.5.2), audio 16 kHz: a 20 ms frame is 320 samples -> 160 bytes.
 */
import { requireNative, type NativeAddon, type NativeHandle } from './native';
import { concealFrame, frameSamplesOf } from './pcm-codecs';
import { PitchPlc } from './plc';
import type { Codec, CodecDescription } from './types';

export class G722Codec implements Codec {
  readonly frameSamples: number;
  private readonly n: NativeAddon;
  private enc: NativeHandle | null;
  private dec: NativeHandle | null;
  private readonly plc: PitchPlc | undefined;

  constructor(
    readonly description: CodecDescription,
    plc = true,
  ) {
    this.n = requireNative('G722');
    this.plc = plc ? new PitchPlc(16000) : undefined;
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
    const k = this.n.g722Decode(this.dec, payload, out);
    this.plc?.good(out, k);
    return k;
  }

  /**
   * Pitch-repetition PLC on the decoded audio (src/codec/plc.ts), or silence with plc off. The
   * ADPCM state is not advanced through the gap (G.722 Appendix III/IV do that; not implemented).
   */
  conceal(out: Int16Array): number {
    return concealFrame(this.plc, this.frameSamples, out);
  }

  close(): void {
    if (this.enc) this.n.free(this.enc);
    if (this.dec) this.n.free(this.dec);
    this.enc = null;
    this.dec = null;
  }
}
