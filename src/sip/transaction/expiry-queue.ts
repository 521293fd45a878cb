/**
 * Compact transaction records that all share one lifetime (Timer J, L or M), kept by key in
 * insertion order, which is then expiry order, under one clock timer armed for the oldest record.
 * One timer per queue instead of one per record: a busy registrar holds tens of thousands.
 *
 * The order is kept in arrays beside the key map, not read from the map: a JS Map removes an
 * entry by leaving a hole that iteration skips until the next rehash, so a queue that deletes
 * from the front and peeks at its first entry pays for every hole on each peek. At 32,000
 * records (1,000 calls/s for 32 s) that was ~23 µs per add, three adds a call.
 */
import type { Clock, TimerHandle } from '../../util/clock';

/** Dead slots at the front of the order arrays before they are cut off (amortised O(1)). */
const COMPACT_AT = 1024;

export class ExpiryQueue<R extends { expiresAt: number }> {
  private readonly records = new Map<string, R>();
  /**
   * Keys, records and their expiry at add time, in add order, from `head`. A slot is live while
   * the map still holds that very record with that expiry under that key; delete and re-add leave
   * the old slot dead, and dead slots are skipped.
   */
  private keys: string[] = [];
  private recs: R[] = [];
  private ats: number[] = [];
  private head = 0;
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
    this.keys.push(key);
    this.recs.push(record);
    this.ats.push(record.expiresAt);
    // A timer already armed fires no later than this record is due.
    if (this.timer === undefined) this.arm();
  }

  /** Drops the oldest record; false when the queue is empty. */
  dropOldest(): boolean {
    if (!this.skipDead()) return false;
    this.records.delete(this.keys[this.head]!);
    this.take();
    return true;
  }

  clear(): void {
    this.records.clear();
    this.keys = [];
    this.recs = [];
    this.ats = [];
    this.head = 0;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private live(i: number): boolean {
    const r = this.recs[i]!;
    return this.records.get(this.keys[i]!) === r && r.expiresAt === this.ats[i];
  }

  /** Moves head past dead slots; true when a live one is there. */
  private skipDead(): boolean {
    const n = this.keys.length;
    while (this.head < n && !this.live(this.head)) this.take();
    if (this.head < n) return true;
    this.keys = [];
    this.recs = [];
    this.ats = [];
    this.head = 0;
    return false;
  }

  /** Releases the slot at head and moves past it, cutting the arrays when enough is dead. */
  private take(): void {
    (this.recs as Array<R | undefined>)[this.head] = undefined;
    this.head++;
    if (this.head >= COMPACT_AT && this.head * 2 >= this.keys.length) {
      this.keys = this.keys.slice(this.head);
      this.recs = this.recs.slice(this.head);
      this.ats = this.ats.slice(this.head);
      this.head = 0;
    }
  }

  private arm(): void {
    if (!this.skipDead()) return;
    const at = this.ats[this.head]!;
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
    while (this.skipDead()) {
      const h = this.head;
      if (this.ats[h]! > now) break;
      const record = this.recs[h]!;
      this.records.delete(this.keys[h]!);
      this.take();
      due.push(record);
    }
    if (this.onExpired) for (const record of due) this.onExpired(record);
    this.arm();
  }
}
