import { afterEach, describe, expect, it } from 'vitest';
import { RtcpPacketConverter, RtcpRrPacket, RtcpSrPacket } from 'werift-rtp';
import { FakeClock } from '../../../src/util/clock';
import { parseTelephoneEvent } from '../../../src/media/dtmf';
import { PortAllocator } from '../../../src/media/port-allocator';
import { parseRtpHeader, RtpHeader } from '../../../src/media/rtp-packet';
import { RtpSession, type RtpSessionOptions } from '../../../src/media/rtp-session';
import type { DtmfEvent } from '../../../src/media/dtmf';
import { PacketKind } from '../../../src/media/types';
import { arrived, Peer, PCMU20, rtp, settle, until } from './helpers';

// This file owns 31100-31199.
const allocator = new PortAllocator({ ip: '127.0.0.1', startPort: 31100, endPort: 31189 });
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

async function session(opts: RtpSessionOptions = {}): Promise<RtpSession> {
  const s = await RtpSession.create(allocator, { rtcpIntervalMs: 0, ...opts });
  cleanup.push(() => s.close());
  s.setMedia({ codec: PCMU20, pt: 0, dtmfPt: 101 });
  return s;
}

async function peer(address = '127.0.0.1'): Promise<Peer> {
  const p = await Peer.open(address);
  cleanup.push(() => p.close());
  return p;
}

function header(buf: Buffer): RtpHeader {
  const h = new RtpHeader();
  expect(parseRtpHeader(buf, buf.length, h)).toBe(0);
  return h;
}

