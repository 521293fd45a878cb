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
  it('keeps every released pair of its range by default, reuses them only after the quarantine', async () => {
    const clock = new FakeClock();
    const pool = new PooledPortAllocator({ ip: '127.0.0.1', startPort: START, endPort: END, clock });
    pools.push(pool);
    const pairs = [];
    for (let i = 0; i < 12; i++) pairs.push(await pool.allocate());
    const ports = new Set(pairs.map((p) => p.rtpPort));
    expect(ports.size).toBe(12);
    for (const p of pairs) p.release();
    expect(pool.pooled).toBe(12); // none closed: the default bound is the range's 12 pairs
    clock.advance(1999);
    await expect(pool.allocate()).rejects.toThrow(); // all 12 cooling, none free to bind
    clock.advance(1);
    const again = await pool.allocate();
    expect(ports.has(again.rtpPort)).toBe(true);
    expect(pool.reused).toBe(1);
    again.release();
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
