/**
 * "No RTP for N ms" detection (FreeSWITCH media_timeout / media_hold_timeout, behaviour doc §4.3).
 * It never touches the per-packet path: the session stores the arrival time of the last accepted
 * packet, and this watch wakes up when that packet would be `timeoutMs` old. It fires once per
 * silence; once media flows again it re-arms.
 */
import type { Clock, TimerHandle } from '../util/clock';

export class MediaTimeoutWatch {
  private timer: TimerHandle | undefined;
  private timeoutMs = 0;
  private firedFor = -1;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    /** Clock time of the last accepted packet (or of the start). */
    private readonly lastRxAt: () => number,
    private readonly onTimeout: (idleMs: number) => void,
  ) {}

  get configuredMs(): number {
    return this.timeoutMs;
  }

  /** (Re)start with a new timeout; 0 disables. */
  configure(timeoutMs: number): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timeoutMs = timeoutMs > 0 ? timeoutMs : 0;
    this.firedFor = -1;
    if (this.stopped || this.timeoutMs === 0) return;
    this.check();
  }

  private check = (): void => {
    this.timer = undefined;
    if (this.stopped || this.timeoutMs === 0) return;
    const now = this.clock.now();
    const last = this.lastRxAt();
    const idle = now - last;
    if (idle >= this.timeoutMs) {
      if (this.firedFor !== last) {
        this.firedFor = last;
        this.onTimeout(idle);
      }
      // Poll for resumption at the timeout period; a resumed stream re-arms below.
      this.timer = this.clock.setTimeout(this.check, this.timeoutMs);
      return;
    }
    this.timer = this.clock.setTimeout(this.check, this.timeoutMs - idle);
  };

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }
}
