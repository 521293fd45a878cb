/**
 * Remembers, per nonce, the highest nonce-count accepted so far (RFC 7616 §3.4 / RFC 2617
 * §3.2.2: "the server ... can detect request replays by its nc-value"). Bounded:
 *
 * - entries are created on the first *successful* use of a nonce (a failed attempt never writes,
 *   so a guessing attacker cannot burn a victim's nonce-count);
 * - entries for nonces older than the nonce TTL are dropped (the nonce is stale anyway);
 * - when `capacity` is reached, the least recently used entry is evicted, and the evicted nonce's
 *   issue time raises a watermark: a nonce that is not tracked and was issued at or before the
 *   watermark might have been evicted, so its history is unknown and it is reported `unknown`
 *   (the caller answers stale=true and the client simply takes a fresh nonce). Nothing is ever
 *   accepted twice because of eviction.
 *
 *   nc > last seen             -> accepted, recorded
 *   nc <= last seen            -> replay
 *   no-qop use (RFC 2069)      -> the nonce is single-use: any later use is a replay
 */

export type NcCheck = 'ok' | 'replay' | 'unknown';

interface Entry {
  issuedAt: number;
  /** Highest nc accepted; -1 after a use without qop (single-use). */
  lastNc: number;
}

export class NonceCountTracker {
  private readonly entries = new Map<string, Entry>();
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
   * Would a use of `key` with `nc` (undefined = no qop) be fresh? Read-only; call commit() once
   * the response has verified.
   */
  check(key: string, issuedAt: number, nc: number | undefined): NcCheck {
    const e = this.entries.get(key);
    if (!e) return issuedAt <= this.watermark ? 'unknown' : 'ok';
    if (e.lastNc === -1) return 'replay';
    if (nc === undefined) return 'replay'; // a nonce already used with qop cannot drop to no-qop
    return nc > e.lastNc ? 'ok' : 'replay';
  }

  /** Records an accepted use. `wallMs` drives expiry of old entries. */
  commit(key: string, issuedAt: number, nc: number | undefined, wallMs: number): void {
    const prev = this.entries.get(key);
    if (prev) this.entries.delete(key); // re-insert: Map order doubles as LRU order
    this.entries.set(key, { issuedAt, lastNc: nc === undefined ? -1 : nc });
    this.sweep(wallMs);
  }

  private sweep(wallMs: number): void {
    // Expired entries: scan from the LRU end a bounded number of steps (amortised O(1)).
    let steps = 0;
    for (const [k, e] of this.entries) {
      if (steps++ >= 8) break;
      if (wallMs - e.issuedAt >= this.ttlMs) this.entries.delete(k);
    }
    while (this.entries.size > this.capacity) {
      const first = this.entries.keys().next();
      if (first.done) break;
      const e = this.entries.get(first.value)!;
      this.entries.delete(first.value);
      if (e.issuedAt > this.watermark) this.watermark = e.issuedAt;
      this.evictions++;
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
