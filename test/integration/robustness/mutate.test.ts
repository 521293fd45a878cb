/** The fuzz input stream must be replayable from (seed, index) alone, and must actually vary. */
import { describe, expect, it } from 'vitest';
import { fixContentLength, freshen, loadCorpus, MUTATOR_NAMES, mutationAt, MAX_DATAGRAM } from './mutate';

const corpus = loadCorpus('127.0.0.1:5060', '127.0.0.9:5060');

describe('fuzz mutations', () => {
  it('loads all 49 RFC 4475 and 12 RFC 5118 messages plus the typical requests', () => {
    expect(corpus.filter((c) => c.name.startsWith('rfc4475/')).length).toBe(49);
    expect(corpus.filter((c) => c.name.startsWith('rfc5118/')).length).toBe(12);
    expect(corpus.some((c) => c.name === 'invite')).toBe(true);
  });

  it('input i under seed s is the same whenever it is generated, in any order', () => {
    const forward = [0, 1, 2, 500, 4999].map((i) => mutationAt(corpus, 1234, i).bytes);
    const backward = [4999, 500, 2, 1, 0].map((i) => mutationAt(corpus, 1234, i).bytes).reverse();
    forward.forEach((b, k) => expect(b.equals(backward[k]!)).toBe(true));
  });

  it('different seeds and indexes give different inputs; every mutator is used; nothing exceeds a datagram', () => {
    const a = new Set<string>();
    const used = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const m = mutationAt(corpus, 99, i);
      a.add(m.bytes.toString('latin1'));
      m.mutators.forEach((x) => used.add(x));
      expect(m.bytes.length).toBeLessThanOrEqual(MAX_DATAGRAM);
    }
    expect(a.size).toBeGreaterThan(1900);
    expect([...used].sort()).toEqual([...MUTATOR_NAMES].sort());
    expect(mutationAt(corpus, 1, 7).bytes.equals(mutationAt(corpus, 2, 7).bytes)).toBe(false);
  });

  it('freshen makes branch and Call-ID unique; fixContentLength counts body bytes', () => {
    const invite = corpus.find((c) => c.name === 'invite')!.bytes;
    const t = freshen(invite, 'fz7x').toString('latin1');
    expect(t).toContain('branch=z9hG4bKfz7xfzinvite');
    expect(t).toContain('Call-ID: fz7x-fz-invite@127.0.0.9');
    const broken = Buffer.from(t.replace(/Content-Length: \d+/, 'Content-Length: 3'), 'latin1');
    const fixed = fixContentLength(broken).toString('latin1');
    const body = fixed.slice(fixed.indexOf('\r\n\r\n') + 4);
    expect(fixed).toContain(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  });
});
