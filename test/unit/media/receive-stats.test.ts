import { describe, expect, it } from 'vitest';
import { ReceiveStats, SeqVerdict } from '../../../src/media/receive-stats';

describe('ReceiveStats (RFC 3550 A.1/A.3/A.8)', () => {
  it('counts loss from the extended sequence range', () => {
    const s = new ReceiveStats();
    s.reset(1);
    for (const seq of [10, 11, 13, 14, 17]) s.update(seq, seq * 160, NaN, 160);
    expect(s.expected).toBe(8);
    expect(s.received).toBe(5);
    expect(s.lost).toBe(3);
    // 3 of 8 lost since the start -> floor(3*256/8) = 96
    expect(s.takeFractionLost()).toBe(96);
    s.update(18, 0, NaN, 160);
    expect(s.takeFractionLost()).toBe(0);
  });

  it('extends sequence numbers across the 16-bit wrap', () => {
    const s = new ReceiveStats();
    s.reset(1);
    const seqs = [65533, 65534, 65535, 0, 1, 2];
    const exts: number[] = [];
    for (const q of seqs) {
      expect(s.update(q, 0, NaN, 1)).toBe(SeqVerdict.NEW);
      exts.push(s.lastExtSeq);
    }
    expect(exts).toEqual([65533, 65534, 65535, 65536, 65537, 65538]);
    expect(s.lost).toBe(0);
    expect(s.extendedMax).toBe(65538);
  });

  it('tells reordered from duplicate packets, and reordering does not count as loss', () => {
    const s = new ReceiveStats();
    s.reset(1);
    const v = [1, 2, 4, 3, 3, 4, 5].map((q) => s.update(q, 0, NaN, 1));
    expect(v).toEqual([SeqVerdict.NEW, SeqVerdict.NEW, SeqVerdict.NEW, SeqVerdict.REORDERED, SeqVerdict.DUPLICATE, SeqVerdict.DUPLICATE, SeqVerdict.NEW]);
    expect(s.outOfOrder).toBe(1);
    expect(s.duplicates).toBe(2);
    expect(s.lost).toBe(0);
    expect(s.received).toBe(5);
  });

  it('a reordered packet across the wrap gets the previous cycle', () => {
    const s = new ReceiveStats();
    s.reset(1);
    s.update(65534, 0, NaN, 1);
    s.update(0, 0, NaN, 1);
    expect(s.update(65535, 0, NaN, 1)).toBe(SeqVerdict.REORDERED);
    expect(s.lastExtSeq).toBe(65535);
    expect(s.lost).toBe(0);
  });

  it('drops one packet after a large jump and restarts on two sequential ones (A.1)', () => {
    const s = new ReceiveStats();
    s.reset(1);
    s.update(100, 0, NaN, 1);
    s.update(101, 0, NaN, 1);
    expect(s.update(40000, 0, NaN, 1)).toBe(SeqVerdict.JUMP);
    expect(s.update(40001, 0, NaN, 1)).toBe(SeqVerdict.RESTARTED);
    expect(s.update(40002, 0, NaN, 1)).toBe(SeqVerdict.NEW);
    expect(s.seqJumps).toBe(1);
    expect(s.restarts).toBe(1);
    expect(s.lost).toBe(0);
    // A lone jump followed by normal traffic is just dropped.
    expect(s.update(9000, 0, NaN, 1)).toBe(SeqVerdict.JUMP);
    expect(s.update(40003, 0, NaN, 1)).toBe(SeqVerdict.NEW);
  });

  it('interarrival jitter is 0 for a perfectly paced stream and tracks |D| otherwise (A.8)', () => {
    const s = new ReceiveStats();
    s.reset(1);
    for (let i = 0; i < 50; i++) s.update(i, i * 160, i * 160 + 1000, 160);
    expect(s.jitter).toBe(0);
    // Alternate arrival offsets of 0 and +80 units: |D| = 80 every packet -> J converges to 80.
    const t = new ReceiveStats();
    t.reset(2);
    for (let i = 0; i < 400; i++) t.update(i, i * 160, i * 160 + (i % 2) * 80, 160);
    expect(t.jitter).toBeGreaterThan(79);
    expect(t.jitter).toBeLessThanOrEqual(80);
    // Timestamp wrap does not create a giant jump in jitter.
    const w = new ReceiveStats();
    w.reset(3);
    const base = 0xffffff00;
    for (let i = 0; i < 10; i++) w.update(i, (base + i * 160) >>> 0, 5_000_000 + i * 160, 160);
    expect(w.jitter).toBe(0);
  });
});
