/** Test helpers for the media plane: plain dgram peers, packet builders, a traceable fake codec. */
import { createSocket, type Socket } from 'node:dgram';
import type { Codec, CodecDescription } from '../../../src/codec/types';
import { buildRtpPacket } from '../../../src/media/rtp-packet';
import type { CodecProvider, Resampler } from '../../../src/media/types';

export interface Received {
  data: Buffer;
  address: string;
  port: number;
}

/** A plain UDP endpoint on 127.0.0.x that records what it receives. */
export class Peer {
  readonly received: Received[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('message', (data, r) => {
      this.received.push({ data, address: r.address, port: r.port });
      this.waiters = this.waiters.filter((w) => {
        if (this.received.length >= w.n) {
          w.resolve();
          return false;
        }
        return true;
      });
    });
  }

  static async open(address = '127.0.0.1'): Promise<Peer> {
    const s = createSocket('udp4');
    await new Promise<void>((res, rej) => {
      s.once('error', rej);
      s.bind(0, address, () => res());
    });
    return new Peer(s);
  }

  get address(): string {
    return this.socket.address().address;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(buf: Uint8Array, port: number, address = '127.0.0.1'): Promise<void> {
    return new Promise((res) => this.socket.send(buf, port, address, () => res()));
  }

  /** Resolve when `n` datagrams in total have arrived, or reject after `ms`. */
  waitFor(n: number, ms = 2000): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timeout waiting for ${n} datagrams (got ${this.received.length})`)), ms);
      this.waiters.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** Wait (bounded) until cond() holds: loopback delivery is fast but not instant under load. */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Wait until a session has seen `n` RTP datagrams and `rtcp` RTCP datagrams in total. */
export function arrived(s: { stats(): { in: { datagrams: number; rtcpPackets: number; rtcpMalformed: number; rtcpWrongSource: number } } }, n: number, rtcp = 0): Promise<void> {
  return until(() => {
    const i = s.stats().in;
    return i.datagrams >= n && i.rtcpPackets + i.rtcpMalformed + i.rtcpWrongSource >= rtcp;
  });
}

/** Let pending I/O callbacks run (datagrams on loopback arrive within a few ms). */
export function settle(ms = 30): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function rtp(seq: number, ts: number, opts: { pt?: number; ssrc?: number; marker?: boolean; payload?: Uint8Array } = {}): Buffer {
  return buildRtpPacket(
    { payloadType: opts.pt ?? 0, sequenceNumber: seq, timestamp: ts, ssrc: opts.ssrc ?? 0x11223344, marker: opts.marker },
    opts.payload ?? new Uint8Array(160).fill(0xff),
  );
}

export const PCMU20: CodecDescription = { name: 'PCMU', staticPt: 0, clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20 };

/**
 * A traceable fake codec: payload = [frameId hi, frameId lo]; decode fills a frame with frameId,
 * encode sends the value of sample 100,
 * conceal fills it with -1. Lets tests see exactly which input frame each output frame came from.
 */
export class TraceCodec implements Codec {
  readonly frameSamples: number;
  closed = false;
  constructor(readonly description: CodecDescription) {
    this.frameSamples = Math.round((description.sampleRate * description.ptime) / 1000);
  }
  encode(pcm: Int16Array, out: Uint8Array): number {
    // Sample 100: past the 2 ms cross-fade DecodePipe applies at concealment boundaries.
    const id = pcm[Math.min(100, pcm.length - 1)]!;
    out[0] = (id >> 8) & 0xff;
    out[1] = id & 0xff;
    return 2;
  }
  decode(payload: Uint8Array, out: Int16Array): number {
    if (payload.length !== 2) return 0;
    const id = (payload[0]! << 8) | payload[1]!;
    out.fill(id << 16 >> 16, 0, this.frameSamples);
    return this.frameSamples;
  }
  conceal(out: Int16Array): number {
    out.fill(-1, 0, this.frameSamples);
    return this.frameSamples;
  }
  close(): void {
    this.closed = true;
  }
}

/** Nearest-sample resampler for the trace codec (keeps values intact). */
class NearestResampler implements Resampler {
  constructor(private readonly from: number, private readonly to: number) {}
  outputLength(n: number): number {
    return Math.ceil((n * this.to) / this.from);
  }
  process(input: Int16Array, out: Int16Array): number {
    const n = Math.floor((input.length * this.to) / this.from);
    for (let i = 0; i < n; i++) out[i] = input[Math.floor((i * this.from) / this.to)]!;
    return n;
  }
  close(): void {}
}

export const traceCodecs: CodecProvider = {
  createCodec: (d) => new TraceCodec(d),
  createResampler: (f, t) => new NearestResampler(f, t),
};