describe('RtpSession', () => {
  it('drops and counts malformed RTP and RTCP without throwing; good packets reach the sink', async () => {
    const s = await session();
    const a = await peer();
    s.setRemote({ address: a.address, port: a.port });
    const kinds: number[] = [];
    s.setSink((_pkt, _h, kind) => kinds.push(kind));
    const bad = [
      Buffer.alloc(0),
      Buffer.from([0x80, 0, 0, 1]),
      Buffer.alloc(11, 0x80),
      Buffer.from([0x40, ...rtp(1, 0).subarray(1)]),
      Buffer.from([0x8f, ...rtp(1, 0).subarray(1, 20)]),
      Buffer.from([0xa0, ...rtp(1, 0).subarray(1, 13), 200]),
    ];
    for (const b of bad) await a.send(b, s.localPort);
    // 4-byte and garbage RTCP
    await a.send(Buffer.from([0x80, 201, 0, 0]), s.localRtcpPort);
    await a.send(Buffer.from([0x80, 201, 0, 9, 1, 2, 3, 4]), s.localRtcpPort);
    await a.send(Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0]), s.localRtcpPort);
    await a.send(rtp(1, 160), s.localPort);
    await arrived(s, bad.length + 1, 3);
    const st = s.stats();
    expect(st.in.droppedMalformed).toBe(bad.length);
    expect(st.in.rtcpMalformed).toBe(3);
    expect(st.in.packets).toBe(1);
    expect(kinds).toEqual([PacketKind.AUDIO]);
  });

  it('latches onto the SDP peer; a stranger is counted as wrong source, never forwarded, never sent to', async () => {
    const s = await session();
    const a = await peer();
    const attacker = await peer('127.0.0.66');
    s.setRemote({ address: a.address, port: a.port });
    let sunk = 0;
    s.setSink(() => sunk++);
    await a.send(rtp(1, 160), s.localPort);
    await arrived(s, 1);
    for (let i = 0; i < 20; i++) await attacker.send(rtp(100 + i, 0, { ssrc: 0x11223344 }), s.localPort);
    await arrived(s, 21);
    expect(sunk).toBe(1);
    expect(s.stats().in.droppedWrongSource).toBe(20);
    expect(s.stats().latched).toEqual({ address: a.address, port: a.port });
    s.sendPayload(new Uint8Array(160), 0, 1234, false, {});
    await a.waitFor(1);
    await settle(10);
    expect(attacker.received.length).toBe(0);
  });

  it('learns a NAT-mapped source (SDP address unreachable/private) and sends there', async () => {
    const s = await session({ latching: { confirmPackets: 2 } });
    const real = await peer('127.0.0.5');
    s.setRemote({ address: '192.168.1.10', port: 40000 }); // what the SDP said: a private address
    const latched: unknown[] = [];
    s.on('latched', (x) => latched.push(x));
    let sunk = 0;
    s.setSink(() => sunk++);
    await real.send(rtp(1, 160), s.localPort);
    await real.send(rtp(2, 320), s.localPort);
    await real.send(rtp(3, 480), s.localPort);
    await arrived(s, 3);
    expect(latched).toEqual([{ address: '127.0.0.5', port: real.port }]);
    expect(sunk).toBe(2); // the first packet only counted towards confirmation
    expect(s.stats().in.droppedLearning).toBe(1);
    expect(s.target).toEqual({ address: '127.0.0.5', port: real.port });
    s.sendPayload(new Uint8Array(160), 0, 1, false, {});
    await real.waitFor(1);
  });

  it('counts loss, reordering, duplicates and unknown PTs; follows SSRC changes', async () => {
    const s = await session();
    const a = await peer();
    s.setRemote({ address: a.address, port: a.port });
    const seqs: number[] = [];
    s.setSink((_p, h) => seqs.push(h.sequenceNumber));
    for (const q of [1, 2, 4, 3, 3, 6]) await a.send(rtp(q, q * 160), s.localPort);
    await a.send(rtp(7, 7 * 160, { pt: 13 }), s.localPort); // CN, not negotiated
    for (const q of [500, 501]) await a.send(rtp(q, q * 160, { ssrc: 0xabc }), s.localPort);
    await arrived(s, 9);
    expect(seqs).toEqual([1, 2, 4, 3, 6, 500, 501]);
    const st = s.stats().in;
    expect(st.duplicates).toBe(1);
    expect(st.outOfOrder).toBe(1);
    expect(st.lost).toBe(1); // seq 5
    expect(st.droppedUnknownPt).toBe(1);
    expect(st.ssrcChanges).toBe(1);
    expect(st.ssrc).toBe(0xabc);
    expect(st.packets).toBe(7);
  });

  it('accepts exactly the negotiated audio and telephone-event PTs, follows setMedia changes, none after setMedia(undefined)', async () => {
    const s = await session(); // PCMU 0 + telephone-event 101
    const a = await peer();
    s.setRemote({ address: a.address, port: a.port });
    const kinds: number[] = [];
    s.setSink((_p, _h, kind) => kinds.push(kind));
    let seq = 1;
    const send = async (pt: number): Promise<void> => {
      await a.send(rtp(seq, seq * 160, { pt, payload: new Uint8Array([1, 0, 0, 160]) }), s.localPort);
      await arrived(s, seq);
      seq++;
    };
    await send(0);
    await send(101);
    await send(8);
    s.setMedia({ codec: { ...PCMU20, name: 'PCMA', staticPt: 8 }, pt: 8, recvPt: 8, dtmfPt: 96, dtmfRecvPt: 97 });
    await send(0);
    await send(8);
    await send(97);
    await send(96);
    s.setMedia({ codec: PCMU20, pt: 0, dtmfPt: 0 }); // same PT for both: telephone-event wins (as the PT table did)
    await send(0);
    s.setMedia(undefined);
    await send(0);
    await send(101);
    expect(kinds).toEqual([PacketKind.AUDIO, PacketKind.DTMF, PacketKind.AUDIO, PacketKind.DTMF, PacketKind.DTMF]);
    expect(s.stats().in.droppedUnknownPt).toBe(5);
  });

  it('parses received telephone-events into one start and one end DTMF event', async () => {
    const s = await session();
    const a = await peer();
    s.setRemote({ address: a.address, port: a.port });
    const got: DtmfEvent[] = [];
    s.on('dtmf', (e) => got.push(e));
    const evt = (end: boolean, dur: number): Uint8Array => Uint8Array.from([7, (end ? 0x80 : 0) | 10, dur >> 8, dur & 0xff]);
    let seq = 10;
    for (const [end, dur] of [[false, 160], [false, 320], [true, 640], [true, 640], [true, 640]] as const) {
      await a.send(rtp(seq++, 8000, { pt: 101, payload: evt(end, dur), marker: seq === 11 }), s.localPort);
    }
    await arrived(s, 5);
    expect(got.map((e) => [e.digit, e.end, e.durationMs])).toEqual([
      ['7', false, 20],
      ['7', true, 80],
    ]);
    expect(s.stats().in.dtmfPackets).toBe(5);
  });

  it('generates RFC 4733 events with the leg PT, one timestamp per event, end sent 3 times', async () => {
    const s = await session();
    const a = await peer();
    s.setRemote({ address: a.address, port: a.port });
    const n = await s.sendDtmf('1x#', { durationMs: 60, gapMs: 0 });
    expect(n).toBe(2);
    await a.waitFor(10);
    await settle(10);
    const pkts = a.received.map((r) => {
      const h = header(r.data);
      return { pt: h.payloadType, m: h.marker, seq: h.sequenceNumber, ts: h.timestamp, ssrc: h.ssrc, e: parseTelephoneEvent(r.data, h.payloadOffset, h.payloadLength)! };
    });
    // 60 ms at 20 ms intervals: durations 160, 320, then end 480 x3 -> 5 packets per digit.
    expect(pkts.length).toBe(10);
    expect(pkts.every((p) => p.pt === 101 && p.ssrc === s.sender.ssrc)).toBe(true);
    const first = pkts.slice(0, 5);
    const second = pkts.slice(5);
    expect(first.map((p) => [p.e.event, p.e.end, p.e.duration, p.m])).toEqual([
      [1, false, 160, true], [1, false, 320, false], [1, true, 480, false], [1, true, 480, false], [1, true, 480, false],
    ]);
    expect(second.map((p) => p.e.event)).toEqual([11, 11, 11, 11, 11]);
    expect(new Set(first.map((p) => p.ts)).size).toBe(1);
    expect(new Set(second.map((p) => p.ts)).size).toBe(1);
    expect(second[0]!.ts).not.toBe(first[0]!.ts);
    for (let i = 1; i < pkts.length; i++) expect((pkts[i]!.seq - pkts[i - 1]!.seq) & 0xffff).toBe(1);
    expect(s.stats().out.dtmfPackets).toBe(10);
  });

  it('mutes other producers while an event is being generated', async () => {
    const s = await session();
    const a = await peer();
    s.setRemote({ address: a.address, port: a.port });
    const done = s.sendDtmf('5', { durationMs: 40, gapMs: 0 });
    await until(() => s.sendingDtmf);
    s.sendPayload(new Uint8Array(160), 0, 1, false, {});
    await done;
    expect(s.stats().out.suppressed).toBe(1);
    expect(a.received.every((r) => header(r.data).payloadType === 101)).toBe(true);
  });

  it('sendDtmf without a telephone-event PT sends nothing and says so', async () => {
    const s = await session();
    s.setMedia({ codec: PCMU20, pt: 0 });
    expect(await s.sendDtmf('123')).toBe(0);
    expect(s.stats().out.packets).toBe(0);
  });

  it('fires the media timeout on the injected clock; hold switches to the hold timeout', async () => {
    const clock = new FakeClock();
    const s = await session({ clock, mediaTimeoutMs: 1000, holdTimeoutMs: 5000 });
    const a = await peer();
    s.setRemote({ address: a.address, port: a.port });
    const fired: { idleMs: number; hold: boolean }[] = [];
    s.on('timeout', (t) => fired.push(t));
    clock.advance(600);
    await a.send(rtp(1, 160), s.localPort);
    await arrived(s, 1);
    clock.advance(900);
    expect(fired).toEqual([]);
    clock.advance(100);
    expect(fired).toEqual([{ idleMs: 1000, hold: false }]);
    s.setHold(true);
    clock.advance(4999);
    expect(fired.length).toBe(1);
    clock.advance(1);
    expect(fired[1]).toEqual({ idleMs: 5000, hold: true });
  });

  it('sends SR + SDES (and an RR block once it receives) on the RTCP port', async () => {
    const s = await session();
    const a = await peer();
    const aRtcp = await peer();
    s.setRemote({ address: a.address, port: a.port, rtcpPort: aRtcp.port });
    s.sendRtcpReport();
    await aRtcp.waitFor(1);
    let pk = RtcpPacketConverter.deSerialize(aRtcp.received[0]!.data);
    expect(pk[0]).toBeInstanceOf(RtcpRrPacket);
    for (let q = 1; q <= 5; q++) await a.send(rtp(q === 3 ? 9 : q, q * 160), s.localPort); // seq 3 missing
    await arrived(s, 5);
    s.sendPayload(new Uint8Array(160), 0, 1, false, {});
    s.sendPayload(new Uint8Array(160), 0, 161, false, {});
    await settle();
    s.sendRtcpReport();
    await aRtcp.waitFor(2);
    pk = RtcpPacketConverter.deSerialize(aRtcp.received[1]!.data);
    const sr = pk[0] as RtcpSrPacket;
    expect(sr).toBeInstanceOf(RtcpSrPacket);
    expect(sr.ssrc).toBe(s.sender.ssrc);
    expect(sr.senderInfo.packetCount).toBe(2);
    expect(sr.senderInfo.octetCount).toBe(320);
    expect(sr.reports.length).toBe(1);
    expect(sr.reports[0]!.ssrc).toBe(0x11223344);
    expect(sr.reports[0]!.highestSequence).toBe(9);
    expect(sr.reports[0]!.packetsLost).toBe(4); // 1..9 expected, 5 received
    expect(pk.some((p) => p.type === 202)).toBe(true);
    expect(s.stats().out.rtcpSent).toBe(2);
  });

  it('recvonly/inactive: nothing is sent; sendonly/inactive: nothing is accepted', async () => {
    const s = await session();
    const a = await peer();
    s.setRemote({ address: a.address, port: a.port });
    s.setDirection('recvonly');
    s.sendPayload(new Uint8Array(160), 0, 1, false, {});
    s.setDirection('inactive');
    await a.send(rtp(1, 160), s.localPort);
    await arrived(s, 1);
    await settle(10);
    expect(a.received.length).toBe(0);
    expect(s.stats().out.droppedInactive).toBe(1);
    expect(s.stats().in.droppedInactive).toBe(1);
  });

  it('a disabled stream (SDP port 0) or a throwing consumer never throws out of the data plane', async () => {
    const s = await session();
    const a = await peer();
    s.setRemote({ address: a.address, port: 0 });
    expect(s.target).toBeUndefined();
    s.sendPayload(new Uint8Array(160), 0, 1, false, {});
    s.sendRtcpReport();
    expect(s.stats().out.droppedNoRemote).toBe(1);
    s.setRemote({ address: a.address, port: a.port });
    let tapped = 0;
    s.setSink(() => {
      throw new Error('consumer bug');
    });
    s.addTap(() => tapped++);
    await a.send(rtp(1, 160), s.localPort);
    await a.send(rtp(2, 320), s.localPort);
    await arrived(s, 2);
    expect(s.stats().in.packets).toBe(2);
    expect(s.stats().in.sinkErrors).toBe(2);
    expect(tapped).toBe(2);
  });

  it('works over IPv6 (rtp-ip ::1)', async () => {
    const v6 = new PortAllocator({ ip: '::1', startPort: 31190, endPort: 31199 });
    const s = await RtpSession.create(v6, { rtcpIntervalMs: 0 });
    cleanup.push(() => s.close());
    s.setMedia({ codec: PCMU20, pt: 0 });
    const { createSocket } = await import('node:dgram');
    const p = createSocket('udp6');
    cleanup.push(() => p.close());
    await new Promise<void>((r) => p.bind(0, '::1', () => r()));
    const got: Buffer[] = [];
    p.on('message', (m) => got.push(m));
    s.setRemote({ address: '::1', port: p.address().port });
    await new Promise<void>((r) => p.send(rtp(1, 160), s.localPort, '::1', () => r()));
    await arrived(s, 1);
    expect(s.stats().latched).toEqual({ address: '::1', port: p.address().port });
    s.sendPayload(new Uint8Array(160), 0, 1, false, {});
    await until(() => got.length >= 1);
    expect(got.length).toBe(1);
  });

  it('a session that never receives media reports the same zero statistics (receive state is made on first packet)', async () => {
    const s = await session();
    s.setRemote({ address: '127.0.0.1', port: 40000 });
    const st = s.stats();
    expect(st.in).toEqual({
      ssrc: 0, datagrams: 0, packets: 0, bytes: 0, payloadBytes: 0, lost: 0, expected: 0, jitterMs: 0, outOfOrder: 0,
      duplicates: 0, seqJumps: 0, ssrcChanges: 0, dtmfPackets: 0, dtmfEvents: 0, droppedMalformed: 0,
      droppedWrongSource: 0, droppedLearning: 0, droppedUnknownPt: 0, droppedInactive: 0,
      rtcpPackets: 0, rtcpMalformed: 0, rtcpWrongSource: 0, sinkErrors: 0,
    });
    expect(Object.keys(st.out)).toEqual(['ssrc', 'packets', 'bytes', 'payloadBytes', 'dtmfPackets', 'droppedNoRemote', 'droppedInactive', 'suppressed', 'sendErrors', 'rtcpSent']);
    expect(st.latched).toBeUndefined();
    expect(st.remote).toEqual({ address: '127.0.0.1', port: 40000 });
  });

  it('media timeout off: no timer at all; turned on later it still fires, and a timeout set to 0 stays silent', async () => {
    const clock = new FakeClock();
    const s = await session({ clock, mediaTimeoutMs: 0 });
    expect(clock.pending()).toBe(0);
    const fired: { idleMs: number; hold: boolean }[] = [];
    s.on('timeout', (t) => fired.push(t));
    s.setHold(true); // hold timeout 0 × 10: still nothing
    s.setHold(false);
    expect(clock.pending()).toBe(0);
    clock.advance(10_000);
    expect(fired).toEqual([]);
    s.setTimeouts({ mediaTimeoutMs: 500 });
    expect(clock.pending()).toBe(1);
    clock.advance(500);
    expect(fired).toEqual([{ idleMs: 500, hold: false }]);
    s.setTimeouts({ mediaTimeoutMs: 0 });
    clock.advance(10_000);
    expect(fired.length).toBe(1);
    s.close();
    expect(clock.pending()).toBe(0);
  });

  it('a closed session arms no media timeout, whatever it is told after close', async () => {
    const clock = new FakeClock();
    for (const initial of [0, 1000]) {
      const s = await session({ clock, mediaTimeoutMs: initial, holdTimeoutMs: 0 });
      s.close();
      s.setTimeouts({ mediaTimeoutMs: 500, holdTimeoutMs: 700 });
      s.setHold(true);
      s.setHold(false);
      expect(clock.pending()).toBe(0);
    }
  });

  it('close() is idempotent, releases the ports and emits closed once', async () => {
    const before = allocator.inUse;
    const s = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
    expect(allocator.inUse).toBe(before + 1);
    let closed = 0;
    s.on('closed', () => closed++);
    s.close();
    s.close();
    expect(closed).toBe(1);
    expect(allocator.inUse).toBe(before);
    expect(s.isClosed).toBe(true);
    s.sendPayload(new Uint8Array(1), 0, 1, false, {}); // no-op, no throw
  });
});
