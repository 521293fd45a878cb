/**
 * A thin, allocation-free binding to libopus compiled to WebAssembly, as shipped inside the
 * @evan/opus package (its wasm/simd.wasm or wasm/opus.wasm). We instantiate the module ourselves
 * rather than use the package's classes because we need what they hide: decode with FEC
 * (opus_decode's decode_fec flag), PLC with an exact frame size, and caller-owned buffers without
 * a slice() per packet. This is the only place that loads the WASM module.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const OPUS_APPLICATION_VOIP = 2048;
export const OPUS_APPLICATION_AUDIO = 2049;
/** Encoder/decoder ctl request numbers (opus_defines.h). */
export const OpusCtl = {
  SET_BITRATE: 4002,
  SET_COMPLEXITY: 4010,
  SET_INBAND_FEC: 4012,
  SET_PACKET_LOSS_PERC: 4014,
  SET_DTX: 4016,
  SET_SIGNAL: 4024,
  SET_VBR: 4006,
  GET_LOOKAHEAD: 4027,
  RESET_STATE: 4028,
  GET_LAST_PACKET_DURATION: 4039,
  SIGNAL_VOICE: 3001,
} as const;

/** Largest frame: 120 ms at 48 kHz, per channel. */
export const OPUS_MAX_FRAME = 5760;
const MAX_CHANNELS = 2;
const MAX_PACKET = 4000;

/** The few WebAssembly globals we use (tsconfig's lib has no DOM/WebAssembly typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: Record<string, Record<string, (...a: number[]) => unknown>>) => { exports: unknown };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface OpusExports {
  memory: WasmMemory;
  malloc(n: number): number;
  free(p: number): void;
  opus_strerror(code: number): number;
  opus_encoder_get_size(ch: number): number;
  opus_encoder_init(st: number, rate: number, ch: number, app: number): number;
  opus_encode(st: number, pcm: number, frameSize: number, data: number, maxBytes: number): number;
  opus_encoder_ctl_set(st: number, req: number, v: number): number;
  opus_encoder_ctl_get(st: number, req: number): number;
  opus_decoder_get_size(ch: number): number;
  opus_decoder_init(st: number, rate: number, ch: number): number;
  opus_decode(st: number, data: number, len: number, pcm: number, frameSize: number, fec: number): number;
  opus_decoder_ctl_set(st: number, req: number, v: number): number;
  opus_decoder_ctl_get(st: number, req: number): number;
  _initialize?: () => void;
}

/** One instantiated module with shared scratch buffers (JS is single-threaded per isolate). */
export class OpusWasm {
  readonly x: OpusExports;
  private heap16!: Int16Array;
  private heap8!: Uint8Array;
  readonly pcmPtr: number;
  readonly pktPtr: number;

  constructor(bytes: Uint8Array) {
    let self: OpusWasm | undefined;
    const mod = new WA.Module(bytes);
    const noop = (): number => 0;
    const inst = new WA.Instance(mod, {
      wasi_snapshot_preview1: { fd_seek: noop, fd_write: noop, fd_close: noop, proc_exit: noop },
      env: { emscripten_notify_memory_growth: () => self?.refreshViews() },
    });
    this.x = inst.exports as unknown as OpusExports;
    this.x._initialize?.();
    this.refreshViews();
    this.pcmPtr = this.x.malloc(OPUS_MAX_FRAME * MAX_CHANNELS * 2);
    this.pktPtr = this.x.malloc(MAX_PACKET);
    if (!this.pcmPtr || !this.pktPtr) throw new Error('opus wasm: malloc failed');
    self = this;
    this.refreshViews();
  }

  refreshViews(): void {
    this.heap16 = new Int16Array(this.x.memory.buffer);
    this.heap8 = new Uint8Array(this.x.memory.buffer);
  }

  private views(): void {
    if (this.heap8.byteLength === 0) this.refreshViews(); // detached after growth
  }

  errorText(code: number): string {
    this.views();
    const p = this.x.opus_strerror(code);
    let s = '';
    for (let i = p; i < p + 200 && this.heap8[i] !== 0; i++) s += String.fromCharCode(this.heap8[i]!);
    return s;
  }

  createEncoder(rate: number, channels: number, application: number): number {
    const st = this.x.malloc(this.x.opus_encoder_get_size(channels));
    const rc = this.x.opus_encoder_init(st, rate, channels, application);
    if (rc < 0) {
      this.x.free(st);
      throw new Error(`opus_encoder_init: ${this.errorText(rc)}`);
    }
    return st;
  }

  createDecoder(rate: number, channels: number): number {
    const st = this.x.malloc(this.x.opus_decoder_get_size(channels));
    const rc = this.x.opus_decoder_init(st, rate, channels);
    if (rc < 0) {
      this.x.free(st);
      throw new Error(`opus_decoder_init: ${this.errorText(rc)}`);
    }
    return st;
  }

  /** Encode frameSize samples per channel from pcm; copies the packet into out. <0 = opus error. */
  encode(st: number, pcm: Int16Array, frameSize: number, channels: number, out: Uint8Array): number {
    this.views();
    const n = frameSize * channels;
    this.heap16.set(pcm.subarray(0, n), this.pcmPtr >> 1);
    const len = this.x.opus_encode(st, this.pcmPtr, frameSize, this.pktPtr, Math.min(MAX_PACKET, out.length));
    if (len > 0) {
      this.views();
      out.set(this.heap8.subarray(this.pktPtr, this.pktPtr + len));
    }
    return len;
  }

  /**
   * Decode a packet (or PLC when payload is null) into out. frameSize caps samples per channel.
   * fec = 1 decodes the in-band FEC copy of the previous frame carried in payload.
   */
  decode(st: number, payload: Uint8Array | null, frameSize: number, channels: number, fec: number, out: Int16Array): number {
    this.views();
    let len = 0;
    if (payload) {
      if (payload.length > MAX_PACKET) return -1;
      this.heap8.set(payload, this.pktPtr);
      len = payload.length;
    }
    const k = this.x.opus_decode(st, len ? this.pktPtr : 0, len, this.pcmPtr, Math.min(frameSize, OPUS_MAX_FRAME), fec);
    if (k > 0) {
      this.views();
      const base = this.pcmPtr >> 1;
      out.set(this.heap16.subarray(base, base + k * channels));
    }
    return k;
  }
}

let instance: OpusWasm | undefined;

/** The shared libopus instance, loaded on first use (the SIMD build unless the engine rejects it). */
export function opusWasm(): OpusWasm {
  if (instance) return instance;
  const require = createRequire(import.meta.url);
  const wasmDir = join(dirname(require.resolve('@evan/opus/package.json')), 'wasm');
  try {
    instance = new OpusWasm(readFileSync(join(wasmDir, 'simd.wasm')));
  } catch {
    instance = new OpusWasm(readFileSync(join(wasmDir, 'opus.wasm')));
  }
  return instance;
}
