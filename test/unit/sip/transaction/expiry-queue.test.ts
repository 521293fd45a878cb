import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/util/clock';
import { ExpiryQueue } from '../../../../src/sip/transaction/expiry-queue';

interface Rec {
  name: string;
  expiresAt: number;
}

describe('ExpiryQueue (compact records sharing one lifetime)', () => {
  it('expires records in order under one timer; onExpired sees each after all due ones left', () => {
    const clock = new FakeClock();
    const seen: Array<[string, number]> = [];
    const q: ExpiryQueue<Rec> = new ExpiryQueue<Rec>(clock, (r) => seen.push([r.name, q.size]));
    clock.advance(10);
    q.add('a', { name: 'a', expiresAt: clock.now() + 100 }); // due at 110
    q.add('b', { name: 'b', expiresAt: clock.now() + 100 }); // due at 110 too
    clock.advance(10);
    q.add('c', { name: 'c', expiresAt: clock.now() + 100 }); // due at 120
    expect(clock.pending()).toBe(1);
    clock.advance(89); // now 109
    expect(seen).toEqual([]);
    clock.advance(1); // 110: a and b leave together, then onExpired runs for each
    expect(seen).toEqual([['a', 1], ['b', 1]]);
    expect(q.get('c')?.name).toBe('c');
    clock.advance(10);
    expect(seen.map((x) => x[0])).toEqual(['a', 'b', 'c']);
    expect(q.size).toBe(0);
    expect(clock.pending()).toBe(0);
  });

  it('adding a present key moves it to the end; dropOldest; clear cancels the timer', () => {
    const clock = new FakeClock();
    const expired: string[] = [];
    const q = new ExpiryQueue<Rec>(clock, (r) => expired.push(r.name));
    q.add('a', { name: 'a', expiresAt: 100 });
    q.add('b', { name: 'b', expiresAt: 100 });
    q.add('a', { name: 'a2', expiresAt: 200 });
    expect([...q.values()].map((r) => r.name)).toEqual(['b', 'a2']);
    expect(q.dropOldest()).toBe(true);
    expect([...q.values()].map((r) => r.name)).toEqual(['a2']);
    expect(q.delete('a')).toBe(true);
    expect(q.dropOldest()).toBe(false);
    q.add('c', { name: 'c', expiresAt: 50 });
    q.clear();
    expect(clock.pending()).toBe(0);
    clock.advance(1000);
    expect(expired).toEqual([]);
  });

  it('deleted and re-added records leave dead slots that are skipped; thousands of records expire in order', () => {
    const clock = new FakeClock();
    const expired: string[] = [];
    const q = new ExpiryQueue<Rec>(clock, (r) => expired.push(r.name));
    // 5,000 records in five 1 ms batches; every third deleted.
    for (let i = 0; i < 5000; i++) {
      if (i > 0 && i % 1000 === 0) clock.advance(1);
      q.add(`k${i}`, { name: `r${i}`, expiresAt: clock.now() + 1000 });
      if (i % 3 === 0) q.delete(`k${i}`);
    }
    clock.advance(1); // t = 5: every fifth re-added under its key with a new record
    const readded: string[] = [];
    for (let i = 0; i < 5000; i += 5) {
      if (i % 3 === 0) continue;
      q.add(`k${i}`, { name: `again${i}`, expiresAt: clock.now() + 1000 });
      readded.push(`again${i}`);
    }
    // The same record object added again with a later expiry moves too.
    const same = q.get('k1')!;
    same.expiresAt = clock.now() + 1000;
    q.add('k1', same);
    const firstPass: string[] = [];
    for (let i = 0; i < 5000; i++) if (i % 3 !== 0 && i % 5 !== 0 && i !== 1) firstPass.push(`r${i}`);
    clock.advance(999); // t = 1004: the five batches are due
    expect(expired).toEqual(firstPass);
    expect(q.size).toBe(readded.length + 1);
    clock.advance(1);
    expect(expired.slice(firstPass.length)).toEqual([...readded, 'r1']);
    expect(q.size).toBe(0);
    expect(clock.pending()).toBe(0);
    expect(q.dropOldest()).toBe(false);
  });
});
