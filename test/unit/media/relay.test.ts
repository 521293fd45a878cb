import { afterEach, describe, expect, it } from 'vitest';
import type { CodecDescription } from '../../../src/codec/types';
import { defaultCodecs } from '../../../src/media/default-codecs';
import { startEcho } from '../../../src/media/leg-audio';
import { MediaBridge, chooseBridgeMode, sameCodec } from '../../../src/media/media-bridge';
import { PortAllocator } from '../../../src/media/port-allocator';
import { parseRtpHeader, RtpHeader } from '../../../src/media/rtp-packet';
import { RtpSession } from '../../../src/media/rtp-session';
import type { LegMedia } from '../../../src/media/types';
import { arrived, Peer, PCMU20, rtp, settle } from './helpers';

// This file owns 31200-31299.
const allocator = new PortAllocator({ ip: '127.0.0.1', startPort: 31200, endPort: 31299 });
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

const OPUS: CodecDescription = { name: 'opus', clockRate: 48000, sampleRate: 48000, channels: 2, ptime: 20 };

interface Leg {
  s: RtpSession;
  p: Peer;
}

async function leg(media: LegMedia): Promise<Leg> {
  const s = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
  const p = await Peer.open();
  cleanup.push(() => {
    s.close();
    p.close();
  });
  s.setMedia(media);
  s.setRemote({ address: p.address, port: p.port });
  return { s, p };
}

function hdrs(p: Peer): { h: RtpHeader; payload: Buffer }[] {
  return p.received.map((r) => {
    const h = new RtpHeader();
    expect(parseRtpHeader(r.data, r.data.length, h)).toBe(0);
    return { h, payload: r.data.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength) };
  });
}

describe('bridge mode selection', () => {
  it('relay only when name, clock rate, channels and ptime match', () => {
    const m = (c: Partial<CodecDescription>, pt = 0): LegMedia => ({ codec: { ...PCMU20, ...c }, pt });
    expect(sameCodec(PCMU20, { ...PCMU20, name: 'pcmu', staticPt: undefined })).toBe(true);
    expect(chooseBridgeMode(m({}), m({}, 0))).toBe('relay');
    expect(chooseBridgeMode(m({}), m({ ptime: 30 }))).toBe('transcode');
    expect(chooseBridgeMode(m({}), m({ name: 'PCMA' }))).toBe('transcode');
    expect(chooseBridgeMode({ codec: OPUS, pt: 111 }, { codec: { ...OPUS, channels: 1 }, pt: 96 })).toBe('transcode');
    expect(chooseBridgeMode({ codec: OPUS, pt: 111 }, { codec: OPUS, pt: 96 })).toBe('relay');
    expect(chooseBridgeMode(m({}), undefined)).toBe('idle');
    expect(chooseBridgeMode(m({}), m({}), false)).toBe('transcode');
  });
});

