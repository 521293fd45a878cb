import { afterEach, describe, expect, it } from 'vitest';
import type { CodecDescription } from '../../../src/codec/types';
import { FakeClock } from '../../../src/util/clock';
import { isStrowgerError } from '../../../src/util/errors';
import { defaultCodecs } from '../../../src/media/default-codecs';
import { LegCapture, LegPlayer, startEcho, type L16Source } from '../../../src/media/leg-audio';
import { MediaBridge } from '../../../src/media/media-bridge';
import { PortAllocator } from '../../../src/media/port-allocator';
import { parseRtpHeader, RtpHeader } from '../../../src/media/rtp-packet';
import { RtpSession } from '../../../src/media/rtp-session';
import { Peer, PCMU20, rtp, settle, traceCodecs, until } from './helpers';

// This file owns 31400-31499.
const allocator = new PortAllocator({ ip: '127.0.0.1', startPort: 31400, endPort: 31499 });
const cleanup: (() => void)[] = [];
afterEach(() => {
  while (cleanup.length) cleanup.pop()!();
});

const T20: CodecDescription = { name: 'T', clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20 };

async function leg(clock: FakeClock, codec: CodecDescription): Promise<{ s: RtpSession; p: Peer }> {
  const s = await RtpSession.create(allocator, { rtcpIntervalMs: 0, clock });
  const p = await Peer.open();
  cleanup.push(() => {
    s.close();
    p.close();
  });
  s.setMedia({ codec, pt: 0 });
  s.setRemote({ address: p.address, port: p.port });
  return { s, p };
}

/** A source of `frames` 20 ms frames at `rate` whose samples carry the frame number. */
function countingSource(frames: number, rate: number): L16Source & { reads: number } {
  const per = (rate * 20) / 1000;
  let pos = 0;
  const total = frames * per;
  return {
    sampleRate: rate,
    reads: 0,
    read(out: Int16Array): number {
      this.reads++;
      const n = Math.min(out.length, total - pos);
      for (let i = 0; i < n; i++) out[i] = Math.floor((pos + i) / per) + 1;
      pos += n;
      return n;
    },
  };
}

function ids(p: Peer): { id: number; h: RtpHeader }[] {
  return p.received.map((r) => {
    const h = new RtpHeader();
    expect(parseRtpHeader(r.data, r.data.length, h)).toBe(0);
    return { id: (r.data[h.payloadOffset]! << 8) | r.data[h.payloadOffset + 1]!, h };
  });
}

