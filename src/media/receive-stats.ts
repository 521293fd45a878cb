/**
 * Per-source receive statistics (RFC 3550 Appendix A).
 *  - A.1 sequence validation with MAX_DROPOUT / MAX_MISORDER and the two-packet restart rule,
 *    extended to 32-bit "extended" sequence numbers (cycles << 16 | seq).
 *  - A.3 expected / lost / fraction lost (for RTCP reception reports).
 *  - A.8 interarrival jitter, in timestamp units.
 * Plus two counters RFC 3550 does not keep separately: duplicates (same extended seq seen within the
 * last DUP_WINDOW packets) and out-of-order (older than the highest seen, not a duplicate).
 * "received" here excludes duplicates, so "lost" is never made negative by duplication.
 */

const RTP_SEQ_MOD = 1 << 16;
/** RFC 3550 A.1 */
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
const DUP_WINDOW = 128;

/** What update() decided about a packet. */
export const SeqVerdict = {
  /** In order (possibly after a gap). */
  NEW: 0,
  /** Older than the highest seen, first time seen. */
  REORDERED: 1,
  DUPLICATE: 2,
  /** Large jump, waiting for a second sequential packet (A.1); drop it. */
  JUMP: 3,
  /** Source restarted its sequence (A.1 two sequential packets after a jump); state re-initialised. */
  RESTARTED: 4,
} as const;
export type SeqVerdictCode = (typeof SeqVerdict)[keyof typeof SeqVerdict];

export class ReceiveStats {
  ssrc = 0;
  /** Unique packets accepted (no duplicates, no rejected jumps). */
  received = 0;
  /** Payload bytes of those packets. */
  payloadBytes = 0;
  duplicates = 0;
  outOfOrder = 0;
  /** Packets dropped by the A.1 jump rule. */
  seqJumps = 0;
  restarts = 0;
  /** Interarrival jitter estimate, timestamp units (A.8). */
  jitter = 0;
  /** Extended sequence number of the last update()d packet (valid for NEW/REORDERED/RESTARTED). */
  lastExtSeq = 0;

  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private transit = 0;
  private haveTransit = false;
  private started = false;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private readonly seen = new Float64Array(DUP_WINDOW).fill(-1);

  /** Forget everything and follow a new SSRC. */
  reset(ssrc: number): void {
    this.ssrc = ssrc;
    this.received = 0;
    this.payloadBytes = 0;
    this.duplicates = 0;
    this.outOfOrder = 0;
    this.seqJumps = 0;
    this.restarts = 0;
    this.jitter = 0;
    this.started = false;
    this.haveTransit = false;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.seen.fill(-1);
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.expectedPrior = 0;
    this.receivedPrior = 0;
    this.seen.fill(-1);
    this.started = true;
  }

  /**
   * Account one packet. `arrivalRtp` is the arrival time in timestamp units (for jitter); pass NaN to
   * skip the jitter update (e.g. for telephone-event packets, whose timestamps do not advance).
   */
  update(seq: number, ts: number, arrivalRtp: number, payloadLen: number): SeqVerdictCode {
    let verdict: SeqVerdictCode = SeqVerdict.NEW;
    let ext: number;
    if (!this.started) {
      this.initSeq(seq);
      ext = seq;
    } else {
      const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
      if (udelta === 0) {
        this.duplicates++;
        return SeqVerdict.DUPLICATE;
      }
      if (udelta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped
        this.maxSeq = seq;
        ext = this.cycles + seq;
      } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        // A.1: a very large jump. Two sequential packets mean the source restarted.
        if (seq === this.badSeq) {
          this.initSeq(seq);
          this.restarts++;
          ext = seq;
          verdict = SeqVerdict.RESTARTED;
        } else {
          this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
          this.seqJumps++;
          return SeqVerdict.JUMP;
        }
      } else {
        // Duplicate or reordered packet, older than maxSeq.
        ext = (seq > this.maxSeq ? this.cycles - RTP_SEQ_MOD : this.cycles) + seq;
        if (this.seen[ext % DUP_WINDOW] === ext) {
          this.duplicates++;
          return SeqVerdict.DUPLICATE;
        }
        if (ext < this.baseSeq) this.baseSeq = ext;
        this.outOfOrder++;
        verdict = SeqVerdict.REORDERED;
      }
    }
    if (ext >= 0) this.seen[ext % DUP_WINDOW] = ext;
    this.lastExtSeq = ext;
    this.received++;
    this.payloadBytes += payloadLen;
    if (arrivalRtp === arrivalRtp) {
      // A.8: J += (|D| - J) / 16, D = difference of relative transit times.
      const transit = arrivalRtp - ts;
      if (this.haveTransit) {
        let d = transit - this.transit;
        // Timestamps are 32-bit: fold the difference into (-2^31, 2^31].
        if (d > 2147483648) d -= 4294967296;
        else if (d < -2147483648) d += 4294967296;
        if (d < 0) d = -d;
        this.jitter += (d - this.jitter) / 16;
      }
      this.transit = transit;
      this.haveTransit = true;
    }
    return verdict;
  }

  /** Highest extended sequence number received (A.3 extended_max). */
  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  /** A.3: expected = extended_max - base_seq + 1. */
  get expected(): number {
    return this.started ? this.extendedMax - this.baseSeq + 1 : 0;
  }

  /** A.3: cumulative number of packets lost (never negative here; duplicates are not received). */
  get lost(): number {
    return Math.max(0, this.expected - this.received);
  }

  /** A.3 fraction lost since the previous call, as the 8-bit fixed-point value of an RR block. */
  takeFractionLost(): number {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    if (expectedInterval === 0 || lostInterval <= 0) return 0;
    return Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
  }
}
