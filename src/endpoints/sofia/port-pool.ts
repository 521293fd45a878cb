/**
 * RTP port pairs kept bound between calls. Binding and closing four UDP sockets per call (two
 * legs, RTP + RTCP) is a large share of a signalling-only call's cost; a released pair is instead
 * stripped of its listeners, left bound for a quarantine (late packets of the old call land on a
 * socket nobody reads), then handed to the next call. The pool is bounded: beyond `maxPooled`
 * released pairs are closed as before. The quarantine is best effort: when every pair of the range
 * is in a call or cooling, the pair released longest ago is handed out rather than refusing the
 * call. Subclassing PortAllocator keeps RtpSession.create() as is.
 *
 * Security note (RTP bleed, security.md §3.5): a reused pair starts a fresh RtpSession with its own
 * latching, so a late packet after the quarantine is judged like any stranger's.
 */
import { PortAllocator, type PortAllocatorOptions, type PortPair } from '../../media';
import { realClock, type Clock } from '../../util/clock';
import { StrowgerError } from '../../util/errors';

export interface PooledPortAllocatorOptions extends PortAllocatorOptions {
  /**
   * Released pairs kept bound at most. Default: the range's pairs, at most 4096 (8192 sockets).
   * The pool must hold what one quarantine releases (2 pairs a call, so 2 x quarantine x calls/s:
   * 2,000 at 1,000 calls/s with the default quarantine) or the excess is closed and the next calls bind anew.
   */
  maxPooled?: number;
  /**
   * A released pair is not reused before this long (default 1000 ms: stray packets of a call come
   * within a jitter buffer's depth of its end; 2 s made the pool churn at the 4096 bound from
   * 1,000 calls/s).
   */
  quarantineMs?: number;
  clock?: Clock;
}

const ignoreError = (): void => {};

export class PooledPortAllocator extends PortAllocator {
  private readonly ready: PortPair[] = [];
  private readonly cooling: Array<{ pair: PortPair; until: number }> = [];
  private readonly maxPooled: number;
  private readonly quarantineMs: number;
  private readonly clock: Clock;
  private closed = false;
  /** Pairs handed out from the pool instead of freshly bound. */
  reused = 0;
  /** Of those, pairs handed out before their quarantine ended because the range was full. */
  reusedEarly = 0;

  constructor(o: PooledPortAllocatorOptions) {
    super(o);
    this.maxPooled = o.maxPooled ?? Math.min(this.capacity, 4096);
    this.quarantineMs = o.quarantineMs ?? 1000;
    this.clock = o.clock ?? realClock;
  }

  get pooled(): number {
    return this.ready.length + this.cooling.length;
  }

  override async allocate(ip: string = this.ip): Promise<PortPair> {
    if (ip === this.ip) {
      const now = this.clock.now();
      while (this.cooling.length > 0 && this.cooling[0]!.until <= now) this.ready.push(this.cooling.shift()!.pair);
      const pair = this.ready.pop();
      if (pair) {
        this.reused++;
        return this.wrap(pair);
      }
      // Every pair of the range is in a call or in quarantine: the quarantine is best effort, a
      // call is never refused for it. The pair released longest ago goes first.
      if (this.cooling.length > 0 && this.inUse >= this.capacity) return this.takeCooling();
    }
    try {
      return this.wrap(await super.allocate(ip));
    } catch (err) {
      // Exhausted because other programs hold ports of the range: same fallback.
      if (ip === this.ip && this.cooling.length > 0 && err instanceof StrowgerError && err.code === 'MEDIA_PORTS_EXHAUSTED') return this.takeCooling();
      throw err;
    }
  }

  private takeCooling(): PortPair {
    this.reused++;
    this.reusedEarly++;
    return this.wrap(this.cooling.shift()!.pair);
  }

  private wrap(raw: PortPair): PortPair {
    let released = false;
    return {
      ip: raw.ip,
      rtpPort: raw.rtpPort,
      rtcpPort: raw.rtcpPort,
      rtpSocket: raw.rtpSocket,
      rtcpSocket: raw.rtcpSocket,
      release: () => {
        if (released) return;
        released = true;
        if (this.closed || raw.ip !== this.ip || this.pooled >= this.maxPooled) {
          raw.release();
          return;
        }
        for (const s of [raw.rtpSocket, raw.rtcpSocket]) {
          s.removeAllListeners('message');
          s.removeAllListeners('error');
          s.on('error', ignoreError);
        }
        this.cooling.push({ pair: raw, until: this.clock.now() + this.quarantineMs });
      },
    };
  }

  /** Close every pooled pair (idempotent); pairs in use close when their sessions release them. */
  close(): void {
    this.closed = true;
    for (const p of this.ready.splice(0)) p.release();
    for (const c of this.cooling.splice(0)) c.pair.release();
  }
}
