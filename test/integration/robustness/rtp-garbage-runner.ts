/**
 * RTP/RTCP garbage runner (brief 14 §4; security.md §2.2 PJSIP row, §3.5 item 5, G4 smoke size).
 * Runs inside a loopback-only network namespace (netns.ts); real clock, real codecs.
 *
 * What test/integration/media/rtp-bleed.test.ts already covers: well-formed RTP from a stranger
 * (dropped as wrong source, never forwarded), RTP aimed at RTCP ports. What this adds:
 *   - garbage FROM THE LATCHED PEER's own address and port, so it passes the latch and reaches the
 *     header parser, the sequence/SSRC accounting, the RFC 4733 parser and the codecs: random
 *     bytes, 0-11-byte packets, CSRC count / extension length / padding past the end, wrong
 *     version, negotiated PTs with random payloads (opus and PCMU decoders fed noise), SSRC churn,
 *     sequence jumps, telephone-event payloads of every length;
 *   - RTCP garbage from the peer's IP (passes the source check): bad lengths, report counts past
 *     the end, random bytes, and valid reports;
 *   - random datagrams from a stranger across the whole RTP port range;
 * on a transcoding bridge (PCMU <-> opus) and a relaying one (PCMU <-> PCMU). Afterwards a clean
 * 440 Hz tone must still cross the transcoder, and relayed payloads must arrive byte-identical.
 * Output: one `ROBUST_RESULT {json}` line (the seed first, as ROBUST_SEED).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createCodec } from '../../../src/codec';
import type { Codec, CodecDescription } from '../../../src/codec/types';
import { defaultCodecs, MediaBridge, PortAllocator, RtpSession, type LegMedia } from '../../../src/media';
import { buildRtcpReport } from '../../../src/media/rtcp';
import { buildRtpPacket, parseRtpHeader, RtpHeader } from '../../../src/media/rtp-packet';
import type { InboundStats } from '../../../src/media/types';
import { Rng } from './mutate';
import { sleep, until } from './wire';

const RANGE = { start: 20000, end: 20019 };
const PCMU: CodecDescription = { name: 'PCMU', staticPt: 0, clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20 };
const OPUS: CodecDescription = { name: 'opus', clockRate: 48000, sampleRate: 48000, channels: 1, ptime: 20 };
const RTP_GARBAGE = Number(process.env.ROBUST_RTP_N || 3000);
const RTCP_GARBAGE = 500;
const STRANGER_PER_PORT = 50;
const TONE_FRAMES = 50;

/** Datagrams sent to each local port (RTP and RTCP), by every sender: the legs must count exactly these. */
const sentTo = new Map<number, number>();

/** A plain RTP endpoint: socket, codec, its own SSRC/seq/ts; records what arrives. */
class Peer {
  readonly received: Array<{ h: RtpHeader; payload: Buffer }> = [];
  codec: Codec;
  private seq = 100;
  private ts = 1000;
  private phase = 0;
  private constructor(readonly socket: Socket, readonly media: LegMedia, readonly ssrc: number) {
    this.codec = createCodec(media.codec);
    socket.on('message', (m) => {
      const h = new RtpHeader();
      if (parseRtpHeader(m, m.length, h) === 0) this.received.push({ h, payload: Buffer.from(m.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)) });
    });
  }
  static async open(address: string, media: LegMedia, ssrc: number): Promise<Peer> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, address, () => r()));
    s.on('error', () => {});
    return new Peer(s, media, ssrc);
  }
  get address(): string {
    return this.socket.address().address;
  }
  get port(): number {
    return this.socket.address().port;
  }
  send(buf: Uint8Array, port: number): Promise<void> {
    sentTo.set(port, (sentTo.get(port) ?? 0) + 1);
    return new Promise((r) => this.socket.send(buf, port, '127.0.0.1', () => r()));
  }
  /** One 20 ms frame of a 440 Hz tone, encoded with this peer's codec, as RTP. */
  toneFrame(): Buffer {
    const n = this.codec.frameSamples;
    const pcm = new Int16Array(n);
    for (let i = 0; i < n; i++) {
      pcm[i] = Math.round(8000 * Math.sin(this.phase));
      this.phase += (2 * Math.PI * 440) / this.media.codec.sampleRate;
    }
    const out = new Uint8Array(4000);
    const len = this.codec.encode(pcm, out);
    const pkt = buildRtpPacket({ payloadType: this.media.pt, sequenceNumber: this.seq++ & 0xffff, timestamp: this.ts >>> 0, ssrc: this.ssrc }, out.subarray(0, len));
    this.ts += (this.media.codec.clockRate * 20) / 1000;
    return pkt;
  }
  close(): void {
    this.socket.close();
    this.codec.close();
  }
}