describe('LegPlayer', () => {
  it('sends one encoded frame per ptime until the source ends, then resolves', async () => {
    const clock = new FakeClock();
    const { s, p } = await leg(clock, T20);
    const player = new LegPlayer(s, traceCodecs, clock);
    cleanup.push(() => player.close());
    let done = false;
    void player.play(countingSource(5, 8000)).then(() => (done = true));
    for (let i = 0; i < 8; i++) {
      clock.advance(20);
      await settle(1); // let the play() promise settle
    }
    expect(done).toBe(true);
    await until(() => p.received.length >= s.stats().out.packets);
    const out = ids(p);
    expect(out.map((o) => o.id)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < out.length; i++) {
      expect((out[i]!.h.timestamp - out[i - 1]!.h.timestamp) >>> 0).toBe(160);
      expect((out[i]!.h.sequenceNumber - out[i - 1]!.h.sequenceNumber) & 0xffff).toBe(1);
    }
    expect(out[0]!.h.marker).toBe(true);
    expect(clock.pending()).toBe(0); // pacer stopped
  });

  it('resamples a 16 kHz source for an 8 kHz leg; stop() resolves the pending play', async () => {
    const clock = new FakeClock();
    const { s, p } = await leg(clock, T20);
    const player = new LegPlayer(s, traceCodecs, clock);
    cleanup.push(() => player.close());
    const played = player.play(countingSource(100, 16000));
    for (let i = 0; i < 3; i++) clock.advance(20);
    player.stop();
    await played;
    await until(() => p.received.length >= s.stats().out.packets);
    expect(ids(p).map((o) => o.id)).toEqual([1, 2, 3]);
  });

  it('over a bridged leg it replaces the partner audio, which resumes afterwards on the same stream', async () => {
    const clock = new FakeClock();
    const a = await leg(clock, T20);
    const b = await leg(clock, T20);
    const bridge = new MediaBridge(a.s, b.s, { clock });
    cleanup.push(() => bridge.close());
    expect(bridge.mode).toBe('relay');
    const fromA = (q: number): Buffer => rtp(q, q * 160, { ssrc: 9, payload: Uint8Array.from([0x7f, q]) });
    await a.p.send(fromA(1), a.s.localPort);
    await b.p.waitFor(1);
    const player = new LegPlayer(b.s, traceCodecs, clock);
    cleanup.push(() => player.close());
    const played = player.play(countingSource(3, 8000));
    for (let i = 0; i < 4; i++) {
      await a.p.send(fromA(2 + i), a.s.localPort); // partner keeps talking: muted on B
      await until(() => a.s.stats().in.packets >= 2 + i);
      clock.advance(20);
    }
    await played;
    await a.p.send(fromA(6), a.s.localPort);
    await b.p.waitFor(5);
    await settle(5);
    const out = ids(b.p);
    // relay(1), player 1..3, relay(6); relayed frames have 0x7f in the first payload byte.
    expect(out.map((o) => (o.id >> 8 === 0x7f ? `a${o.id & 0xff}` : `p${o.id}`))).toEqual(['a1', 'p1', 'p2', 'p3', 'a6']);
    for (let i = 1; i < out.length; i++) expect((out[i]!.h.sequenceNumber - out[i - 1]!.h.sequenceNumber) & 0xffff).toBe(1);
    expect(new Set(out.map((o) => o.h.ssrc)).size).toBe(1);
    expect(b.s.stats().out.suppressed).toBeGreaterThanOrEqual(3);
  });

  it('needs negotiated media', async () => {
    const s = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
    cleanup.push(() => s.close());
    const err = (() => {
      try {
        new LegPlayer(s, traceCodecs);
      } catch (e) {
        return e;
      }
    })();
    expect(isStrowgerError(err, 'CHANNEL_STATE')).toBe(true);
    expect(() => startEcho(s)).toThrow();
  });
});

describe('LegCapture', () => {
  it('delivers decoded L16 frames at the requested rate, in order, with concealment for loss', async () => {
    const clock = new FakeClock();
    const { s, p } = await leg(clock, PCMU20);
    const frames: { first: number; len: number; rate: number }[] = [];
    const cap = new LegCapture(s, defaultCodecs, (pcm, rate) => frames.push({ first: pcm[200]!, len: pcm.length, rate }), { sampleRate: 16000, clock });
    cleanup.push(() => cap.close());
    // PCMU 0xff = +0 / 0x80 = large positive: alternate so frames are distinguishable.
    for (const [q, byte] of [[1, 0x80], [2, 0xff], [4, 0x80]] as const) {
      await p.send(rtp(q, q * 160, { payload: new Uint8Array(160).fill(byte) }), s.localPort);
    }
    await until(() => s.stats().in.packets >= 3);
    for (let i = 0; i < 4; i++) clock.advance(20);
    expect(frames.length).toBe(4); // 1, 2, (3 concealed), 4
    expect(frames.every((f) => f.len === 320 && f.rate === 16000)).toBe(true);
    expect(frames[0]!.first).toBeGreaterThan(8000);
    expect(Math.abs(frames[1]!.first)).toBeLessThan(200);
    expect(Math.abs(frames[2]!.first)).toBeLessThan(200); // concealed: silence for G.711
    expect(frames[3]!.first).toBeGreaterThan(8000);
    cap.close();
    cap.close();
    expect(clock.pending()).toBe(0);
  });
});
