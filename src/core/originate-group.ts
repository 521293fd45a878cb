/**
 * One simultaneous-ring group of an originate (the legs between two '|' of a dial string):
 * launches every leg, relays ringing/early media to the A leg, enforces the timers and decides
 * the outcome. See originate.ts for the rules; FreeSWITCH switch_ivr_originate.c for the model.
 */
import type { TimerHandle } from '../util/clock';
import { CallAbort, type AbortLike } from './abort';
import type { CallerProfile } from './caller-profile';
import { isHangupCause, type HangupCause } from './causes';
import type { Channel } from './channel';
import type { Core } from './core';
import type { DialLeg, DialVars } from './dial-string';
import type { MediaLink } from './media-handle';
import type { OriginateResult } from './originate';
import type { ChannelDriver, OriginateOutcome, OriginateRequest } from './types';

export type GroupOutcome =
  | { ok: true; channel: Channel; earlyLink?: MediaLink }
  | { ok: false; cause: HangupCause; timedOut?: boolean; cancelled?: boolean; stopFailover?: boolean };

export interface LegGroupOptions {
  core: Core;
  originator?: Channel;
  legs: DialLeg[];
  /** Branch-level variables (base < <> < {}). */
  vars: DialVars;
  timeoutSec: number;
  progressSec: number;
  signal: AbortLike;
  depth: number;
  makeProfile(leg: DialLeg, legVars: DialVars): CallerProfile;
  nested(dialString: string, legVars: DialVars, remainingSec: number, signal: AbortLike): Promise<OriginateResult>;
}

interface Slot {
  leg: DialLeg;
  vars: DialVars;
  controller: CallAbort;
  channel?: Channel;
  createdChannel: boolean;
  done: boolean;
  cause?: HangupCause;
  timers: TimerHandle[];
  offs: (() => void)[];
}

/** What an endpoint gets for one leg; the AbortSignal behind `signal` is made only if it is read. */
class LegRequest implements OriginateRequest {
  readonly data: string;
  readonly target: string;
  readonly variables: DialVars;
  readonly cancel: CallAbort;
  constructor(
    private readonly slot: Slot,
    readonly profile: CallerProfile,
    readonly originator: Channel | undefined,
    readonly timeoutSec: number,
    readonly core: Core,
  ) {
    this.data = slot.leg.data;
    this.target = slot.leg.target;
    this.variables = { ...slot.vars };
    this.cancel = slot.controller;
  }
  get signal(): AbortSignal {
    return this.cancel.signal;
  }
  createChannel(opts: { name: string; driver: ChannelDriver }): Channel {
    return this.core.createOutboundChannel({
      name: opts.name,
      driver: opts.driver,
      profile: this.profile,
      variables: this.slot.vars,
      originator: this.originator,
    });
  }
}

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function truthy(v: string | undefined): boolean {
  if (!v) return false;
  const s = v.toLowerCase();
  return s === 'true' || s === 't' || s === 'yes' || s === 'on' || s === 'enabled' || s === 'active' || s === 'allow' || s === '1';
}

function cleanup(slot: Slot): void {
  for (const t of slot.timers) t.cancel();
  for (const off of slot.offs) off();
  slot.timers = [];
  slot.offs = [];
}

export class LegGroup {
  private readonly slots: Slot[];
  private readonly timers: TimerHandle[] = [];
  private finished = false;
  private resolve!: (o: GroupOutcome) => void;
  private startedAt = 0;
  private progressSeen = false;
  private forceReason: HangupCause | undefined;
  private earlyLink: MediaLink | undefined;
  private earlySlot: Slot | undefined;
  private lastCreateFailure: HangupCause | undefined;
  private readonly onAbort = (): void => void this.finish({ ok: false, cause: this.abortCause(), cancelled: true });
  private ringback: AbortController | undefined;

