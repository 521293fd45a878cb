/**
 * Bridge: joins two channels (FreeSWITCH switch_ivr_multi_threaded_bridge /
 * switch_ivr_uuid_bridge). While bridged both legs are in CS_EXCHANGE_MEDIA and their media
 * handles are joined by the media plane (skipped when a leg has no media handle, e.g. in tests).
 *
 * Ending:
 * - one leg hangs up -> the other leg is hung up with the same cause, unless it has its own
 *   running dialplan (an A leg inside the `bridge` app, a parked channel joined by uuid_bridge):
 *   that leg returns to CS_EXECUTE and its dialplan decides (hangup_after_bridge,
 *   park_after_bridge, continue with the next action).
 * - the bridge is broken (transfer, interrupt) -> legs without a dialplan are hung up
 *   NORMAL_CLEARING; legs with one continue.
 *
 * Events: CHANNEL_BRIDGE / CHANNEL_UNBRIDGE on the A leg with Bridge-A-Unique-ID and
 * Bridge-B-Unique-ID. Variables: bridge_to / signal_bond while bridged, last_bridge_to,
 * bridge_hangup_cause / last_bridge_hangup_cause (the cause of the leg that hung up), last_bridge_role.
 */
import type { AbortLike } from './abort';
import type { HangupCause } from './causes';
import type { Channel } from './channel';
import type { Core } from './core';
import type { MediaLink } from './media-handle';

export interface BridgeEnd {
  reason: 'hangup' | 'broken';
  /** The leg that hung up (reason 'hangup'). */
  hungUp?: Channel;
  cause?: HangupCause;
}

/** Bridge start, for leg `x` joined to `y`. */
function joinLeg(x: Channel, y: Channel, now: number): void {
  x.bridgedTo = y.uuid;
  x.times.bridged = now;
  x.setVariable('bridge_to', y.uuid);
  x.setVariable('signal_bond', y.uuid);
  // Snapshot of the peer's codecs for this leg's CDR ("codecs on both legs").
  const peerCodec = y.media()?.codec?.name;
  x.setVariable('other_leg_read_codec', y.getLocalVariable('read_codec') ?? peerCodec);
  x.setVariable('other_leg_write_codec', y.getLocalVariable('write_codec') ?? peerCodec);
  if (x.state !== 'CS_EXCHANGE_MEDIA') x.setState('CS_EXCHANGE_MEDIA');
}

/** Bridge end, for leg `x` that was joined to `y`. */
function leaveLeg(x: Channel, y: Channel, role: 'originator' | 'originatee'): void {
  if (x.bridgedTo === y.uuid) x.bridgedTo = undefined;
  x.setVariable('bridge_to', undefined);
  x.setVariable('signal_bond', undefined);
  x.setVariable('last_bridge_to', y.uuid);
  x.setVariable('last_bridge_role', role);
}

export class Bridge {
  readonly done: Promise<BridgeEnd>;
  private resolveDone!: (e: BridgeEnd) => void;
  private link: MediaLink | undefined;
  private readonly onHangupA = (cause: HangupCause): void => this.onHangup(this.a, cause);
  private readonly onHangupB = (cause: HangupCause): void => this.onHangup(this.b, cause);
  private ended = false;
  private started = false;
  /** Signals of wait() callers, released when the bridge ends. */
  private waitSignals: AbortLike[] | undefined;
  private readonly onWaitAbort = (): void => this.end();

