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
  /** Wall-clock issue time, for expiry. */
  issuedAt: number;
  /** Highest nc accepted; -1 after a use without qop (single-use). */
  lastNc: number;
}

export class NonceCountTracker {
  /** Keyed by the nonce's issue sequence number (unique per signer instance). */
  private readonly entries = new Map<number, Entry>();
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
    if (this.entries.has(seq)) this.entries.delete(seq); // re-insert: Map order doubles as LRU order
    this.entries.set(seq, { issuedAt, lastNc: nc === undefined ? -1 : nc });
    this.sweep(wallMs);
  }

  private sweep(wallMs: number): void {
    // Expired entries: drop them from the LRU end while they are expired, at most 8 per commit
    // (amortised O(1)); the first live one stops the walk.
    const it = this.entries.entries();
    for (let steps = 0; steps < 8; steps++) {
      const next = it.next();
      if (next.done) break;
      const [k, e] = next.value;
      if (wallMs - e.issuedAt < this.ttlMs) break;
      this.entries.delete(k);
    }
    while (this.entries.size > this.capacity) {
      const first = this.entries.keys().next();
      if (first.done) break;
      this.entries.delete(first.value);
      if (first.value > this.watermark) this.watermark = first.value;
      this.evictions++;
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