  constructor(private readonly o: LegGroupOptions) {
    this.slots = o.legs.map((leg) => ({
      leg,
      vars: { ...o.vars, ...leg.vars },
      controller: new CallAbort(),
      createdChannel: false,
      done: false,
      timers: [],
      offs: [],
    }));
  }

  run(): Promise<GroupOutcome> {
    return new Promise<GroupOutcome>((resolve) => {
      this.resolve = resolve;
      const { core, signal } = this.o;
      const clock = core.clock;
      this.startedAt = clock.now();
      if (signal.aborted) {
        void this.finish({ ok: false, cause: this.abortCause(), cancelled: true });
        return;
      }
      signal.addEventListener('abort', this.onAbort, { once: true });
      this.timers.push(clock.setTimeout(() => void this.finish({ ok: false, cause: 'NO_ANSWER', timedOut: true }), this.o.timeoutSec * 1000));
      if (this.o.progressSec < this.o.timeoutSec) {
        this.timers.push(
          clock.setTimeout(() => {
            if (this.progressSeen) return;
            this.forceReason ??= 'PROGRESS_TIMEOUT';
            void this.finish({ ok: false, cause: 'PROGRESS_TIMEOUT', timedOut: true });
          }, this.o.progressSec * 1000),
        );
      }
      for (const slot of this.slots) this.launch(slot);
    });
  }

  private abortCause(): HangupCause {
    const r: unknown = this.o.signal.reason;
    return typeof r === 'string' && isHangupCause(r) ? r : 'ORIGINATOR_CANCEL';
  }

  private remainingSec(): number {
    const elapsed = (this.o.core.clock.now() - this.startedAt) / 1000;
    return Math.max(1, Math.ceil(this.o.timeoutSec - elapsed));
  }

  private launch(slot: Slot): void {
    const delay = positiveInt(slot.vars.leg_delay_start);
    if (delay) {
      slot.timers.push(this.o.core.clock.setTimeout(() => this.create(slot), delay * 1000));
      return;
    }
    this.create(slot);
  }

  private create(slot: Slot): void {
    if (this.finished || slot.done) return;
    const { core, originator } = this.o;
    const endpoint = core.endpoints.get(slot.leg.endpoint);
    if (!endpoint) {
      core.log.warn({ endpoint: slot.leg.endpoint }, 'Cannot create outgoing channel: no such endpoint');
      this.slotFailed(slot, 'CHAN_NOT_IMPLEMENTED', true);
      return;
    }
    const profile = this.o.makeProfile(slot.leg, slot.vars);
    const req = new LegRequest(slot, profile, originator, this.remainingSec(), core);
    let p: Promise<OriginateOutcome>;
    try {
      p = endpoint.originate(req);
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (outcome) => this.onOutcome(slot, outcome),
      (err: unknown) => {
        core.log.error({ err, target: slot.leg.target }, 'endpoint originate failed');
        this.slotFailed(slot, 'DESTINATION_OUT_OF_ORDER', true);
      },
    );
  }

  private onOutcome(slot: Slot, outcome: OriginateOutcome): void {
    if ('cause' in outcome) {
      this.slotFailed(slot, outcome.cause, true);
      return;
    }
    if ('dialString' in outcome) {
      if (this.finished || slot.done) return;
      this.o.nested(outcome.dialString, slot.vars, this.remainingSec(), slot.controller).then(
        (r) => {
          if (!r.ok) return this.slotFailed(slot, r.cause, true);
          if (this.finished || slot.done) {
            r.earlyLink?.close();
            r.channel.hangup(this.loserCause());
            return;
          }
          slot.channel = r.channel;
          slot.createdChannel = true;
          if (r.earlyLink && !this.earlyLink) {
            this.earlyLink = r.earlyLink;
            this.earlySlot = slot;
          } else r.earlyLink?.close();
          this.watch(slot, r.channel);
        },
        () => this.slotFailed(slot, 'DESTINATION_OUT_OF_ORDER', true),
      );
      return;
    }
    const ch = outcome.channel;
    if (this.finished || slot.done) {
      ch.hangup(this.loserCause());
      return;
    }
    slot.channel = ch;
    slot.createdChannel = true;
    if (ch.up && ch.state === 'CS_INIT') ch.setState('CS_ROUTING');
    if (ch.up && ch.state === 'CS_ROUTING') ch.setState('CS_CONSUME_MEDIA');
    ch.markDialing();
    this.watch(slot, ch);
  }

