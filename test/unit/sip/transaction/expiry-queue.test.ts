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
});
