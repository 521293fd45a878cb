import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { isStrowgerError, StrowgerError } from '../../../src/util/errors';
import { PortAllocator, type PortPair } from '../../../src/media/port-allocator';

// This file owns 31000-31099 of the media test range.
const IP = '127.0.0.1';

describe('PortAllocator', () => {
  it('hands out even RTP ports with RTCP on the next odd port, bound to the configured IP', async () => {
    const a = new PortAllocator({ ip: IP, startPort: 31001, endPort: 31010 });
    expect(a.firstRtpPort).toBe(31002);
    expect(a.lastRtpPort).toBe(31008);
    expect(a.capacity).toBe(4);
    const p = await a.allocate();
    try {
      expect(p.rtpPort % 2).toBe(0);
      expect(p.rtcpPort).toBe(p.rtpPort + 1);
      expect(p.rtpPort).toBeGreaterThanOrEqual(31002);
      expect(p.rtcpPort).toBeLessThanOrEqual(31010);
      expect(p.rtpSocket.address()).toMatchObject({ address: IP, port: p.rtpPort });
      expect(p.rtcpSocket.address()).toMatchObject({ address: IP, port: p.rtcpPort });
    } finally {
      p.release();
    }
  });

  it('never hands out a pair twice, throws MEDIA_PORTS_EXHAUSTED when full, and reuses released pairs', async () => {
    const a = new PortAllocator({ ip: IP, startPort: 31020, endPort: 31025 });
    // Concurrent allocations must not race onto the same pair.
    const pairs = await Promise.all([a.allocate(), a.allocate(), a.allocate()]);
    const ports = pairs.map((p) => p.rtpPort).sort();
    expect(ports).toEqual([31020, 31022, 31024]);
    expect(a.inUse).toBe(3);
    const err = await a.allocate().catch((e: unknown) => e);
    expect(isStrowgerError(err, 'MEDIA_PORTS_EXHAUSTED')).toBe(true);
    expect((err as StrowgerError).details).toMatchObject({ inUse: 3 });
    pairs[1]!.release();
    pairs[1]!.release(); // idempotent
    expect(a.inUse).toBe(2);
    const again = await a.allocate();
    expect(again.rtpPort).toBe(31022);
    for (const p of [pairs[0]!, pairs[2]!, again]) p.release();
    expect(a.inUse).toBe(0);
  });

  it('skips a pair whose RTP or RTCP port another process holds, and tries the next', async () => {
    const a = new PortAllocator({ ip: IP, startPort: 31030, endPort: 31035 });
    const squatRtp = createSocket('udp4');
    const squatRtcp = createSocket('udp4');
    await new Promise<void>((r) => squatRtp.bind(31030, IP, () => r()));
    await new Promise<void>((r) => squatRtcp.bind(31033, IP, () => r())); // RTCP of the 2nd pair
    let p: PortPair | undefined;
    try {
      p = await a.allocate();
      expect(p.rtpPort).toBe(31034);
      expect(a.inUse).toBe(1);
      // 31030 and 31032 were not marked as ours: nothing leaked.
      expect(a.isReserved(31030)).toBe(false);
      expect(a.isReserved(31032)).toBe(false);
      const err = await a.allocate().catch((e: unknown) => e);
      expect(isStrowgerError(err, 'MEDIA_PORTS_EXHAUSTED')).toBe(true);
      expect((err as StrowgerError).details).toMatchObject({ busyElsewhere: 2 });
    } finally {
      p?.release();
      squatRtp.close();
      squatRtcp.close();
    }
  });

  it('a released pair becomes bindable again (sockets really closed)', async () => {
    const a = new PortAllocator({ ip: IP, startPort: 31040, endPort: 31041 });
    const p = await a.allocate();
    p.release();
    const s = createSocket('udp4');
    await new Promise<void>((res, rej) => {
      s.once('error', rej);
      s.bind(31040, IP, () => res());
    });
    s.close();
  });

  it('walks the range round-robin so a just-released pair is not reused first', async () => {
    const a = new PortAllocator({ ip: IP, startPort: 31050, endPort: 31057 });
    const p1 = await a.allocate();
    p1.release();
    const p2 = await a.allocate();
    expect(p2.rtpPort).not.toBe(p1.rtpPort);
    p2.release();
  });

  it('rejects ranges without a pair and bad bounds', () => {
    expect(() => new PortAllocator({ ip: IP, startPort: 31061, endPort: 31062 })).toThrow(StrowgerError);
    expect(() => new PortAllocator({ ip: IP, startPort: 0, endPort: 10 })).toThrow(StrowgerError);
    expect(() => new PortAllocator({ ip: IP, startPort: 31060, endPort: 70000 })).toThrow(StrowgerError);
  });

  it('a wrong IP is a configuration error, not exhaustion', async () => {
    const a = new PortAllocator({ ip: '192.0.2.55', startPort: 31070, endPort: 31075 });
    const err = await a.allocate().catch((e: unknown) => e);
    expect(isStrowgerError(err, 'CONFIG_INVALID')).toBe(true);
    expect(a.inUse).toBe(0);
  });
});
