import { afterEach, describe, expect, it } from 'vitest';
import type { CodecDescription } from '../../../src/codec/types';
import { FakeClock } from '../../../src/util/clock';
import { parseTelephoneEvent } from '../../../src/media/dtmf';
import { MediaBridge } from '../../../src/media/media-bridge';
import { PortAllocator } from '../../../src/media/port-allocator';
import { parseRtpHeader, RtpHeader } from '../../../src/media/rtp-packet';
import { RtpSession } from '../../../src/media/rtp-session';
import type { LegMedia } from '../../../src/media/types';
import { Peer, rtp, traceCodecs, until } from './helpers';

// This file owns 31300-31399.
const allocator = new PortAllocator({ ip: '127.0.0.1', startPort: 31300, endPort: 31399 });
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

const X20: CodecDescription = { name: 'X', clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20 };
const Y20: CodecDescription = { name: 'Y', clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20 };

async function leg(clock: FakeClock, media: LegMedia): Promise<{ s: RtpSession; p: Peer }> {
  const s = await RtpSession.create(allocator, { rtcpIntervalMs: 0, clock });
  const p = await Peer.open();
  cleanup.push(() => {
    s.close();
    p.close();
  });
  s.setMedia(media);
  s.setRemote({ address: p.address, port: p.port });
  return { s, p };
}

/** Frame id packet for the trace codec. */
function frame(seq: number, id: number, ptime = 20, rate = 8000): Buffer {
  return rtp(seq, seq * ((ptime * rate) / 1000), { pt: 0, ssrc: 77, payload: Uint8Array.from([id >> 8, id & 0xff]) });
}

function decodeOut(p: Peer): { h: RtpHeader; id: number }[] {
  return p.received.map((r) => {
    const h = new RtpHeader();
    expect(parseRtpHeader(r.data, r.data.length, h)).toBe(0);
    const b = r.data.subarray(h.payloadOffset);
    return { h, id: ((b[0]! << 8) | b[1]!) << 16 >> 16 };
  });
}

async function setup(aCodec: CodecDescription, bCodec: CodecDescription, bMedia: Partial<LegMedia> = {}) {
  const clock = new FakeClock();
  const a = await leg(clock, { codec: aCodec, pt: 0, dtmfPt: 101 });
  const b = await leg(clock, { codec: bCodec, pt: 0, ...bMedia });
  const bridge = new MediaBridge(a.s, b.s, { clock, codecs: traceCodecs, jitter: { prefetch: 2, maxConceal: 3 } });
  cleanup.push(() => bridge.close());
  expect(bridge.mode).toBe('transcode');
  return { clock, a, b, bridge };
}

type Leg = { s: RtpSession; p: Peer };

/** Send packets to a leg and wait until the session has accepted all of them. */
async function feed(l: Leg, pkts: Buffer[]): Promise<void> {
  const want = l.s.stats().in.packets + pkts.length;
  for (const p of pkts) await l.p.send(p, l.s.localPort);
  await until(() => l.s.stats().in.packets >= want);
}

/** Advance the fake clock (ticks send synchronously), then wait for the peer to get everything sent. */
async function run(clock: FakeClock, out: Leg, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) clock.advance(step);
  await until(() => out.p.received.length >= out.s.stats().out.packets);
}