function rtpHeader(r: Rng, o: { v?: number; p?: boolean; x?: boolean; cc?: number; pt: number; ssrc: number }): Buffer {
  const b = Buffer.alloc(12);
  b[0] = ((o.v ?? 2) << 6) | (o.p ? 0x20 : 0) | (o.x ? 0x10 : 0) | ((o.cc ?? 0) & 15);
  b[1] = (r.chance(0.2) ? 0x80 : 0) | (o.pt & 0x7f);
  b.writeUInt16BE(r.int(65536), 2);
  b.writeUInt32BE(r.u32(), 4);
  b.writeUInt32BE(o.ssrc >>> 0, 8);
  return b;
}

function noise(r: Rng, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

/** One garbage RTP datagram for a leg whose audio PT is `pt` and telephone-event PT `dtmfPt`. */
export function garbageRtp(r: Rng, pt: number, dtmfPt: number, ssrc: number): Buffer {
  const s = r.chance(0.1) ? r.u32() : ssrc;
  switch (r.int(10)) {
    case 0:
      return noise(r, r.range(0, 1500));
    case 1:
      return noise(r, r.range(0, 11));
    case 2: {
      const cc = r.range(1, 15);
      return Buffer.concat([rtpHeader(r, { cc, pt, ssrc: s }), noise(r, r.range(0, 4 * cc))]);
    }
    case 3: {
      const ext = Buffer.alloc(4);
      ext.writeUInt16BE(0xbede, 0);
      ext.writeUInt16BE(r.range(1, 65535), 2);
      return Buffer.concat([rtpHeader(r, { x: true, pt, ssrc: s }), ext, noise(r, r.range(0, 40))]);
    }
    case 4: {
      const body = noise(r, r.range(0, 40));
      return Buffer.concat([rtpHeader(r, { p: true, pt, ssrc: s }), body, Buffer.from([r.range(body.length + 1, 255)])]);
    }
    case 5:
      return Buffer.concat([rtpHeader(r, { v: r.pick([0, 1, 3]), pt, ssrc: s }), noise(r, r.range(0, 200))]);
    case 6:
      return Buffer.concat([rtpHeader(r, { pt: dtmfPt, ssrc: s }), noise(r, r.range(0, 12))]);
    case 7:
      return Buffer.concat([rtpHeader(r, { pt: r.int(128), ssrc: s }), noise(r, r.range(0, 300))]);
    default:
      // Negotiated audio PT, random payload: straight into the decoder (or the relay).
      return Buffer.concat([rtpHeader(r, { pt, ssrc: s }), noise(r, r.pick([0, 1, 2, 3, 10, 80, 160, 320, 1000, 1400]))]);
  }
}

/** One garbage (or valid) RTCP datagram. */
export function garbageRtcp(r: Rng, ssrc: number): Buffer {
  switch (r.int(6)) {
    case 0:
      return noise(r, r.range(0, 200));
    case 1: {
      const b = noise(r, r.range(4, 60));
      b[0] = 0x80 | r.int(32);
      b[1] = r.range(192, 207);
      b.writeUInt16BE(r.int(65536), 2); // length field unrelated to the datagram
      return b;
    }
    case 2: {
      const b = Buffer.alloc(8);
      b[0] = 0x80 | 31; // RR claiming 31 report blocks
      b[1] = 201;
      b.writeUInt16BE(1, 2);
      b.writeUInt32BE(ssrc, 4);
      return b;
    }
    case 3:
      return Buffer.from([0x80, 200, 0, 0]); // the 4-byte RTCP of AST-2017-008
    case 4: {
      const valid = buildRtcpReport(ssrc, 'garbage', { ntp: BigInt(r.u32()) << 32n, rtpTimestamp: r.u32(), packetCount: r.u32(), octetCount: r.u32() }, []);
      const cut = Buffer.from(valid);
      if (r.chance(0.5)) cut[r.int(cut.length)] = r.int(256);
      return cut;
    }
    default:
      return buildRtcpReport(ssrc, 'garbage', undefined, []);
  }
}

export interface LegReport {
  in: InboundStats;
  /** Datagrams sent to the leg's RTP port and to its RTCP port. */
  sentRtp: number;
  sentRtcp: number;
  /** datagrams - (accepted + every counted drop): 0 when every datagram is accounted for. */
  unaccounted: number;
  rtcpSeen: number;
}

export interface RtpGarbageResult {
  seed: number;
  sent: { rtpPerLeg: number; rtcpPerLeg: number; strangerPerPort: number; ports: number };
  transcode: { a: LegReport; b: LegReport; toneFrames: number; toneAtB: { frames: number; active: number; on440: number; medianHz: number }; decodeErrors: unknown };
  relay: { a: LegReport; b: LegReport; identical: number; expected: number };
  elapsedMs: number;
}

function report(s: RtpSession): LegReport {
  const i = s.stats().in;
  const counted = i.packets + i.droppedMalformed + i.droppedInactive + i.droppedWrongSource + i.droppedLearning + i.droppedUnknownPt + i.duplicates + i.seqJumps;
  return { in: i, sentRtp: sentTo.get(s.localPort) ?? 0, sentRtcp: sentTo.get(s.localPort + 1) ?? 0, unaccounted: i.datagrams - counted, rtcpSeen: i.rtcpPackets + i.rtcpMalformed + i.rtcpWrongSource };
}

/** Frequency from rising zero crossings. */
function frequency(x: Int16Array, rate: number): number {
  const cross: number[] = [];
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 && x[i]! >= 0) cross.push(i - 1 + -x[i - 1]! / (x[i]! - x[i - 1]!));
  return cross.length < 2 ? 0 : ((cross.length - 1) * rate) / (cross[cross.length - 1]! - cross[0]!);
}