  /** Follow a created leg: progress, early media, answer, hangup, per-leg timers. */
  private watch(slot: Slot, ch: Channel): void {
    if (!ch.up) return this.slotFailed(slot, ch.hangupCause ?? 'NORMAL_CLEARING', false);
    if (ch.answered) return void this.finish({ ok: true, channel: ch }, slot);
    slot.offs.push(ch.local.on('progress', () => this.onProgress()));
    slot.offs.push(ch.local.on('progressMedia', () => this.onProgressMedia(slot, ch)));
    slot.offs.push(ch.local.on('answer', () => void this.finish({ ok: true, channel: ch }, slot)));
    slot.offs.push(ch.local.on('hangup', (cause) => this.slotFailed(slot, cause, false)));
    const clock = this.o.core.clock;
    const legTimeout = positiveInt(slot.vars.leg_timeout);
    if (legTimeout) slot.timers.push(clock.setTimeout(() => ch.hangup('ALLOTTED_TIMEOUT'), legTimeout * 1000));
    const legProgress = positiveInt(slot.vars.leg_progress_timeout);
    if (legProgress) {
      slot.timers.push(
        clock.setTimeout(() => {
          if (ch.ringing || ch.earlyMedia || ch.answered) return;
          this.forceReason = 'PROGRESS_TIMEOUT';
          ch.hangup('PROGRESS_TIMEOUT');
        }, legProgress * 1000),
      );
    }
    if (ch.earlyMedia) this.onProgressMedia(slot, ch);
    else if (ch.ringing) this.onProgress();
  }

  private onProgress(): void {
    if (this.finished) return;
    this.progressSeen = true;
    const a = this.o.originator;
    if (!a || !a.up) return;
    if (this.startRingback(a)) return;
    if (a.answered || a.earlyMedia || a.ringing) return;
    if (truthy(this.o.vars.ignore_ring_ready)) return;
    a.ringReady().catch((err: unknown) => a.log.warn({ err }, 'ring_ready on originator failed'));
  }

  /**
   * `ringback` (A not answered) / `transfer_ringback` (A answered): instead of relaying 180, A is
   * pre-answered and hears the generated ringback until a leg answers or sends early media.
   */
  private startRingback(a: Channel): boolean {
    if (this.ringback || this.earlyLink) return !!this.ringback;
    const spec = a.answered ? a.getVariable('transfer_ringback') : a.getVariable('ringback');
    const player = this.o.core.ringbackPlayer;
    if (!spec || !player) return false;
    const ctl = new AbortController();
    this.ringback = ctl;
    void (async () => {
      try {
        if (!a.answered) await a.preAnswer();
        if (!ctl.signal.aborted) await player(a, spec, ctl.signal);
      } catch (err) {
        a.log.warn({ err }, 'ringback failed');
      }
    })();
    return true;
  }

  private stopRingback(): void {
    this.ringback?.abort('stop');
  }

  private onProgressMedia(slot: Slot, ch: Channel): void {
    if (this.finished) return;
    this.progressSeen = true;
    const a = this.o.originator;
    if (!a || !a.up) return;
    const mode = slot.vars.ignore_early_media;
    if (mode === 'ring_ready') {
      if (!a.answered && !a.earlyMedia) a.ringReady().catch((err: unknown) => a.log.warn({ err }, 'ring_ready on originator failed'));
      return;
    }
    if (truthy(mode) || mode === 'consume') return;
    void (async () => {
      try {
        if (!a.answered) await a.preAnswer();
      } catch (err) {
        a.log.warn({ err }, 'pre_answer on originator failed');
        return;
      }
      if (this.finished || this.earlyLink || !ch.up || !a.up) return;
      const am = a.media();
      const bm = ch.media();
      if (am && bm) {
        this.stopRingback();
        this.earlyLink = am.bridge(bm);
        this.earlySlot = slot;
      }
    })();
  }

