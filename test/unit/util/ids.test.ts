import { describe, expect, it } from 'vitest';
import { fillRandom, random32, token, uuid } from '../../../src/util/ids';

describe('ids', () => {
  it('token(n) is 2n lowercase hex characters (default 8 bytes)', () => {
    expect(token()).toMatch(/^[0-9a-f]{16}$/);
    expect(token(5)).toMatch(/^[0-9a-f]{10}$/);
    expect(token(1)).toMatch(/^[0-9a-f]{2}$/);
    expect(token(0)).toBe('');
  });

  it('pooled tokens never repeat across pool refills (each pooled byte is used once)', () => {
    const seen = new Set<string>();
    // 3000 x 12 bytes = 36 KB: several refills of the 4 KiB pool, incl. draws at its end.
    for (let i = 0; i < 3000; i++) seen.add(token(12));
    expect(seen.size).toBe(3000);
  });

  it('tokens larger than the pool still work', () => {
    const t = token(5000);
    expect(t).toHaveLength(10_000);
    expect(t).toMatch(/^[0-9a-f]+$/);
    expect(t).not.toMatch(/^(00)+$/);
  });

  it('random32 gives unsigned 32-bit integers spread over the range', () => {
    const xs = Array.from({ length: 2000 }, () => random32());
    for (const x of xs) {
      expect(Number.isInteger(x)).toBe(true);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(0xffffffff);
    }
    expect(new Set(xs).size).toBeGreaterThan(1990);
    // Both halves of the range are hit (a stuck high bit would show here).
    expect(xs.some((x) => x >= 0x80000000)).toBe(true);
    expect(xs.some((x) => x < 0x80000000)).toBe(true);
  });

  it('fillRandom fills the asked range only, from the pool or (past its size) directly', () => {
    for (const n of [4, 5000]) {
      const b = Buffer.alloc(n + 4, 0xee);
      fillRandom(b, 2, n);
      expect([b[0], b[1], b[n + 2], b[n + 3]]).toEqual([0xee, 0xee, 0xee, 0xee]);
      // n random bytes all equal to 0xee: probability 2^-32 for n = 4.
      expect(b.subarray(2, n + 2).every((x) => x === 0xee)).toBe(false);
    }
  });

  it('uuid is an RFC 4122 v4 string', () => {
    expect(uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
