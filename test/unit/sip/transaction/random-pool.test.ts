import { describe, expect, it } from 'vitest';
import { fillRandom, randomHex } from '../../../../src/sip/transaction/random-pool';

describe('random pool', () => {
  it('hex tokens of the asked size, all different across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const t = randomHex(6); // 3000 x 6 bytes: several 4 KiB refills
      expect(t).toMatch(/^[0-9a-f]{12}$/);
      seen.add(t);
    }
    expect(seen.size).toBe(3000);
  });

  it('fills the asked range only', () => {
    const b = Buffer.alloc(8, 0xee);
    let changed = false;
    for (let i = 0; i < 20 && !changed; i++) {
      fillRandom(b, 2, 4);
      changed = b.readUInt32BE(2) !== 0xeeeeeeee;
    }
    expect(changed).toBe(true);
    expect([b[0], b[1], b[6], b[7]]).toEqual([0xee, 0xee, 0xee, 0xee]);
    expect(() => randomHex(5000)).toThrow(RangeError);
  });
});