  constructor(
    private readonly core: Core,
    readonly a: Channel,
    readonly b: Channel,
    earlyLink?: MediaLink,
  ) {
    this.link = earlyLink;
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  peerOf(ch: Channel): Channel | undefined {
    if (ch === this.a) return this.b;
    if (ch === this.b) return this.a;
    return undefined;
  }

  get active(): boolean {
    return this.started && !this.ended;
  }

  /** Called by core.bridge(). */
  start(): void {
    if (this.started || this.ended) return;
    const { a, b } = this;
    if (!a.up) return this.onHangup(a, a.hangupCause ?? 'NORMAL_CLEARING');
    if (!b.up) return this.onHangup(b, b.hangupCause ?? 'NORMAL_CLEARING');
    this.started = true;
    const now = this.core.clock.wallNow();
    joinLeg(a, b, now);
    joinLeg(b, a, now);
    if (!this.link) {
      const am = a.media();
      const bm = b.media();
      if (am && bm) {
        try {
          this.link = am.bridge(bm);
        } catch (err) {
          a.log.error({ err }, 'media bridge failed');
        }
      }
    }
    if (this.core.events.wants('CHANNEL_BRIDGE')) {
      this.core.fireChannelEvent(a, 'CHANNEL_BRIDGE', [
        ['Bridge-A-Unique-ID', a.uuid],
        ['Bridge-B-Unique-ID', b.uuid],
      ]);
    }
    a.local.add('hangup', this.onHangupA);
    b.local.add('hangup', this.onHangupB);
    if (a.log.isLevelEnabled('info')) a.log.info({ other: b.uuid }, 'bridged');
  }

  private onHangup(who: Channel, cause: HangupCause): void {
    if (this.ended) return;
    const other = this.peerOf(who)!;
    other.setVariable('bridge_hangup_cause', cause);
    other.setVariable('last_bridge_hangup_cause', cause);
    this.finish({ reason: 'hangup', hungUp: who, cause });
    if (other.up && !this.core.hasSession(other)) other.hangup(cause);
  }

  /** Break the bridge without hanging up (transfer, uuid_bridge elsewhere, interrupt). Idempotent. */
  end(): void {
    if (this.ended) return;
    // Broken because a leg is already gone (its hangup aborted the waiting app first): that is a
    // hangup, and the other leg must get the same cause.
    const { a, b } = this;
    if (!a.up) return this.onHangup(a, a.hangupCause ?? 'NORMAL_CLEARING');
    if (!b.up) return this.onHangup(b, b.hangupCause ?? 'NORMAL_CLEARING');
    this.finish({ reason: 'broken' });
    if (a.up && !this.core.hasSession(a)) a.hangup('NORMAL_CLEARING');
    if (b.up && !this.core.hasSession(b)) b.hangup('NORMAL_CLEARING');
  }

  /** Wait until the bridge ends; an abort of `signal` breaks it. */
  wait(signal: AbortLike): Promise<BridgeEnd> {
    if (signal.aborted) this.end();
    else if (!this.ended) {
      signal.addEventListener('abort', this.onWaitAbort, { once: true });
      (this.waitSignals ??= []).push(signal);
    }
    return this.done;
  }

  private finish(end: BridgeEnd): void {
    this.ended = true;
    this.a.local.off('hangup', this.onHangupA);
    this.b.local.off('hangup', this.onHangupB);
    this.link?.close();
    this.link = undefined;
    const { a, b } = this;
    leaveLeg(a, b, 'originator');
    leaveLeg(b, a, 'originatee');
    if (this.started && this.core.events.wants('CHANNEL_UNBRIDGE')) {
      this.core.fireChannelEvent(a, 'CHANNEL_UNBRIDGE', [
        ['Bridge-A-Unique-ID', a.uuid],
        ['Bridge-B-Unique-ID', b.uuid],
      ]);
    }
    if (a.up && a.state === 'CS_EXCHANGE_MEDIA' && this.core.hasSession(a)) a.setState('CS_EXECUTE');
    if (b.up && b.state === 'CS_EXCHANGE_MEDIA' && this.core.hasSession(b)) b.setState('CS_EXECUTE');
    const waits = this.waitSignals;
    this.waitSignals = undefined;
    if (waits) for (const w of waits) w.removeEventListener('abort', this.onWaitAbort);
    this.core.forgetBridge(this);
    this.resolveDone(end);
  }
}
