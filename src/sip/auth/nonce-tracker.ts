/**
 * Remembers, per nonce, the highest nonce-count accepted so far (RFC 7616 §3.4 / RFC 2617
 * §3.2.2: "the server ... can detect request replays by its nc-value"). Bounded:
 *
 * - entries are created on the first *successful* use of a nonce (a failed attempt never writes,
 *   so a guessing attacker cannot burn a victim's nonce-count);
 * - entries for nonces older than the nonce TTL are dropped (the nonce is stale anyway);
 * - when `capacity` is reached, the least recently used entry is evicted, and the evicted nonce's
 *   issue sequence number raises a watermark: a nonce that is not tracked and was issued at or
 *   before the watermark might have been evicted, so its history is unknown and it is reported
 *   `unknown` (the caller answers stale=true and the client simply takes a fresh nonce). Nothing
 *   is ever accepted twice because of eviction.
 *
 *   nc > last seen             -> accepted, recorded
 *   nc <= last seen            -> replay
 *   no-qop use (RFC 2069)      -> the nonce is single-use: any later use is a replay
 */

export type NcCheck = 'ok' | 'replay' | 'unknown';

interface Entry {
  seq: number;
  /** Wall-clock issue time, for expiry. */
  issuedAt: number;
  /** Highest nc accepted; -1 after a use without qop (single-use). */
  lastNc: number;
  /** LRU list: older / newer neighbour. */
  older: Entry | undefined;
  newer: Entry | undefined;
}

/**
 * The LRU order is an intrusive doubly linked list beside the Map, not the Map's own insertion
 * order: evicting from the front of a V8 Map and then iterating it from the start walks over
 * every deleted slot until the table is rehashed, which made commit() cost ~7 µs at capacity.
 */
export class NonceCountTracker {
  /** Keyed by the nonce's issue sequence number (unique per signer instance). */
  private readonly entries = new Map<number, Entry>();
  /** Least recently used end (evicted first) and most recently used end. */
  private oldest: Entry | undefined;
  private newest: Entry | undefined;
  private watermark = -1;
  private evictions = 0;

  constructor(
    private readonly capacity = 10_000,
    private readonly ttlMs = 60_000,
  ) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be >= 1');
  }

  get size(): number {
    return this.entries.size;
  }
  get evicted(): number {
    return this.evictions;
  }

  /**
   * Would a use of nonce `seq` with `nc` (undefined = no qop) be fresh? Read-only; call commit()
   * once the response has verified.
   */
  check(seq: number, nc: number | undefined): NcCheck {
    const e = this.entries.get(seq);
    if (!e) return seq <= this.watermark ? 'unknown' : 'ok';
    if (e.lastNc === -1) return 'replay';
    if (nc === undefined) return 'replay'; // a nonce already used with qop cannot drop to no-qop
    return nc > e.lastNc ? 'ok' : 'replay';
  }

  /** Records an accepted use. `wallMs` drives expiry of old entries. */
  commit(seq: number, issuedAt: number, nc: number | undefined, wallMs: number): void {
    const lastNc = nc === undefined ? -1 : nc;
    let e = this.entries.get(seq);
    if (e) {
      // Re-use: becomes the most recently used.
      e.issuedAt = issuedAt;
      e.lastNc = lastNc;
      this.unlink(e);
    } else {
      e = { seq, issuedAt, lastNc, older: undefined, newer: undefined };
      this.entries.set(seq, e);
    }
    this.pushNewest(e);
    this.sweep(wallMs);
  }

  private unlink(e: Entry): void {
    if (e.older) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = e.newer = undefined;
  }

  private pushNewest(e: Entry): void {
    e.older = this.newest;
    e.newer = undefined;
    if (this.newest) this.newest.newer = e;
    else this.oldest = e;
    this.newest = e;
  }

  private sweep(wallMs: number): void {
    // Expired entries: drop them from the LRU end while they are expired, at most 8 per commit
    // (amortised O(1)); the first live one stops the walk.
    for (let steps = 0; steps < 8; steps++) {
      const e = this.oldest;
      if (!e || wallMs - e.issuedAt < this.ttlMs) break;
      this.unlink(e);
      this.entries.delete(e.seq);
    }
    while (this.entries.size > this.capacity) {
      const e = this.oldest;
      if (!e) break;
      this.unlink(e);
      this.entries.delete(e.seq);
      if (e.seq > this.watermark) this.watermark = e.seq;
      this.evictions++;
    }
  }

  clear(): void {
    this.entries.clear();
    this.oldest = this.newest = undefined;
  }
}
