/**
 * A steady ticker on an injected Clock: one tick per period, scheduled against the start time
 * (start + n × period) so timer lateness does not accumulate. After a stall longer than
 * `maxCatchUp` periods it does not fire the missed ticks back to back (that would be a burst on the
 * wire); it reports them as `missed` on the next tick and re-anchors.
 */
import type { Clock, TimerHandle } from '../util/clock';
import { logger } from '../util/logger';

export type PacerTick = (now: number, missed: number) => void;

export class Pacer {
  private timer: TimerHandle | undefined;
  private anchor = 0;
  private n = 0;
  private running = false;
  ticks = 0;
  missedTotal = 0;
  tickErrors = 0;

  constructor(
    private readonly clock: Clock,
    readonly periodMs: number,
    private readonly onTick: PacerTick,
    private readonly maxCatchUp = 2,
  ) {
    if (!(periodMs > 0)) throw new RangeError('pacer period must be > 0');
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.anchor = this.clock.now();
    this.n = 0;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    const due = this.anchor + (this.n + 1) * this.periodMs;
    this.timer = this.clock.setTimeout(this.fire, Math.max(0, due - this.clock.now()));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    if (!this.running) return;
    const now = this.clock.now();
    this.n++;
    let missed = 0;
    const late = now - (this.anchor + this.n * this.periodMs);
    if (late >= this.maxCatchUp * this.periodMs) {
      missed = Math.floor(late / this.periodMs);
      this.anchor = now;
      this.n = 0;
      this.missedTotal += missed;
    }
    this.ticks++;
    try {
      this.onTick(now, missed);
    } catch (err) {
      // Timer callbacks must never throw into the event loop; the next tick still comes.
      this.tickErrors++;
      logger.error({ err }, 'media pacer tick threw');
    }
    if (this.running) this.arm();
  };
}