  private slotFailed(slot: Slot, cause: HangupCause, atCreate: boolean): void {
    if (slot.done) return;
    slot.done = true;
    slot.cause = cause;
    if (atCreate) this.lastCreateFailure = cause;
    cleanup(slot);
    if (this.earlySlot === slot) {
      this.earlyLink?.close();
      this.earlyLink = undefined;
      this.earlySlot = undefined;
    }
    if (this.finished) return;
    const rule = slot.vars.fail_on_single_reject;
    if (rule) {
      if (truthy(rule)) return void this.finish({ ok: false, cause });
      const neg = rule.startsWith('!');
      let hit = rule.toUpperCase().includes(cause);
      if (neg) hit = !hit;
      if (hit) return void this.finish({ ok: false, cause, stopFailover: true });
    }
    if (this.slots.every((s) => s.done)) void this.finish({ ok: false, cause: this.pickCause() });
  }

  /** FreeSWITCH: the forced reason, else the first created leg's cause, else the creation failure. */
  private pickCause(): HangupCause {
    if (this.forceReason) return this.forceReason;
    for (const s of this.slots) if (s.createdChannel && s.cause) return s.cause;
    return this.lastCreateFailure ?? 'DESTINATION_OUT_OF_ORDER';
  }

  private outcome: GroupOutcome | undefined;

  private loserCause(): HangupCause {
    const o = this.outcome;
    if (!o) return 'LOSE_RACE';
    return o.ok ? 'LOSE_RACE' : o.cause;
  }

  private async finish(outcome: GroupOutcome, winner?: Slot): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!outcome.ok && outcome.timedOut && this.forceReason) outcome = { ...outcome, cause: this.forceReason };
    this.outcome = outcome;
    for (const t of this.timers) t.cancel();
    this.o.signal.removeEventListener('abort', this.onAbort);
    this.stopRingback();
    const loser = this.loserCause();
    for (const s of this.slots) {
      cleanup(s);
      if (s === winner) continue;
      s.done = true;
      s.controller.abort(loser);
      const ch = s.channel;
      if (ch?.up) {
        if (loser === 'LOSE_RACE') ch.setVariable('group_dial_status', 'loser');
        ch.hangup(loser);
      }
    }
    if (this.earlyLink && (!winner || this.earlySlot !== winner)) {
      this.earlyLink.close();
      this.earlyLink = undefined;
    }
    if (!outcome.ok) return this.resolve(outcome);
    const ch = outcome.channel;
    ch.setVariable('group_dial_status', this.slots.length > 1 ? 'winner' : undefined);
    const a = this.o.originator;
    if (a && !a.up) {
      this.earlyLink?.close();
      ch.hangup('ORIGINATOR_CANCEL');
      return this.resolve({ ok: false, cause: 'ORIGINATOR_CANCEL', cancelled: true });
    }
    if (a?.up && ch.answered && !a.answered) {
      try {
        await a.answer();
      } catch (err) {
        a.log.warn({ err }, 'answering the originator failed');
        this.earlyLink?.close();
        ch.hangup('INCOMPATIBLE_DESTINATION');
        return this.resolve({ ok: false, cause: 'INCOMPATIBLE_DESTINATION' });
      }
    }
    if (!ch.up) {
      this.earlyLink?.close();
      return this.resolve({ ok: false, cause: ch.hangupCause ?? 'NORMAL_CLEARING' });
    }
    this.resolve({ ok: true, channel: ch, earlyLink: this.earlyLink });
  }
}