describe('transcode path', () => {
  it('one output frame per output ptime whatever the input does: loss, reorder, bursts', async () => {
    const { clock, a, b, bridge } = await setup(X20, Y20);
    // Input: burst of 1-3, then (per 20 ms) 5, 4 (reordered), nothing (6 lost), 7, 8, burst 9-12.
    const schedule: number[][] = [[1, 2, 3], [5, 4], [], [7], [8], [9, 10, 11, 12], [], [], [], [], [], [], [], []];
    const counts: number[] = [];
    for (const batch of schedule) {
      await feed(a, batch.map((q) => frame(q, q)));
      const before = b.s.stats().out.packets;
      clock.advance(20); // the tick sends synchronously: count what this tick sent
      counts.push(b.s.stats().out.packets - before);
    }
    await until(() => b.p.received.length >= b.s.stats().out.packets);
    const out = decodeOut(b.p);
    // Never more than one packet per tick: no bursts.
    expect(Math.max(...counts)).toBe(1);
    // Frames come out in sequence order, the lost one concealed (-1), nothing duplicated.
    expect(out.map((o) => o.id)).toEqual([1, 2, 3, 4, 5, -1, 7, 8, 9, 10, 11, 12, -1, -1, -1].slice(0, out.length));
    expect(out.length).toBeGreaterThanOrEqual(12);
    // Output stream: seq +1, ts +160 per packet, one SSRC.
    for (let i = 1; i < out.length; i++) {
      expect((out[i]!.h.sequenceNumber - out[i - 1]!.h.sequenceNumber) & 0xffff).toBe(1);
      expect((out[i]!.h.timestamp - out[i - 1]!.h.timestamp) >>> 0).toBe(160);
    }
    const st = bridge.stats().transcode!.aToB;
    expect(st.jitter.concealed).toBeGreaterThanOrEqual(1);
    expect(st.decode.decoded).toBe(11);
  });

  it('after idle the timestamp jumps by the silence and the marker bit is set', async () => {
    const { clock, a, b } = await setup(X20, Y20);
    await feed(a, [1, 2].map((q) => frame(q, q)));
    await run(clock, b, 200, 20); // 2 frames, 3 concealed, then idle
    const n1 = b.p.received.length;
    expect(n1).toBe(5);
    await feed(a, [50, 51].map((q) => frame(q, q)));
    await run(clock, b, 40, 20);
    const out = decodeOut(b.p);
    expect(out.length).toBe(7);
    const resumed = out[5]!;
    expect(resumed.id).toBe(50);
    expect(resumed.h.marker).toBe(true);
    expect(out.slice(1, 5).some((o) => o.h.marker)).toBe(false);
    const gapTs = (resumed.h.timestamp - out[4]!.h.timestamp) >>> 0;
    // 200 ms elapsed + 20 ms to the next tick, from the 5th packet at t=100: 6 frames of 160.
    expect(gapTs).toBe(160 * 6);
    expect((resumed.h.sequenceNumber - out[4]!.h.sequenceNumber) & 0xffff).toBe(1);
  });

  it('re-packetises 20 ms in -> 30 ms out: 3 inputs make 2 outputs, ts +240', async () => {
    const Y30 = { ...Y20, ptime: 30 };
    const { clock, a, b } = await setup(X20, Y30);
    for (let q = 1; q <= 9; q += 3) {
      await feed(a, [q, q + 1, q + 2].map((x) => frame(x, x)));
      await run(clock, b, 60, 30);
    }
    const out = decodeOut(b.p);
    expect(out.length).toBe(6);
    // The trace codec encodes sample 100 of each 240-sample output frame: input samples 100, 340,
    // 580, 820, 1060, 1300 -> input frames (160 samples each) 1, 3, 4, 6, 7, 9.
    expect(out.map((o) => o.id)).toEqual([1, 3, 4, 6, 7, 9]);
    for (let i = 1; i < out.length; i++) expect((out[i]!.h.timestamp - out[i - 1]!.h.timestamp) >>> 0).toBe(240);
  });

  it('output timestamps advance at the output RTP clock, not the audio rate (G.722-like 16k audio, 8k clock)', async () => {
    const G722ish = { name: 'Y', clockRate: 8000, sampleRate: 16000, channels: 1, ptime: 20 };
    const OPUSish = { name: 'Z', clockRate: 48000, sampleRate: 48000, channels: 1, ptime: 20 };
    for (const [codec, step] of [[G722ish, 160], [OPUSish, 960]] as const) {
      const { clock, a, b } = await setup(X20, codec);
      await feed(a, [1, 2, 3, 4].map((q) => frame(q, q)));
      await run(clock, b, 80, 20);
      const out = decodeOut(b.p);
      expect(out.map((o) => o.id)).toEqual([1, 2, 3, 4]);
      for (let i = 1; i < out.length; i++) expect((out[i]!.h.timestamp - out[i - 1]!.h.timestamp) >>> 0).toBe(step);
    }
  });

  it('translates telephone-events: PT, output timestamp, rescaled duration, all end retransmissions', async () => {
    const OPUSish = { name: 'Z', clockRate: 48000, sampleRate: 48000, channels: 1, ptime: 20 };
    const { clock, a, b, bridge } = await setup(X20, OPUSish, { dtmfPt: 96 });
    await feed(a, [1, 2, 3].map((q) => frame(q, q)));
    await run(clock, b, 40, 20);
    const ev = (end: boolean, d: number): Uint8Array => Uint8Array.from([9, (end ? 0x80 : 0) | 10, d >> 8, d & 0xff]);
    let q = 4;
    const events = ([[false, 160], [false, 320], [true, 400], [true, 400], [true, 400]] as const).map(([end, d]) =>
      rtp(q++, 3 * 160, { pt: 101, ssrc: 77, payload: ev(end, d) }),
    );
    await feed(a, events);
    await until(() => b.p.received.length >= b.s.stats().out.packets);
    const out = decodeOut(b.p);
    const dt = b.p.received
      .map((r, i) => ({ r, h: out[i]!.h }))
      .filter((x) => x.h.payloadType === 96)
      .map((x) => ({ h: x.h, e: parseTelephoneEvent(x.r.data, x.h.payloadOffset, x.h.payloadLength)! }));
    expect(dt.length).toBe(5);
    expect(dt.map((x) => [x.e.event, x.e.end, x.e.duration])).toEqual([
      [9, false, 960], [9, false, 1920], [9, true, 2400], [9, true, 2400], [9, true, 2400],
    ]);
    expect(dt[0]!.h.marker).toBe(true);
    expect(new Set(dt.map((x) => x.h.timestamp)).size).toBe(1);
    const audio = out.filter((o) => o.h.payloadType === 0);
    // The event starts where the next audio frame would: last audio ts + one frame (960).
    expect((dt[0]!.h.timestamp - audio.at(-1)!.h.timestamp) >>> 0).toBe(960);
    expect(dt.every((x) => x.h.ssrc === b.s.sender.ssrc)).toBe(true);
    expect(bridge.stats().transcode!.aToB.dtmfForwarded).toBe(5);
  });

  it('closing the bridge stops the pacers and releases the codecs', async () => {
    const { clock, bridge } = await setup(X20, Y20);
    expect(clock.pending()).toBeGreaterThan(0);
    bridge.close();
    expect(clock.pending()).toBe(0);
  });
});
