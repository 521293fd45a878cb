import { describe, expect, it } from 'vitest';
import { JB_EMPTY, JB_FRAME, JB_LOST, JitterBuffer, type JitterPop } from '../../../src/media/jitter-buffer';

/** Pop once and describe the result: a number = the item, 'L' = lost/conceal, '-' = empty. */
function step(jb: JitterBuffer<number>): number | 'L' | '-' {
  const r: JitterPop = jb.pop();
  if (r === JB_FRAME) return jb.item!;
  if (r === JB_LOST) return 'L';
  expect(r).toBe(JB_EMPTY);
  return '-';
}

describe('JitterBuffer', () => {
  it('prefetches, then plays in sequence order despite reordering', () => {
    const jb = new JitterBuffer<number>({ prefetch: 2 });
    jb.put(11, 11);
    expect(step(jb)).toBe('-');
    jb.put(10, 10);
    expect(step(jb)).toBe(10);
    jb.put(13, 13);
    jb.put(12, 12);
    expect([step(jb), step(jb), step(jb)]).toEqual([11, 12, 13]);
    expect(jb.stats.concealed).toBe(0);
  });

  it('conceals a lost packet exactly once and keeps the timeline', () => {
    const jb = new JitterBuffer<number>({ prefetch: 2 });
    for (const s of [1, 2, 4, 5]) jb.put(s, s);
    expect([step(jb), step(jb), step(jb), step(jb), step(jb)]).toEqual([1, 2, 'L', 4, 5]);
    expect(jb.stats.concealed).toBe(1);
  });

  it('drops packets that arrive after their slot was concealed', () => {
    const jb = new JitterBuffer<number>({ prefetch: 1 });
    jb.put(1, 1);
    jb.put(3, 3);
    expect([step(jb), step(jb), step(jb)]).toEqual([1, 'L', 3]);
    jb.put(2, 2);
    expect(jb.stats.tooLate).toBe(1);
    jb.put(3, 3);
    expect(jb.stats.tooLate).toBe(2);
  });

  it('conceals a dry spell up to maxConceal, then goes idle and re-prefetches', () => {
    const jb = new JitterBuffer<number>({ prefetch: 2, maxConceal: 3 });
    jb.put(1, 1);
    jb.put(2, 2);
    const out = Array.from({ length: 7 }, () => step(jb));
    expect(out).toEqual([1, 2, 'L', 'L', 'L', '-', '-']);
    expect(jb.playing).toBe(false);
    // The sender resumes (after a silence its seq continues from 3): accepted, no "too late".
    jb.put(3, 3);
    jb.put(4, 4);
    expect([step(jb), step(jb)]).toEqual([3, 4]);
    expect(jb.stats.tooLate).toBe(0);
  });

  it('a packet that is merely late by one slot is concealed and later dropped: latency stays bounded', () => {
    const jb = new JitterBuffer<number>({ prefetch: 1, maxConceal: 5 });
    jb.put(1, 1);
    expect(step(jb)).toBe(1);
    expect(step(jb)).toBe('L'); // 2 not there in time
    jb.put(2, 2);
    jb.put(3, 3);
    expect(step(jb)).toBe(3);
    expect(jb.stats.tooLate).toBe(1);
  });

  it('bounds the buffer: far-ahead packets skip the oldest, high water pulls the delay back', () => {
    const jb = new JitterBuffer<number>({ prefetch: 2, maxPackets: 8, highWater: 4 });
    jb.put(1, 1);
    jb.put(2, 2);
    expect(step(jb)).toBe(1);
    // A burst of 10 packets at once.
    for (let s = 3; s <= 12; s++) jb.put(s, s);
    expect(jb.size).toBeLessThanOrEqual(8);
    expect(jb.stats.overflowSkips).toBeGreaterThan(0);
    const played: (number | string)[] = [];
    for (let i = 0; i < 8; i++) played.push(step(jb));
    // Strictly increasing, no concealment inserted by the skips, ends at the newest packet.
    const nums = played.filter((x): x is number => typeof x === 'number');
    expect(nums).toEqual([...nums].sort((a, b) => a - b));
    expect(nums[nums.length - 1]).toBe(12);
    expect(jb.size).toBe(0);
  });

  it('restarts on a sequence far outside the window (source restarted)', () => {
    const jb = new JitterBuffer<number>({ prefetch: 1 });
    jb.put(1000, 1);
    expect(step(jb)).toBe(1);
    jb.put(5, 2); // far behind
    expect(jb.stats.restarts).toBe(1);
    expect(step(jb)).toBe(2);
    jb.put(900000, 3); // far ahead
    expect(jb.stats.restarts).toBe(2);
    expect(step(jb)).toBe(3);
  });

  it('ignores duplicates and negative extended sequence numbers', () => {
    const jb = new JitterBuffer<number>({ prefetch: 2 });
    jb.put(1, 1);
    jb.put(1, 99);
    expect(jb.stats.duplicates).toBe(1);
    jb.put(-1, 5);
    expect(jb.stats.tooLate).toBe(1);
    jb.put(2, 2);
    expect([step(jb), step(jb)]).toEqual([1, 2]);
  });

  it('rejects nonsensical options', () => {
    expect(() => new JitterBuffer({ prefetch: 0 })).toThrow(RangeError);
    expect(() => new JitterBuffer({ prefetch: 4, maxPackets: 4 })).toThrow(RangeError);
  });
});
