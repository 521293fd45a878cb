/**
 * PooledPortAllocator: released RTP pairs stay bound through a quarantine and are reused; the
 * pool is bounded (by default by the port range's pairs, at most 4096).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PooledPortAllocator } from '../../../../src/endpoints/sofia/port-pool';
import { FakeClock } from '../../../../src/util/clock';

const pools: PooledPortAllocator[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.close();
});

// Ranges below the ephemeral ports (32768+) and the default RTP range (16384+) the calls tests use.
const START = 12300;
const END = 12324;

describe('PooledPortAllocator', () => {
  it('keeps every released pair of its range by default, reuses them after the quarantine', async () => {
    const clock = new FakeClock();
    const pool = new PooledPortAllocator({ ip: '127.0.0.1', startPort: START, endPort: END, clock });
    pools.push(pool);
    const pairs = [];
    for (let i = 0; i < 6; i++) pairs.push(await pool.allocate());
    const ports = new Set(pairs.map((p) => p.rtpPort));
    expect(ports.size).toBe(6);
    for (const p of pairs) p.release();
    expect(pool.pooled).toBe(6);
    clock.advance(999);
    const fresh = await pool.allocate(); // quarantine running, the range has free pairs: a new one
    expect(ports.has(fresh.rtpPort)).toBe(false);
    expect(pool.reused).toBe(0);
    clock.advance(1);
    const again = await pool.allocate();
    expect(ports.has(again.rtpPort)).toBe(true);
    expect(pool.reused).toBe(1);
    expect(pool.reusedEarly).toBe(0);
    fresh.release();
    again.release();
  });

  it('a full range hands out the pair released longest ago instead of refusing the call', async () => {
    const clock = new FakeClock();
    const pool = new PooledPortAllocator({ ip: '127.0.0.1', startPort: START, endPort: END, clock });
    pools.push(pool);
    const pairs = [];
    for (let i = 0; i < 12; i++) pairs.push(await pool.allocate());
    expect(pool.inUse).toBe(pool.capacity);
    await expect(pool.allocate()).rejects.toThrow(/no free RTP port/); // all 12 in calls: nothing to give
    pairs[3]!.release();
    clock.advance(10);
    pairs[7]!.release();
    expect(pool.pooled).toBe(2);
    const a = await pool.allocate(); // both still in quarantine, the range is full: oldest first
    const b = await pool.allocate();
    expect([a.rtpPort, b.rtpPort]).toEqual([pairs[3]!.rtpPort, pairs[7]!.rtpPort]);
    expect(pool.reusedEarly).toBe(2);
    for (const p of [...pairs, a, b]) p.release();
  });

  it('the default bound follows the range: 1,100 released pairs of a 1,100-pair range all stay pooled', async () => {
    const pool = new PooledPortAllocator({ ip: '127.0.0.1', startPort: 10000, endPort: 12200, clock: new FakeClock() });
    pools.push(pool);
    const pairs = [];
    for (let i = 0; i < 1100; i++) pairs.push(await pool.allocate());
    for (const p of pairs) p.release();
    expect(pool.pooled).toBe(1100);
  });

  it('closes released pairs beyond maxPooled', async () => {
    const clock = new FakeClock();
    const pool = new PooledPortAllocator({ ip: '127.0.0.1', startPort: START, endPort: END, clock, maxPooled: 3 });
    pools.push(pool);
    const pairs = [];
    for (let i = 0; i < 5; i++) pairs.push(await pool.allocate());
    for (const p of pairs) p.release();
    expect(pool.pooled).toBe(3);
  });
});
