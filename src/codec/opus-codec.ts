/**
 * Opus (RFC 6716) over libopus in WebAssembly. SDP says opus/48000/2 (RFC 7587 §7); the audio
 * inside runs at description.sampleRate (48000, 16000 or 8000: libopus codes and decodes at those
 * rates natively, which saves a resampling step) with description.channels (1 by default).
 *
 * fmtp (RFC 7587 §6.1) honoured: useinbandfec=1 (encoder adds LBRR data; decoder can rebuild a
 * lost frame from the next packet: recover()), usedtx=1 (encoder stops sending during silence:
 * encode() returns 0 = nothing to send), maxaveragebitrate (caps the bitrate), cbr=1.
 */
import { StrowgerError } from '../util/errors';
import { OpusCtl, opusWasm, OPUS_APPLICATION_VOIP, OPUS_MAX_FRAME, type OpusWasm } from './opus-wasm';
import { frameSamplesOf } from './pcm-codecs';
import type { Codec, CodecDescription } from './types';

export interface OpusOptions {
  /** 0-10; default 5 (see test/bench/codec-opus.ts for the cost ratio against 10). */
  complexity?: number;
  /** Target bitrate in b/s. */
  bitrate?: number;
  /** Expected loss in percent; FEC needs > 0 to emit anything (default 10 when FEC is on). */
  packetLossPercent?: number;
}

export interface OpusFmtp {
  useinbandfec: boolean;
  usedtx: boolean;
  cbr: boolean;
  maxaveragebitrate?: number;
}

/** Parse an opus fmtp line ('useinbandfec=1; usedtx=1'). Unknown keys are ignored. */
export function parseOpusFmtp(fmtp: string | undefined): OpusFmtp {
  const r: OpusFmtp = { useinbandfec: false, usedtx: false, cbr: false };
  if (!fmtp) return r;
  for (const part of fmtp.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    const v = part.slice(eq + 1).trim();
    if (k === 'useinbandfec') r.useinbandfec = v === '1';
    else if (k === 'usedtx') r.usedtx = v === '1';
    else if (k === 'cbr') r.cbr = v === '1';
    else if (k === 'maxaveragebitrate') {
      const n = Number.parseInt(v, 10);
      if (n >= 6000 && n <= 510000) r.maxaveragebitrate = n;
    }
  }
  return r;
}

export const OPUS_DEFAULT_COMPLEXITY = 5;

export class OpusCodec implements Codec {
  readonly frameSamples: number;
  readonly fmtp: OpusFmtp;
  readonly bitrate: number;
  readonly complexity: number;
  private readonly w: OpusWasm;
  private enc = 0;
  private dec = 0;
  private readonly channels: number;

  constructor(
    readonly description: CodecDescription,
    opts: OpusOptions = {},
  ) {
    const rate = description.sampleRate;
    if (rate !== 48000 && rate !== 16000 && rate !== 8000) {
      throw new StrowgerError('CODEC_UNKNOWN', `opus: unsupported audio rate ${rate}`);
    }
    this.channels = description.channels;
    this.frameSamples = frameSamplesOf(description);
    if (![10, 20, 40, 60].includes(description.ptime)) throw new StrowgerError('CODEC_UNKNOWN', `opus: unsupported ptime ${description.ptime}`);
    this.fmtp = parseOpusFmtp(description.fmtp);
    this.complexity = Math.max(0, Math.min(10, Math.round(opts.complexity ?? OPUS_DEFAULT_COMPLEXITY)));
    let bitrate = opts.bitrate ?? description.bitrate ?? (rate === 48000 ? 32000 : 24000);
    if (this.fmtp.maxaveragebitrate !== undefined) bitrate = Math.min(bitrate, this.fmtp.maxaveragebitrate);
    this.bitrate = bitrate;
    this.w = opusWasm();
    try {
      this.enc = this.w.createEncoder(rate, this.channels, OPUS_APPLICATION_VOIP);
      this.dec = this.w.createDecoder(rate, this.channels);
      const x = this.w.x;
      x.opus_encoder_ctl_set(this.enc, OpusCtl.SET_COMPLEXITY, this.complexity);
      x.opus_encoder_ctl_set(this.enc, OpusCtl.SET_BITRATE, bitrate);
      x.opus_encoder_ctl_set(this.enc, OpusCtl.SET_SIGNAL, OpusCtl.SIGNAL_VOICE);
      if (this.fmtp.cbr) x.opus_encoder_ctl_set(this.enc, OpusCtl.SET_VBR, 0);
      if (this.fmtp.useinbandfec) {
        x.opus_encoder_ctl_set(this.enc, OpusCtl.SET_INBAND_FEC, 1);
        x.opus_encoder_ctl_set(this.enc, OpusCtl.SET_PACKET_LOSS_PERC, Math.max(1, Math.min(100, opts.packetLossPercent ?? 10)));
      }
      if (this.fmtp.usedtx) x.opus_encoder_ctl_set(this.enc, OpusCtl.SET_DTX, 1);
    } catch (e) {
      this.close();
      throw new StrowgerError('CODEC_NATIVE', `opus: ${(e as Error).message}`);
    }
  }

  /**
   * Encode one frame (frameSamples * channels samples; a different length is a caller bug:
   * TypeError). Returns payload bytes; 0 when DTX says the packet need not be sent (libopus
   * returns <= 2 bytes then) or on an encoder error.
   */
  encode(pcm: Int16Array, out: Uint8Array): number {
    if (!this.enc) return 0;
    if (pcm.length !== this.frameSamples * this.channels) {
      throw new TypeError(`opus encode: expected ${this.frameSamples * this.channels} samples, got ${pcm.length}`);
    }
    const len = this.w.encode(this.enc, pcm, this.frameSamples, this.channels, out);
    if (len <= 0) return 0;
    if (len <= 2 && this.fmtp.usedtx) return 0;
    return len;
  }

  /** Decode one packet; a malformed packet (or too-small out) returns 0. */
  decode(payload: Uint8Array, out: Int16Array): number {
    if (!this.dec || payload.length === 0) return 0;
    const k = this.w.decode(this.dec, payload, Math.floor(out.length / this.channels), this.channels, 0, out);
    return k > 0 ? k : 0;
  }

  /** libopus packet loss concealment for one frame. */
  conceal(out: Int16Array): number {
    const n = Math.min(this.frameSamples, Math.floor(out.length / this.channels), OPUS_MAX_FRAME);
    if (!this.dec) {
      out.fill(0, 0, n * this.channels);
      return n;
    }
    const k = this.w.decode(this.dec, null, n, this.channels, 0, out);
    if (k > 0) return k;
    out.fill(0, 0, n * this.channels);
    return n;
  }

  /**
   * Rebuild the lost frame that precedes `next` from next's in-band FEC (RFC 6716 §2.1.7); when the
   * packet carries none, libopus falls back to PLC. Call decode(next) afterwards as usual.
   */
  recover(next: Uint8Array, out: Int16Array): number {
    const n = Math.min(this.frameSamples, Math.floor(out.length / this.channels), OPUS_MAX_FRAME);
    if (!this.dec || next.length === 0) return this.conceal(out);
    const k = this.w.decode(this.dec, next, n, this.channels, 1, out);
    return k > 0 ? k : this.conceal(out);
  }

  close(): void {
    if (this.enc) this.w.x.free(this.enc);
    if (this.dec) this.w.x.free(this.dec);
    this.enc = 0;
    this.dec = 0;
  }
}
