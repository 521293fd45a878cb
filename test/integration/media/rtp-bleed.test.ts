/**
 * security.md §3.5 / goal G19: RTP bleed and injection against an active relayed call A <-> B.
 * An attacker at 127.0.0.66 sprays RTP (valid version, negotiated PT, guessed SSRC/seq) at every
 * port of our RTP range (RTP and RTCP), before the parties send (learning) and during the call.
 * Expected with the default latching policy and routable SDP addresses: the attacker receives
 * nothing, none of its packets reaches A or B, and A <-> B media is intact.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MediaBridge, PortAllocator, RtpSession } from '../../../src/media';
import { parseRtpHeader, RtpHeader } from '../../../src/media/rtp-packet';
import { arrived, Peer, PCMU20, rtp, settle } from '../../unit/media/helpers';

// This file owns 31700-31719.
const START = 31700;
const END = 31719;
const allocator = new PortAllocator({ ip: '127.0.0.1', startPort: START, endPort: END });
const closers: (() => void)[] = [];
afterAll(() => {
  while (closers.length) closers.pop()!();
});

async function spray(attacker: Peer, perPort: number, marker: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < perPort; i++) {
    for (let port = START; port <= END; port++) {
      // Payload byte 0 = marker so leaks are recognisable; SSRC/seq guessed like the real stream's.
      await attacker.send(rtp(1000 + i, 160 * i, { ssrc: 0x11223344, payload: Uint8Array.from([marker, ...new Uint8Array(159)]) }), port);
      n++;
    }
    if (i % 10 === 9) await settle(1);
  }
  return n;
}

describe('RTP bleed / injection (G19)', () => {
  it('a sprayer receives nothing and injects nothing; the call is intact', async () => {
    const a = await Peer.open('127.0.0.1');
    const b = await Peer.open('127.0.0.2');
    const attacker = await Peer.open('127.0.0.66');
    closers.push(() => a.close(), () => b.close(), () => attacker.close());
    const legA = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
    const legB = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
    closers.push(() => legA.close(), () => legB.close());
    legA.setMedia({ codec: PCMU20, pt: 0 });
    legB.setMedia({ codec: PCMU20, pt: 0 });
    legA.setRemote({ address: a.address, port: a.port, signalingAddress: a.address });
    legB.setRemote({ address: b.address, port: b.port, signalingAddress: b.address });
    const bridge = new MediaBridge(legA, legB);
    closers.push(() => bridge.close());

    // Phase 1: during setup, before A or B sent anything (the learning window).
    const sprayed1 = await spray(attacker, 20, 0xee);
    // Phase 2: the call runs; the attacker keeps spraying between media packets.
    let sprayed2 = 0;
    for (let i = 0; i < 20; i++) {
      await a.send(rtp(i + 1, (i + 1) * 160, { ssrc: 0xa, payload: Uint8Array.from([0xaa, ...new Uint8Array(159)]) }), legA.localPort);
      await b.send(rtp(i + 1, (i + 1) * 160, { ssrc: 0xb, payload: Uint8Array.from([0xbb, ...new Uint8Array(159)]) }), legB.localPort);
      sprayed2 += await spray(attacker, 5, 0xee);
    }
    const perPortSprayed = (sprayed1 + sprayed2) / (END - START + 1);
    await arrived(legA, perPortSprayed + 20, perPortSprayed);
    await arrived(legB, perPortSprayed + 20);
    await b.waitFor(20);
    await a.waitFor(20);
    await settle(50);

    expect(attacker.received.length).toBe(0);
    const payloadMarks = (p: Peer): number[] =>
      p.received.map((r) => {
        const h = new RtpHeader();
        expect(parseRtpHeader(r.data, r.data.length, h)).toBe(0);
        return r.data[h.payloadOffset]!;
      });
    expect(payloadMarks(b)).toEqual(Array(20).fill(0xaa));
    expect(payloadMarks(a)).toEqual(Array(20).fill(0xbb));
    const sa = legA.stats();
    const sb = legB.stats();
    expect(sa.latched).toEqual({ address: a.address, port: a.port });
    expect(sb.latched).toEqual({ address: b.address, port: b.port });
    // Every attacker packet aimed at the two RTP ports was counted and dropped.
    const perPort = (sprayed1 + sprayed2) / (END - START + 1);
    expect(sa.in.droppedWrongSource).toBe(perPort);
    expect(sb.in.droppedWrongSource).toBe(perPort);
    expect(sa.in.droppedMalformed + sb.in.droppedMalformed).toBe(0);
    // The RTCP ports saw garbage-for-RTCP (RTP packets): counted as malformed, never used.
    expect(sa.in.rtcpMalformed).toBe(perPort);
    expect(sa.in.rtcpPackets).toBe(0);
    expect(bridge.stats().relay!.aToB.forwarded).toBe(20);
  });

  it('NAT leg (private SDP address): a stranger that sends first is displaced by the peer at its signalling IP', async () => {
    const a = await Peer.open('127.0.0.3'); // the phone's public (NAT) address = its SIP source
    const b = await Peer.open('127.0.0.4');
    const attacker = await Peer.open('127.0.0.66');
    closers.push(() => a.close(), () => b.close(), () => attacker.close());
    const legA = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
    const legB = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
    closers.push(() => legA.close(), () => legB.close());
    legA.setMedia({ codec: PCMU20, pt: 0 });
    legB.setMedia({ codec: PCMU20, pt: 0 });
    legA.setRemote({ address: '192.168.1.20', port: 4000, signalingAddress: a.address }); // private SDP
    legB.setRemote({ address: b.address, port: b.port, signalingAddress: b.address });
    const bridge = new MediaBridge(legA, legB);
    closers.push(() => bridge.close());

    // The attacker guesses leg A's port and sends first: with NAT evidence it can latch (bound).
    for (let i = 0; i < 3; i++) await attacker.send(rtp(i + 1, 160 * i, { payload: Uint8Array.from([0xee]) }), legA.localPort);
    await arrived(legA, 3);
    // B talks: while the attacker holds the latch, B's media bleeds to it.
    for (let i = 0; i < 2; i++) await b.send(rtp(i + 1, 160 * i, { ssrc: 0xb, payload: Uint8Array.from([0xbb]) }), legB.localPort);
    await arrived(legB, 2);
    await attacker.waitFor(2);
    await settle(10);
    const bledBeforePeer = attacker.received.length;
    // The phone starts sending from its signalling IP (2 packets confirm), inside the window.
    for (let i = 0; i < 10; i++) await a.send(rtp(i + 1, 160 * i, { ssrc: 0xa, payload: Uint8Array.from([0xaa]) }), legA.localPort);
    await arrived(legA, 13);
    for (let i = 2; i < 12; i++) {
      await b.send(rtp(i + 1, 160 * i, { ssrc: 0xb, payload: Uint8Array.from([0xbb]) }), legB.localPort);
      await attacker.send(rtp(100 + i, 160 * i, { payload: Uint8Array.from([0xee]) }), legA.localPort);
    }
    await arrived(legA, 23);
    await arrived(legB, 12);
    await a.waitFor(10);
    await settle(30);
    expect(legA.stats().latched).toEqual({ address: a.address, port: a.port });
    // Bound: the attacker got only what B sent before the phone's first packets, nothing after.
    expect(bledBeforePeer).toBe(2);
    expect(attacker.received.length).toBe(bledBeforePeer);
    expect(a.received.length).toBe(10);
    // Injection bound: the attacker's packets reached B only while it held the latch (2 of 3; the
    // first one only counted towards confirmation); the phone's 2nd..10th packets all got through.
    const marks = b.received.map((r) => r.data[12]);
    expect(marks.filter((m) => m === 0xee).length).toBe(2);
    expect(marks.filter((m) => m === 0xaa).length).toBe(9);
    expect(legA.stats().in.droppedWrongSource).toBeGreaterThanOrEqual(10);
  });
});
