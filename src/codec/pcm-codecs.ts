/**
 * PCMU, PCMA (ITU-T G.711) and L16 (RFC 3551 §4.5.11) as Codec objects. Stateless per sample;
 * when the native addon is loaded G.711 runs there (one call per frame), else in TypeScript tables.
 */
import { alawDecode, alawEncode, ulawDecode, ulawEncode } from './g711';
import { nativeAddon } from './native';
import { PitchPlc } from './plc';
import type { Codec, CodecDescription } from './types';

export function frameSamplesOf(d: CodecDescription): number {
  return Math.round((d.sampleRate * d.ptime) / 1000);
}

/** One frame of PLC output, or silence without a PLC. */
export function concealFrame(plc: PitchPlc | undefined, frameSamples: number, out: Int16Array): number {
  const n = Math.min(frameSamples, out.length);
  if (plc) return plc.conceal(out, n);
  out.fill(0, 0, n);
  return n;
}

/** µ-law or A-law. decode() writes min(payload, out) samples; every byte is a valid code. */
export class G711Codec implements Codec {
  readonly frameSamples: number;
  private closed = false;
  private readonly enc: (pcm: Int16Array, out: Uint8Array) => number;
  private readonly dec: (codes: Uint8Array, out: Int16Array) => number;
  private readonly plc: PitchPlc | undefined;

  constructor(
    readonly description: CodecDescription,
    law: 'ulaw' | 'alaw',
    plc = true,
  ) {
    this.frameSamples = frameSamplesOf(description);
    this.plc = plc ? new PitchPlc(description.sampleRate) : undefined;
    const n = nativeAddon();
    if (n) {
      this.enc = law === 'ulaw' ? n.ulawEncode : n.alawEncode;
      this.dec = law === 'ulaw' ? n.ulawDecode : n.alawDecode;
    } else {
      const e = law === 'ulaw' ? ulawEncode : alawEncode;
      const d = law === 'ulaw' ? ulawDecode : alawDecode;
      this.enc = (pcm, out) => {
        if (out.length < pcm.length) throw new TypeError('g711 encode: out is shorter than pcm');
        return e(pcm, out, pcm.length);
      };
      this.dec = (codes, out) => d(codes, out, codes.length);
    }
  }

  encode(pcm: Int16Array, out: Uint8Array): number {
    if (this.closed) return 0;
    return this.enc(pcm, out);
  }

  /** Returns 0 (a drop for the caller to count) when out cannot hold the whole payload. */
  decode(payload: Uint8Array, out: Int16Array): number {
    if (this.closed || out.length < payload.length) return 0;
    const k = this.dec(payload, out);
    this.plc?.good(out, k);
    return k;
  }

  /** Pitch-repetition PLC (src/codec/plc.ts), or silence when created with plc off. */
  conceal(out: Int16Array): number {
    return concealFrame(this.plc, this.frameSamples, out);
  }

  close(): void {
    this.closed = true;
  }
}

/** L16 mono, big-endian on the wire. An odd-length payload is malformed: decode returns 0. */
export class L16Codec implements Codec {
  readonly frameSamples: number;
  private closed = false;
  private readonly plc: PitchPlc | undefined;

  constructor(
    readonly description: CodecDescription,
    plc = true,
  ) {
    this.frameSamples = frameSamplesOf(description);
    this.plc = plc ? new PitchPlc(description.sampleRate) : undefined;
  }

  encode(pcm: Int16Array, out: Uint8Array): number {
    if (this.closed) return 0;
    if (out.length < pcm.length * 2) throw new TypeError('L16 encode: out is shorter than 2 * pcm.length');
    const n = pcm.length;
    for (let i = 0, j = 0; i < n; i++, j += 2) {
      const s = pcm[i]!;
      out[j] = (s >> 8) & 0xff;
      out[j + 1] = s & 0xff;
    }
    return n * 2;
  }

  /** Odd-length payload or out too small for it: 0 (malformed / drop). */
  decode(payload: Uint8Array, out: Int16Array): number {
    if (this.closed || (payload.length & 1) !== 0 || out.length < payload.length >> 1) return 0;
    const n = payload.length >> 1;
    for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = (payload[j]! << 8) | payload[j + 1]!;
    this.plc?.good(out, n);
    return n;
  }

  conceal(out: Int16Array): number {
    return concealFrame(this.plc, this.frameSamples, out);
  }

  close(): void {
    this.closed = true;
  }
}
