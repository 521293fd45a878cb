import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../../../src/sip/transport/ip-family';

describe('ipFamily', () => {
  it('agrees with net.isIP', () => {
    const cases = [
      '127.0.0.1', '0.0.0.0', '255.255.255.255', '192.168.1.10', '1.2.3.4', '256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.02.3.4',
      '1..3.4', '.1.2.3', '1.2.3.', '1.2.3.04', '1.2.3.400', '1234.1.1.1', 'a.b.c.d', '', '::1', '::ffff:1.2.3.4', 'fe80::1', '[::1]',
      'example.com', '10.0.0.1 ', ' 10.0.0.1', '1.2.3.4\n', '999.999.999.999', '0.0.0.00',
    ];
    for (const c of cases) expect([c, ipFamily(c)]).toEqual([c, isIP(c)]);
  });

  it('agrees with net.isIP on random dotted strings (seeded)', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const alphabet = '0123456789.';
    for (let i = 0; i < 20000; i++) {
      let s = '';
      const len = 5 + Math.floor(rnd() * 12);
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(ipFamily(s)).toBe(isIP(s));
    }
  });
});
