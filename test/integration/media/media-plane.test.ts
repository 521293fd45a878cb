/**
 * Two RTP endpoints written here (plain dgram sockets on 127.0.0.1, their own codecs) connected
 * through the media plane: RtpSession per leg + MediaBridge. Real clock, real codecs.
 *   - PCMU 20 ms <-> G.722 and PCMU 20 ms <-> opus: a 440 Hz tone arrives at 440 ± 5 Hz and within
 *     3 dB of the sent level, both directions; a telephone-event digit arrives with the other PT.
 *   - PCMU <-> PCMU: relay, payload bytes identical, no transcoding.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { createCodec } from '../../../src/codec';
import type { Codec, CodecDescription } from '../../../src/codec/types';
import { parseTelephoneEvent, writeTelephoneEvent } from '../../../src/media/dtmf';
import { defaultCodecs, MediaBridge, PortAllocator, RtpSession, type LegMedia } from '../../../src/media';
import { buildRtpPacket, parseRtpHeader, RtpHeader } from '../../../src/media/rtp-packet';

// This file owns 31800-31899.
const allocator = new PortAllocator({ ip: '127.0.0.1', startPort: 31800, endPort: 31899 });
const closers: (() => void)[] = [];
afterAll(() => {
  while (closers.length) closers.pop()!();
});

const PCMU: CodecDescription = { name: 'PCMU', staticPt: 0, clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20 };
const G722: CodecDescription = { name: 'G722', staticPt: 9, clockRate: 8000, sampleRate: 16000, channels: 1, ptime: 20 };
// Mono opus (FreeSWITCH's default encoding; SDP still says opus/48000/2): stereo doubles the
// WASM cost on a shared 2-core machine without testing anything more of the media plane.
const OPUS: CodecDescription = { name: 'opus', clockRate: 48000, sampleRate: 48000, channels: 1, ptime: 20 };

const FREQ = 440;
const AMP = 8000;
const FRAMES = 60;
const WARMUP = 6;

interface Pkt {
  h: RtpHeader;
  payload: Buffer;
}

/** A minimal RTP endpoint: its own socket, codec, SSRC, seq and timestamp. */
class Endpoint {
  readonly socket: Socket;
  readonly codec: Codec;
  readonly received: Pkt[] = [];
  private seq = 1000;
  private ts = 50000;
  private phase = 0;
  constructor(readonly media: LegMedia) {
    this.socket = createSocket('udp4');
    this.codec = createCodec(media.codec);
    this.socket.on('message', (m) => {
      const h = new RtpHeader();
      if (parseRtpHeader(m, m.length, h) === 0) this.received.push({ h, payload: m.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength) });
    });
    closers.push(() => {
      this.socket.close();
      this.codec.close();
    });
  }
  async bind(): Promise<void> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
  }
  get port(): number {
    return this.socket.address().port;
  }
  get frameTs(): number {
    return (this.media.codec.ptime * this.media.codec.clockRate) / 1000;
  }
  toneFrame(): Int16Array {
    const n = this.codec.frameSamples;
    const ch = this.media.codec.channels;
    const rate = this.media.codec.sampleRate;
    const pcm = new Int16Array(n * ch);
    for (let i = 0; i < n; i++) {
      const v = Math.round(AMP * Math.sin(this.phase));
      this.phase += (2 * Math.PI * FREQ) / rate;
      for (let c = 0; c < ch; c++) pcm[i * ch + c] = v;
    }
    return pcm;
  }
  sendPayload(payload: Uint8Array, pt: number, port: number, opts: { ts?: number; marker?: boolean } = {}): void {
    const pkt = buildRtpPacket({ payloadType: pt, sequenceNumber: this.seq++ & 0xffff, timestamp: opts.ts ?? this.ts, ssrc: 0x5151, marker: opts.marker }, payload);
    this.socket.send(pkt, port, '127.0.0.1');
  }
  /** Encode `frames` tone frames ahead of time (keeps the test's own CPU out of the timed part). */
  private encoded: Uint8Array[] = [];
  prepareTone(frames: number): void {
    const out = new Uint8Array(4000);
    for (let i = 0; i < frames; i++) this.encoded.push(out.slice(0, this.codec.encode(this.toneFrame(), out)));
  }
  sendTone(port: number): void {
    if (this.encoded.length === 0) this.prepareTone(1);
    this.sendPayload(this.encoded.shift()!, this.media.pt, port);
    this.ts += this.frameTs;
  }
  /** Decode what arrived with the audio PT, in sequence order, to mono frames. */
  decodeReceived(): Int16Array[] {
    const pkts = this.received.filter((p) => p.h.payloadType === this.media.pt).sort((a, b) => a.h.sequenceNumber - b.h.sequenceNumber);
    const ch = this.media.codec.channels;
    return pkts.map((p) => {
      const buf = new Int16Array(5760 * ch);
      const n = this.codec.decode(p.payload, buf);
      const mono = new Int16Array(n);
      for (let i = 0; i < n; i++) mono[i] = buf[i * ch]!;
      return mono;
    });
  }
}