async function sprayLeg(r: Rng, from: Peer, leg: RtpSession, media: LegMedia, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await from.send(garbageRtp(r, media.pt, media.dtmfPt ?? 101, from.ssrc), leg.localPort);
    if (i % 100 === 99) await until(() => leg.stats().in.datagrams >= baseline(leg) + i + 1, 2000, 1);
  }
}
const base = new WeakMap<RtpSession, number>();
const baseline = (leg: RtpSession) => base.get(leg) ?? 0;

async function sprayRtcp(r: Rng, from: Peer, leg: RtpSession, count: number): Promise<void> {
  const seen = () => {
    const i = leg.stats().in;
    return i.rtcpPackets + i.rtcpMalformed + i.rtcpWrongSource;
  };
  const before = seen();
  for (let i = 0; i < count; i++) {
    await from.send(garbageRtcp(r, from.ssrc), leg.localPort + 1);
    if (i % 50 === 49) await until(() => seen() >= before + i + 1, 2000, 1);
  }
  await until(() => seen() >= before + count, 2000, 1);
}

async function main(): Promise<void> {
  const seed = Number(process.env.ROBUST_SEED || (Date.now() ^ (process.pid << 8)) >>> 0) >>> 0;
  process.stdout.write(`ROBUST_SEED ${seed}\n`);
  const t0 = Date.now();
  const r = new Rng(seed);
  const allocator = new PortAllocator({ ip: '127.0.0.1', startPort: RANGE.start, endPort: RANGE.end });
  const stranger = createSocket('udp4');
  await new Promise<void>((res) => stranger.bind(0, '127.0.0.66', () => res()));
  stranger.on('error', () => {});

  const setup = async (aMedia: LegMedia, bMedia: LegMedia, aIp: string, bIp: string) => {
    const a = await Peer.open(aIp, aMedia, 0xaaaa0001);
    const b = await Peer.open(bIp, bMedia, 0xbbbb0002);
    const legA = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
    const legB = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
    legA.setMedia(aMedia);
    legB.setMedia(bMedia);
    legA.setRemote({ address: a.address, port: a.port, signalingAddress: a.address });
    legB.setRemote({ address: b.address, port: b.port, signalingAddress: b.address });
    const bridge = new MediaBridge(legA, legB, { codecs: defaultCodecs });
    // Latch both legs with a few good frames first.
    for (let i = 0; i < 5; i++) {
      await a.send(a.toneFrame(), legA.localPort);
      await b.send(b.toneFrame(), legB.localPort);
      await sleep(20);
    }
    await until(() => legA.stats().in.packets >= 5 && legB.stats().in.packets >= 5, 2000);
    return { a, b, legA, legB, bridge };
  };

  // ---- transcoding bridge: PCMU (A) <-> opus (B)
  const tA: LegMedia = { codec: PCMU, pt: 0, dtmfPt: 101 };
  const tB: LegMedia = { codec: OPUS, pt: 111, dtmfPt: 96, dtmfClockRate: 48000 };
  const t = await setup(tA, tB, '127.0.0.2', '127.0.0.4');
  // ---- relaying bridge: PCMU <-> PCMU
  const rA: LegMedia = { codec: PCMU, pt: 0, dtmfPt: 101 };
  const rB: LegMedia = { codec: PCMU, pt: 0, dtmfPt: 101 };
  const rl = await setup(rA, rB, '127.0.0.5', '127.0.0.6');
  for (const leg of [t.legA, t.legB, rl.legA, rl.legB]) base.set(leg, leg.stats().in.datagrams);

  // Garbage from each latched peer into its leg, RTCP garbage, and a stranger across the range.
  await sprayLeg(r, t.a, t.legA, tA, RTP_GARBAGE);
  await sprayLeg(r, t.b, t.legB, tB, RTP_GARBAGE);
  await sprayLeg(r, rl.a, rl.legA, rA, RTP_GARBAGE);
  await sprayLeg(r, rl.b, rl.legB, rB, RTP_GARBAGE);
  for (const [p, leg] of [[t.a, t.legA], [t.b, t.legB], [rl.a, rl.legA], [rl.b, rl.legB]] as const) await sprayRtcp(r, p, leg, RTCP_GARBAGE);
  for (let k = 0; k < STRANGER_PER_PORT; k++) {
    for (let port = RANGE.start; port <= RANGE.end; port++) {
      sentTo.set(port, (sentTo.get(port) ?? 0) + 1);
      await new Promise<void>((res) => stranger.send(r.chance(0.5) ? noise(r, r.range(0, 300)) : garbageRtp(r, 0, 101, r.u32()), port, '127.0.0.1', () => res()));
    }
    await sleep(1);
  }
  const legs = [t.legA, t.legB, rl.legA, rl.legB];
  const caughtUp = () => legs.every((l) => {
    const x = report(l);
    return x.in.datagrams >= x.sentRtp && x.rtcpSeen >= x.sentRtcp;
  });
  await until(caughtUp, 3000);

  // ---- afterwards: a clean tone A -> B through the transcoder, paced at 20 ms
  const beforeTone = t.b.received.length;
  const start = performance.now();
  for (let i = 0; i < TONE_FRAMES; i++) {
    await t.a.send(t.a.toneFrame(), t.legA.localPort);
    await sleep(Math.max(0, start + (i + 1) * 20 - performance.now()));
  }
  await sleep(200);
  const toneAtB = t.b.received.slice(beforeTone).filter((p) => p.h.payloadType === tB.pt);
  const freqs: number[] = [];
  let active = 0;
  const dec = createCodec(OPUS);
  for (const p of toneAtB.slice(5)) {
    const pcm = new Int16Array(5760);
    const n = dec.decode(p.payload, pcm);
    const frame = pcm.subarray(0, n);
    let e = 0;
    for (const v of frame) e += v * v;
    if (Math.sqrt(e / Math.max(1, n)) < 8000 / Math.SQRT2 / 4) continue;
    active++;
    freqs.push(frequency(frame, 48000));
  }
  dec.close();
  freqs.sort((x, y) => x - y);

  // ---- relay: clean frames A -> B arrive byte-identical
  const beforeRelay = rl.b.received.length;
  const sentPayloads: Buffer[] = [];
  for (let i = 0; i < 20; i++) {
    const pkt = rl.a.toneFrame();
    const h = new RtpHeader();
    parseRtpHeader(pkt, pkt.length, h);
    sentPayloads.push(Buffer.from(pkt.subarray(h.payloadOffset)));
    await rl.a.send(pkt, rl.legA.localPort);
    await sleep(5);
  }
  await until(() => rl.b.received.length >= beforeRelay + 20, 2000);
  const relayed = rl.b.received.slice(beforeRelay).map((p) => p.payload);
  const identical = sentPayloads.filter((p) => relayed.some((q) => q.equals(p))).length;
  await until(caughtUp, 3000);

  const result: RtpGarbageResult = {
    seed,
    sent: { rtpPerLeg: RTP_GARBAGE, rtcpPerLeg: RTCP_GARBAGE, strangerPerPort: STRANGER_PER_PORT, ports: RANGE.end - RANGE.start + 1 },
    transcode: {
      a: report(t.legA),
      b: report(t.legB),
      toneFrames: TONE_FRAMES,
      toneAtB: { frames: toneAtB.length, active, on440: freqs.filter((f) => Math.abs(f - 440) <= 10).length, medianHz: freqs[Math.floor(freqs.length / 2)] ?? 0 },
      decodeErrors: t.bridge.stats().transcode,
    },
    relay: { a: report(rl.legA), b: report(rl.legB), identical, expected: sentPayloads.length },
    elapsedMs: Date.now() - t0,
  };
  for (const x of [t, rl]) {
    x.bridge.close(true);
    x.a.close();
    x.b.close();
  }
  stranger.close();
  process.stdout.write(`ROBUST_RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(`ROBUST_ERROR ${String(err?.stack ?? err)}\n`);
    process.exit(1);
  },
);