describe('relay', () => {
  it('forwards payloads untouched, rewriting SSRC/seq/ts and translating PTs (opus 111 -> 96)', async () => {
    const a = await leg({ codec: OPUS, pt: 111 });
    const b = await leg({ codec: OPUS, pt: 96 });
    const bridge = new MediaBridge(a.s, b.s);
    cleanup.push(() => bridge.close());
    expect(bridge.mode).toBe('relay');
    const sent: Buffer[] = [];
    for (const q of [100, 101, 103, 102, 104]) {
      const payload = Buffer.from(Array.from({ length: 40 + q % 7 }, (_, i) => (i * q) & 0xff));
      sent.push(payload);
      await a.p.send(rtp(q, 5000 + (q - 100) * 960, { pt: 111, ssrc: 0xaaaa, payload }), a.s.localPort);
    }
    await b.p.waitFor(5);
    const out = hdrs(b.p);
    expect(out.map((o) => o.h.payloadType)).toEqual([96, 96, 96, 96, 96]);
    expect(out.every((o) => o.h.ssrc === b.s.sender.ssrc)).toBe(true);
    out.forEach((o, i) => expect(o.payload.equals(sent[i]!)).toBe(true));
    // Offsets preserve gaps and reordering: seq relative to the first out = in relative to the first in.
    const seq0 = out[0]!.h.sequenceNumber;
    const ts0 = out[0]!.h.timestamp;
    expect(out.map((o) => (o.h.sequenceNumber - seq0) & 0xffff)).toEqual([0, 1, 3, 2, 4]);
    expect(out.map((o) => ((o.h.timestamp - ts0) >>> 0) / 960)).toEqual([0, 1, 3, 2, 4]);
    expect(out[0]!.h.marker).toBe(true); // first packet of the stream
    expect(bridge.stats().relay!.aToB.forwarded).toBe(5);
    expect(bridge.stats().transcode).toBeUndefined();
  });

  it('keeps the output continuous across a source SSRC change (re-INVITE, restart)', async () => {
    const a = await leg({ codec: PCMU20, pt: 0 });
    const b = await leg({ codec: PCMU20, pt: 0 });
    const bridge = new MediaBridge(a.s, b.s);
    cleanup.push(() => bridge.close());
    for (let i = 0; i < 5; i++) await a.p.send(rtp(1000 + i, 80000 + i * 160, { ssrc: 1 }), a.s.localPort);
    await b.p.waitFor(5);
    await settle(25);
    for (let i = 0; i < 5; i++) await a.p.send(rtp(60000 + i, 7 + i * 160, { ssrc: 2 }), a.s.localPort);
    await b.p.waitFor(10);
    const out = hdrs(b.p);
    for (let i = 1; i < 10; i++) expect((out[i]!.h.sequenceNumber - out[i - 1]!.h.sequenceNumber) & 0xffff).toBe(1);
    const gap = (out[5]!.h.timestamp - out[4]!.h.timestamp) >>> 0;
    expect(gap).toBeGreaterThanOrEqual(160); // at least one frame, roughly the 25+ ms that passed
    expect(gap).toBeLessThan(8000);
    for (let i = 6; i < 10; i++) expect((out[i]!.h.timestamp - out[i - 1]!.h.timestamp) >>> 0).toBe(160);
    expect(out[5]!.h.marker).toBe(true);
    expect(out.slice(6).some((o) => o.h.marker)).toBe(false);
    expect(new Set(out.map((o) => o.h.ssrc)).size).toBe(1);
    expect(bridge.stats().relay!.aToB.resyncs).toBe(2);
  });

  it('a sequence restart with the same SSRC (RFC 3550 A.1) keeps the output continuous', async () => {
    const a = await leg({ codec: PCMU20, pt: 0 });
    const b = await leg({ codec: PCMU20, pt: 0 });
    const bridge = new MediaBridge(a.s, b.s);
    cleanup.push(() => bridge.close());
    for (const q of [10, 11, 12, 40000, 40001, 40002, 40004]) await a.p.send(rtp(q, q * 160, { ssrc: 5 }), a.s.localPort);
    await b.p.waitFor(6);
    await settle(10);
    const out = hdrs(b.p);
    // 40000 is dropped by the A.1 rule (one packet after a jump); 40001 restarts the mapping.
    expect(out.length).toBe(6);
    expect(out.map((o) => (o.h.sequenceNumber - out[0]!.h.sequenceNumber) & 0xffff)).toEqual([0, 1, 2, 3, 4, 6]);
    expect(out[3]!.h.marker).toBe(true);
    expect(a.s.stats().in.seqJumps).toBe(1);
    expect(bridge.stats().relay!.aToB.resyncs).toBe(2);
  });

  it('translates telephone-event PT 101 -> 96 with every end retransmission; drops it if the other leg has none', async () => {
    const a = await leg({ codec: PCMU20, pt: 0, dtmfPt: 101 });
    const b = await leg({ codec: PCMU20, pt: 0, dtmfPt: 96 });
    const bridge = new MediaBridge(a.s, b.s);
    cleanup.push(() => bridge.close());
    const digits: string[] = [];
    a.s.on('dtmf', (e) => e.end && digits.push(e.digit));
    const ev = (end: boolean, d: number): Uint8Array => Uint8Array.from([3, (end ? 0x80 : 0) | 10, d >> 8, d & 0xff]);
    const plan: [boolean, number][] = [[false, 160], [false, 320], [true, 480], [true, 480], [true, 480]];
    let q = 1;
    for (const [end, d] of plan) await a.p.send(rtp(q++, 16000, { pt: 101, payload: ev(end, d) }), a.s.localPort);
    await b.p.waitFor(5);
    const out = hdrs(b.p);
    expect(out.map((o) => o.h.payloadType)).toEqual([96, 96, 96, 96, 96]);
    expect(out.map((o) => [...o.payload])).toEqual(plan.map(([e, d]) => [...ev(e, d)]));
    expect(new Set(out.map((o) => o.h.timestamp)).size).toBe(1);
    expect(digits).toEqual(['3']);
    expect(bridge.stats().relay!.aToB.dtmfForwarded).toBe(5);

    // The other direction: A has 101, but if B's leg had no telephone-event, A would get nothing.
    b.s.setMedia({ codec: PCMU20, pt: 0 });
    expect(bridge.stats().resets).toBe(1);
    await a.p.send(rtp(q++, 32000, { pt: 101, payload: ev(true, 480) }), a.s.localPort);
    await arrived(a.s, 6);
    await settle(10);
    expect(b.p.received.length).toBe(5);
    expect(bridge.stats().relay!.aToB.droppedNoPt).toBe(1);
  });

  it('passDtmf: false keeps telephone-events on their leg (the core regenerates them)', async () => {
    const a = await leg({ codec: PCMU20, pt: 0, dtmfPt: 101 });
    const b = await leg({ codec: PCMU20, pt: 0, dtmfPt: 96 });
    const bridge = new MediaBridge(a.s, b.s, { passDtmf: false });
    cleanup.push(() => bridge.close());
    const digits: string[] = [];
    a.s.on('dtmf', (e) => e.end && digits.push(e.digit));
    await a.p.send(rtp(1, 160), a.s.localPort);
    await a.p.send(rtp(2, 320, { pt: 101, payload: Uint8Array.from([4, 0x8a, 0, 160]) }), a.s.localPort);
    await b.p.waitFor(1);
    await arrived(a.s, 2);
    await settle(10);
    expect(b.p.received.length).toBe(1);
    expect(digits).toEqual(['4']);
    expect(bridge.stats().relay!.aToB.droppedNoPt).toBe(1);
    // Regenerated by the layer above with B's own PT:
    expect(await b.s.sendDtmf('4', { durationMs: 40, gapMs: 0 })).toBe(1);
    await b.p.waitFor(5);
    expect(hdrs(b.p).slice(1).every((o) => o.h.payloadType === 96)).toBe(true);
  });

  it('re-sets on a codec change (re-INVITE): relay -> transcode -> relay', async () => {
    const a = await leg({ codec: PCMU20, pt: 0 });
    const b = await leg({ codec: PCMU20, pt: 0 });
    const bridge = new MediaBridge(a.s, b.s, { codecs: defaultCodecs });
    cleanup.push(() => bridge.close());
    expect(bridge.mode).toBe('relay');
    b.s.setMedia({ codec: { ...PCMU20, name: 'PCMA', staticPt: 8 }, pt: 8 });
    expect(bridge.mode).toBe('transcode');
    expect(bridge.stats().transcode!.aToB.to).toBe('PCMA@8000h@20i');
    b.s.setMedia({ codec: PCMU20, pt: 0 });
    expect(bridge.mode).toBe('relay');
    expect(bridge.stats().resets).toBe(2);
    b.s.setMedia({ codec: { ...PCMU20 }, pt: 0 }); // same media again (hold re-INVITE): no re-set
    expect(bridge.stats().resets).toBe(2);
  });

  it('without a codec provider a mismatch leaves the bridge idle (nothing forwarded)', async () => {
    const a = await leg({ codec: PCMU20, pt: 0 });
    const b = await leg({ codec: { ...PCMU20, name: 'PCMA' }, pt: 8 });
    const bridge = new MediaBridge(a.s, b.s);
    cleanup.push(() => bridge.close());
    expect(bridge.mode).toBe('idle');
    await a.p.send(rtp(1, 160), a.s.localPort);
    await arrived(a.s, 1);
    await settle(10);
    expect(b.p.received.length).toBe(0);
    expect(a.s.stats().in.packets).toBe(1);
  });

  it('close() detaches (idempotent); close(true) also closes the sessions and frees their ports', async () => {
    const before = allocator.inUse;
    const a = await leg({ codec: PCMU20, pt: 0 });
    const b = await leg({ codec: PCMU20, pt: 0 });
    const bridge = new MediaBridge(a.s, b.s);
    bridge.close();
    bridge.close();
    expect(bridge.mode).toBe('idle');
    await a.p.send(rtp(1, 160), a.s.localPort);
    await arrived(a.s, 1);
    await settle(10);
    expect(b.p.received.length).toBe(0);
    a.s.setMedia({ codec: PCMU20, pt: 0 }); // no longer listened to: no re-set after close
    expect(bridge.mode).toBe('idle');
    expect(allocator.inUse).toBe(before + 2);
    bridge.close(true);
    expect(allocator.inUse).toBe(before);
  });

  it('a closing leg tears the bridge down', async () => {
    const a = await leg({ codec: PCMU20, pt: 0 });
    const b = await leg({ codec: PCMU20, pt: 0 });
    const bridge = new MediaBridge(a.s, b.s);
    a.s.close();
    expect(bridge.mode).toBe('idle');
    await b.p.send(rtp(1, 160), b.s.localPort);
    await arrived(b.s, 1);
    await settle(10);
    expect(a.p.received.length).toBe(0);
  });
});

describe('echo', () => {
  it('loops a leg back to itself with our SSRC, audio and telephone-events', async () => {
    const a = await leg({ codec: PCMU20, pt: 0, dtmfPt: 101 });
    const echo = startEcho(a.s);
    const payload = Buffer.from([1, 2, 3, 4]);
    await a.p.send(rtp(7, 1600, { payload }), a.s.localPort);
    await a.p.send(rtp(8, 1760, { pt: 101, payload: Buffer.from([1, 0x8a, 0, 160]) }), a.s.localPort);
    await a.p.waitFor(2);
    const out = hdrs(a.p);
    expect(out[0]!.payload.equals(payload)).toBe(true);
    expect(out[0]!.h.ssrc).toBe(a.s.sender.ssrc);
    expect(out.map((o) => o.h.payloadType)).toEqual([0, 101]);
    expect(echo.stats.forwarded).toBe(1);
    expect(echo.stats.dtmfForwarded).toBe(1);
    echo.stop();
    await a.p.send(rtp(9, 1920), a.s.localPort);
    await arrived(a.s, 3);
    await settle(10);
    expect(a.p.received.length).toBe(2);
  });
});
