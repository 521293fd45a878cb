/**
 * A small fixed-delay jitter buffer for transcoded paths, keyed by RFC 3550 extended sequence number
 * (one entry per packet). The consumer pops at its own steady cadence (one output frame per ptime),
 * so bursts on the input never become bursts on the output.
 *
 *   put()  stores a packet. Too late (its turn already passed) -> dropped, counted.
 *          Far outside the window (source restarted) -> buffer restarts on it.
 *          More than `maxPackets` ahead of playout -> the oldest are skipped (bounded latency).
 *   pop()  returns the next packet in sequence, or LOST when it is missing (later ones are there, or
 *          the buffer ran dry for at most `maxConceal` pops: conceal it), or EMPTY when idle.
 *          Playout starts once `prefetch` packets are buffered (or the first one has waited
 *          `prefetch` pops). After `maxConceal` dry pops in a row the buffer goes idle and
 *          prefetches again when packets return (silence suppression, hold).
 *          If more than `highWater` packets are waiting (sender clock faster than ours), one packet
 *          is skipped to pull the delay back.
 */

export interface JitterBufferOptions {
  /** Packets buffered before playout starts (delay, in packets). */
  prefetch: number;
  /** Hard bound on buffered packets. */
  maxPackets: number;
  /** Skip one packet when more than this many wait at pop time. */
  highWater: number;
  /** Dry pops concealed before going idle. */
  maxConceal: number;
}

export const DEFAULT_JITTER: JitterBufferOptions = { prefetch: 2, maxPackets: 16, highWater: 6, maxConceal: 5 };

export const JB_EMPTY = 0;
export const JB_FRAME = 1;
export const JB_LOST = 2;
export type JitterPop = typeof JB_EMPTY | typeof JB_FRAME | typeof JB_LOST;

export interface JitterStats {
  put: number;
  played: number;
  /** Missing packets concealed (gap or dry buffer). */
  concealed: number;
  /** Arrived after their playout slot. */
  tooLate: number;
  duplicates: number;
  /** Skipped to bound the delay (overflow or high water). */
  overflowSkips: number;
  restarts: number;
}

/** How far outside the window a packet restarts the buffer instead of being dropped/skipped. */
const RESTART_DISTANCE = 500;

export class JitterBuffer<T> {
  readonly opts: JitterBufferOptions;
  readonly stats: JitterStats = { put: 0, played: 0, concealed: 0, tooLate: 0, duplicates: 0, overflowSkips: 0, restarts: 0 };
  private readonly slotSeq: Float64Array;
  private readonly slotItem: (T | undefined)[];
  private count = 0;
  private started = false;
  private nextSeq = 0;
  private minSeq = Infinity;
  private waitPops = 0;
  private dryRun = 0;
  /** The item of the last JB_FRAME pop. */
  item: T | undefined;
  /** Sequence number of the last FRAME/LOST pop. */
  seq = 0;

  constructor(opts: Partial<JitterBufferOptions> = {}) {
    this.opts = { ...DEFAULT_JITTER, ...opts };
    const o = this.opts;
    if (o.prefetch < 1 || o.maxPackets < o.prefetch + 1 || o.highWater < o.prefetch) {
      throw new RangeError('jitter buffer: need 1 <= prefetch <= highWater and prefetch < maxPackets');
    }
    this.slotSeq = new Float64Array(o.maxPackets).fill(-1);
    this.slotItem = new Array<T | undefined>(o.maxPackets).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  get playing(): boolean {
    return this.started;
  }

  reset(): void {
    this.slotSeq.fill(-1);
    this.slotItem.fill(undefined);
    this.count = 0;
    this.started = false;
    this.minSeq = Infinity;
    this.waitPops = 0;
    this.dryRun = 0;
  }

  put(seq: number, item: T): void {
    this.stats.put++;
    if (seq < 0) {
      // Extended seq from before the first packet's cycle (RFC 3550 A.1 reordering at start).
      this.stats.tooLate++;
      return;
    }
    if (this.started) {
      if (seq < this.nextSeq) {
        if (this.nextSeq - seq > RESTART_DISTANCE) {
          this.restart();
        } else {
          this.stats.tooLate++;
          return;
        }
      } else if (seq - this.nextSeq > RESTART_DISTANCE) {
        this.restart();
      } else if (seq - this.nextSeq >= this.opts.maxPackets) {
        // Bound the delay: skip ahead so that seq is the newest slot.
        const newNext = seq - this.opts.maxPackets + 1;
        for (let s = this.nextSeq; s < newNext; s++) this.dropSlot(s);
        this.stats.overflowSkips += newNext - this.nextSeq;
        this.nextSeq = newNext;
      }
    } else if (this.count > 0 && Math.abs(seq - this.minSeq) >= this.opts.maxPackets) {
      // Prefetching, and this packet is not near the others: start over on it.
      this.restart();
    }
    const i = seq % this.opts.maxPackets;
    if (this.slotSeq[i] === seq) {
      this.stats.duplicates++;
      return;
    }
    if (this.slotSeq[i]! >= 0) this.count--; // stale occupant (cannot happen within the window)
    this.slotSeq[i] = seq;
    this.slotItem[i] = item;
    this.count++;
    if (seq < this.minSeq) this.minSeq = seq;
  }

  pop(): JitterPop {
    if (!this.started) {
      if (this.count === 0) return JB_EMPTY;
      this.waitPops++;
      if (this.count < this.opts.prefetch && this.waitPops < this.opts.prefetch) return JB_EMPTY;
      this.started = true;
      this.nextSeq = this.minSeq;
      this.dryRun = 0;
    }
    if (this.count > this.opts.highWater) {
      // Sender's clock runs faster than ours (or a burst after a stall): drop the oldest slot.
      this.dropSlot(this.nextSeq);
      this.nextSeq++;
      this.stats.overflowSkips++;
    }
    const s = this.nextSeq;
    const i = s % this.opts.maxPackets;
    if (this.slotSeq[i] === s) {
      this.item = this.slotItem[i];
      this.slotSeq[i] = -1;
      this.slotItem[i] = undefined;
      this.count--;
      this.nextSeq = s + 1;
      this.seq = s;
      this.dryRun = 0;
      this.stats.played++;
      return JB_FRAME;
    }
    this.item = undefined;
    if (this.count === 0) {
      this.dryRun++;
      if (this.dryRun > this.opts.maxConceal) {
        this.started = false;
        this.minSeq = Infinity;
        this.waitPops = 0;
        return JB_EMPTY;
      }
    }
    this.nextSeq = s + 1;
    this.seq = s;
    this.stats.concealed++;
    return JB_LOST;
  }

  private dropSlot(seq: number): void {
    const i = seq % this.opts.maxPackets;
    if (this.slotSeq[i] === seq) {
      this.slotSeq[i] = -1;
      this.slotItem[i] = undefined;
      this.count--;
    }
  }

  private restart(): void {
    this.reset();
    this.stats.restarts++;
  }
}
