/**
 * Compact transaction records that all share one lifetime (Timer J, L or M), kept by key in
 * insertion order, which is then expiry order, under one clock timer armed for the oldest record.
 * One timer per queue instead of one per record: a busy registrar holds tens of thousands.
 */
import type { Clock, TimerHandle } from '../../util/clock';

export class ExpiryQueue<R extends { expiresAt: number }> {
  private readonly records = new Map<string, R>();
  private timer: TimerHandle | undefined;
  /** When timer fires (clock ms), if armed. */
  private timerAt = Infinity;

  /** onExpired runs for each due record after all due records have left the queue. */
  constructor(
    private readonly clock: Clock,
    private readonly onExpired?: (record: R) => void,
  ) {}

  get size(): number {
    return this.records.size;
  }

  get(key: string): R | undefined {
    return this.records.get(key);
  }

  delete(key: string): boolean {
    return this.records.delete(key);
  }

  values(): IterableIterator<R> {
    return this.records.values();
  }

  /**
   * Adds key's record at the end (moving it there if present). Every record of one queue must
   * have the same lifetime, so the end is the latest expiry.
   */
  add(key: string, record: R): void {
    this.records.delete(key);
    this.records.set(key, record);
    this.arm();
  }

  /** Drops the oldest record; false when the queue is empty. */
  dropOldest(): boolean {
    const oldest = this.records.keys().next();
    if (oldest.done) return false;
    this.records.delete(oldest.value);
    return true;
  }

  clear(): void {
    this.records.clear();
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private arm(): void {
    const first = this.records.values().next();
    if (first.done) return;
    const at = first.value.expiresAt;
    if (this.timer && this.timerAt <= at) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.expire(), Math.max(0, at - this.clock.now()));
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.clock.now();
    const due: R[] = [];
    for (const [key, record] of this.records) {
      if (record.expiresAt > now) break;
      this.records.delete(key);
      due.push(record);
    }
    if (this.onExpired) for (const record of due) this.onExpired(record);
    this.arm();
  }
}