/** Frequency from interpolated rising zero crossings. */
function frequency(x: Int16Array, rate: number): number {
  const cross: number[] = [];
  for (let i = 1; i < x.length; i++) {
    if (x[i - 1]! < 0 && x[i]! >= 0) cross.push(i - 1 + -x[i - 1]! / (x[i]! - x[i - 1]!));
  }
  if (cross.length < 2) return 0;
  return ((cross.length - 1) * rate) / (cross[cross.length - 1]! - cross[0]!);
}

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Analyse received frames after warm-up: frames that carry audio ("active": RMS above a quarter of
 * the tone's; a concealed/lost frame is silence for G.711) give a frequency each (median reported)
 * and together the level in dB relative to the sent tone. `total` counts active frames.
 */
function analyse(frames: Int16Array[], rate: number): { freq: number; goodFrames: number; total: number; levelDb: number } {
  const use = frames.slice(WARMUP, frames.length - 1).filter((f) => rms(f) > AMP / Math.SQRT2 / 4);
  const freqs = use.map((f) => frequency(f, rate));
  const good = freqs.filter((f) => Math.abs(f - FREQ) <= 5).length;
  const all = new Int16Array(use.reduce((n, f) => n + f.length, 0));
  let o = 0;
  for (const f of use) {
    all.set(f, o);
    o += f.length;
  }
  return { freq: median(freqs), goodFrames: good, total: use.length, levelDb: 20 * Math.log10(rms(all) / (AMP / Math.SQRT2)) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * `from` sends FRAMES tone frames, paced at 20 ms against a fixed start. One direction at a time:
 * the opus case is CPU-heavy for a 2-core machine shared with other test runs.
 */
async function sendToneFrom(from: Endpoint, port: number): Promise<void> {
  from.prepareTone(FRAMES);
  const start = performance.now();
  for (let i = 0; i < FRAMES; i++) {
    from.sendTone(port);
    const due = start + (i + 1) * 20;
    await sleep(Math.max(0, due - performance.now()));
  }
  await sleep(150); // drain jitter buffers
}

async function callThrough(aMedia: LegMedia, bMedia: LegMedia) {
  const a = new Endpoint(aMedia);
  const b = new Endpoint(bMedia);
  await a.bind();
  await b.bind();
  const legA = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
  const legB = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
  closers.push(() => legA.close(), () => legB.close());
  legA.setMedia(aMedia);
  legB.setMedia(bMedia);
  legA.setRemote({ address: '127.0.0.1', port: a.port });
  legB.setRemote({ address: '127.0.0.1', port: b.port });
  const bridge = new MediaBridge(legA, legB, { codecs: defaultCodecs });
  closers.push(() => bridge.close());
  return { a, b, legA, legB, bridge };
}

async function sendDigit(from: Endpoint, dtmfPt: number, port: number, code: number): Promise<void> {
  const ts = 900000;
  const steps: [boolean, number][] = [[false, 160], [false, 320], [false, 480], [true, 800], [true, 800], [true, 800]];
  for (let i = 0; i < steps.length; i++) {
    const p = new Uint8Array(4);
    writeTelephoneEvent(p, 0, { event: code, end: steps[i]![0], volume: 10, duration: steps[i]![1] });
    from.sendPayload(p, dtmfPt, port, { ts, marker: i === 0 });
    await sleep(20);
  }
  await sleep(60);
}

function digitsReceived(ep: Endpoint, pt: number): { events: number[]; ends: number } {
  const ev = ep.received.filter((p) => p.h.payloadType === pt).map((p) => parseTelephoneEvent(p.payload, 0, p.payload.length)!);
  return { events: [...new Set(ev.map((e) => e.event))], ends: ev.filter((e) => e.end).length };
}

describe.each([
  ['G.722', G722, 9],
  ['opus', OPUS, 111],
])('PCMU 20 ms <-> %s through the transcoder', (_name, other, otherPt) => {
  it('440 Hz arrives at 440 ± 5 Hz within 3 dB both ways, and DTMF crosses with the other PT', async () => {
    const aMedia: LegMedia = { codec: PCMU, pt: 0, dtmfPt: 101 };
    const bMedia: LegMedia = { codec: other, pt: otherPt, dtmfPt: 96, dtmfClockRate: other.clockRate };
    const { a, b, legA, legB, bridge } = await callThrough(aMedia, bMedia);
    expect(bridge.mode).toBe('transcode');
    await sendToneFrom(a, legA.localPort);
    await sendToneFrom(b, legB.localPort);

    const atB = analyse(b.decodeReceived(), other.sampleRate);
    const atA = analyse(a.decodeReceived(), PCMU.sampleRate);
    if (process.env.MEDIA_DEBUG) console.log(JSON.stringify({ atB, atA, st: bridge.stats(), a: legA.stats(), b: legB.stats() }, null, 1));
    for (const r of [atB, atA]) {
      // Event-loop stalls on a loaded machine cost frames (skipped, never burst): most must arrive.
      expect(r.total).toBeGreaterThan((FRAMES - WARMUP) * 0.6);
      expect(Math.abs(r.freq - FREQ)).toBeLessThanOrEqual(5);
      expect(r.goodFrames / r.total).toBeGreaterThan(0.85);
      expect(Math.abs(r.levelDb)).toBeLessThanOrEqual(3);
    }
    const st = bridge.stats().transcode!;
    expect(st.aToB.decode.decoded).toBeGreaterThan(FRAMES * 0.7);
    expect(st.bToA.decode.decoded).toBeGreaterThan(FRAMES * 0.7);

    // DTMF '5' from A (PT 101) arrives at B as PT 96, and '#' from B (PT 96) at A as PT 101.
    const digitsAtA: string[] = [];
    legB.on('dtmf', (e) => e.end && digitsAtA.push(e.digit));
    await sendDigit(a, 101, legA.localPort, 5);
    await sendDigit(b, 96, legB.localPort, 11);
    const atBDigits = digitsReceived(b, 96);
    expect(atBDigits.events).toEqual([5]);
    expect(atBDigits.ends).toBe(3);
    const atADigits = digitsReceived(a, 101);
    expect(atADigits.events).toEqual([11]);
    expect(atADigits.ends).toBe(3);
    expect(digitsAtA).toEqual(['#']);
    // Durations are rescaled to the other leg's telephone-event clock.
    const lastAtB = b.received.filter((p) => p.h.payloadType === 96).at(-1)!;
    expect(parseTelephoneEvent(lastAtB.payload, 0, 4)!.duration).toBe((800 * other.clockRate) / 8000);
  });
});

describe('PCMU <-> PCMU', () => {
  it('relays: no transcoding, payload bytes identical, both directions', async () => {
    const { a, b, legA, legB, bridge } = await callThrough({ codec: PCMU, pt: 0, dtmfPt: 101 }, { codec: PCMU, pt: 0, dtmfPt: 101 });
    expect(bridge.mode).toBe('relay');
    const sentA: Buffer[] = [];
    const sentB: Buffer[] = [];
    const origSend = (ep: Endpoint, log: Buffer[]): void => {
      const f = ep.sendPayload.bind(ep);
      ep.sendPayload = (payload, pt, port, opts) => {
        log.push(Buffer.from(payload));
        f(payload, pt, port, opts);
      };
    };
    origSend(a, sentA);
    origSend(b, sentB);
    for (let i = 0; i < 20; i++) {
      a.sendTone(legA.localPort);
      b.sendTone(legB.localPort);
      await sleep(5);
    }
    await sleep(100);
    const got = (ep: Endpoint): Buffer[] => ep.received.sort((x, y) => x.h.sequenceNumber - y.h.sequenceNumber).map((p) => p.payload);
    expect(got(b).length).toBe(20);
    expect(got(a).length).toBe(20);
    got(b).forEach((p, i) => expect(p.equals(sentA[i]!)).toBe(true));
    got(a).forEach((p, i) => expect(p.equals(sentB[i]!)).toBe(true));
    const st = bridge.stats();
    expect(st.mode).toBe('relay');
    expect(st.transcode).toBeUndefined();
    expect(st.relay!.aToB.forwarded).toBe(20);
    expect(st.relay!.bToA.forwarded).toBe(20);
    expect(legB.stats().out.payloadBytes).toBe(20 * 160);
  });
});
