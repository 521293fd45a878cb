/**
 * Packet loss concealment by pitch-period repetition, after the ideas of ITU-T G.711 Appendix I
 * (waveform substitution): on a loss, find the pitch period of the last good audio by normalised
 * autocorrelation (5-15 ms), repeat the last period, keep full level for 10 ms, then fade by 20% per
 * 10 ms to silence at 60 ms; when audio resumes, cross-fade from the synthetic signal over 4 ms.
 * It cannot look ahead (frames are already played), so unlike Appendix I there is no 3.75 ms
 * output delay and no overlap at the start of the loss. Used for G.711, L16 and G.722 frames.
 */

export class PitchPlc {
  private readonly hist: Int16Array; // last good (or concealed) output, newest at the end
  private readonly minP: number;
  private readonly maxP: number;
  private readonly win: number;
  private readonly fadeLen: number;
  private readonly tenMs: number;
  private lost = 0; // samples concealed in the current loss (0 = not in a loss)
  private period = 0;
  private phase = 0;
  private readonly cycle: Int16Array; // one pitch period copied at the start of a loss
  private primed = 0; // good samples seen, up to hist.length

  constructor(readonly rate: number) {
    this.minP = Math.round(rate * 0.005);
    this.maxP = Math.round(rate * 0.015);
    this.win = Math.round(rate * 0.01);
    this.fadeLen = Math.round(rate * 0.004);
    this.tenMs = Math.round(rate * 0.01);
    this.hist = new Int16Array(this.maxP + this.win);
    this.cycle = new Int16Array(this.maxP);
  }

  /** Feed a good decoded frame (in place: its start is cross-faded if it ends a loss). */
  good(frame: Int16Array, n: number): void {
    if (this.lost > 0) {
      const k = Math.min(this.fadeLen, n);
      const gain0 = this.gainAt(this.lost);
      for (let j = 0; j < k; j++) {
        const a = (j + 1) / (k + 1);
        const syn = this.cycle[(this.phase + j) % this.period]! * gain0;
        frame[j] = Math.round(frame[j]! * a + syn * (1 - a));
      }
      this.lost = 0;
    }
    this.push(frame, n);
    this.primed = Math.min(this.hist.length, this.primed + n);
  }

  /** Write n concealment samples into out. */
  conceal(out: Int16Array, n: number): number {
    if (this.primed < this.hist.length) {
      out.fill(0, 0, n);
      return n;
    }
    if (this.lost === 0) this.startLoss();
    const P = this.period;
    for (let j = 0; j < n; j++) {
      out[j] = Math.round(this.cycle[this.phase]! * this.gainAt(this.lost + j));
      if (++this.phase === P) this.phase = 0;
    }
    this.lost += n;
    this.push(out, n);
    return n;
  }

  /** 1 for the first 10 ms, then -20% per 10 ms, 0 from 60 ms on. */
  private gainAt(lostSamples: number): number {
    if (lostSamples <= this.tenMs) return 1;
    const g = 1 - (0.2 * (lostSamples - this.tenMs)) / this.tenMs;
    return g > 0 ? g : 0;
  }

  private startLoss(): void {
    const h = this.hist;
    const H = h.length;
    const W = this.win;
    let best = this.minP;
    let bestScore = -Infinity;
    // normalised cross-correlation of the newest W samples with the W samples P earlier
    for (let P = this.minP; P <= this.maxP; P++) {
      let xy = 0;
      let yy = 1;
      for (let i = H - W; i < H; i++) {
        const y = h[i - P]!;
        xy += h[i]! * y;
        yy += y * y;
      }
      const score = xy / Math.sqrt(yy);
      if (score > bestScore) {
        bestScore = score;
        best = P;
      }
    }
    this.period = best;
    this.cycle.set(h.subarray(H - best, H));
    this.phase = 0;
  }

  private push(frame: Int16Array, n: number): void {
    const h = this.hist;
    if (n >= h.length) {
      h.set(frame.subarray(n - h.length, n));
    } else {
      h.copyWithin(0, n);
      h.set(frame.subarray(0, n), h.length - n);
    }
  }
}
