/**
 * A call leg (FreeSWITCH switch_channel_t + the parts of switch_core_session_t we need).
 *
 * Calls go down: answer()/preAnswer()/ringReady()/hangup() ask the driver (endpoint) to signal.
 * Callbacks come up: the endpoint reports markRinging()/markPreAnswered()/markAnswered(),
 * hangup(cause) for a remote hangup, and receiveDtmf().
 *
 * Life cycle (channel-state.ts): CS_NEW -> CS_INIT -> ... -> CS_HANGUP -> CS_REPORTING ->
 * CS_DESTROY. hangup() is idempotent; REPORTING/DESTROY run once every activity registered with
 * holdActivity() (the executing dialplan) has settled, or after finalizeGraceMs.
 */
import { StrowgerError } from '../util/errors';
import { TypedEmitter } from '../util/events';
import { lazyChild, type Logger } from '../util/logger';
import type { Clock, TimerHandle } from '../util/clock';
import { newCallerProfile, isCallerProfileField, type CallerProfile } from './caller-profile';
import { causeToNumber, type HangupCause } from './causes';
import { canTransition, isHungUpState, type AnswerState, type CallState, type ChannelState } from './channel-state';
import type { CoreEventName } from './event-bus';
import type { MediaHandle } from './media-handle';
import { TimestampVariables } from './timestamps';
import type { CallDirection, ChannelDriver } from './types';

/** Wall-clock milliseconds; 0 = not happened. */
export interface ChannelTimes {
  created: number;
  profileCreated: number;
  progress: number;
  progressMedia: number;
  answered: number;
  hungup: number;
  transfer: number;
  bridged: number;
}

/** Local events used by the core's own machinery (originate, bridge); the bus carries FS events. */
export interface ChannelLocalEvents {
  state: [ChannelState, ChannelState];
  callstate: [CallState, CallState];
  progress: [];
  progressMedia: [];
  answer: [];
  hangup: [HangupCause];
  destroy: [];
  dtmf: [string, number];
  [key: string]: unknown[];
}

/** What the Core provides to its channels. */
export interface ChannelHost {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Max wait for activities to settle after hangup before REPORTING anyway. */
  readonly finalizeGraceMs: number;
  getGlobal(name: string): string | undefined;
  /** True when firing `name` would reach a listener (so callers skip building its extra headers). */
  wantsEvent(name: CoreEventName): boolean;
  fireChannelEvent(channel: Channel, name: CoreEventName, extra?: [string, string][], body?: string): void;
  /** CS_REPORTING: timestamps are set; write the CDR. */
  onReporting(channel: Channel): void;
  /** CS_DESTROY reached: forget the channel. */
  onDestroy(channel: Channel): void;
}

/**
 * Variables a channel owes (Channel.deferVariables): a fixed, ordered set of names and a pure
 * function giving each one's value (undefined: this set does not set that name).
 */
export interface DeferredVariables {
  readonly names: Iterable<string> & { has(name: string): boolean };
  value(name: string): string | undefined;
}

/**
 * One setVariable made while variables are owed: queued behind them (Channel.setVariable), so
 * that paying keeps the order eager writes would have made. '' = unset.
 */
class OwedWrite implements DeferredVariables {
  constructor(
    private readonly name: string,
    private readonly v: string,
  ) {}
  get names(): Iterable<string> & { has(name: string): boolean } {
    return this;
  }
  has(name: string): boolean {
    return name === this.name;
  }
  *[Symbol.iterator](): Iterator<string> {
    yield this.name;
  }
  value(name: string): string | undefined {
    return name === this.name ? this.v : undefined;
  }
}

/** Writes queued behind owed variables before they are paid anyway (bounds the queue). */
const MAX_OWED = 64;

export interface ChannelInit {
  uuid: string;
  name: string;
  direction: CallDirection;
  profile?: Partial<CallerProfile>;
  driver?: ChannelDriver;
  variables?: Record<string, string>;
}

/** A driver for channels that have no endpoint behind them (tests, API-originated shells). */
export const NULL_DRIVER: ChannelDriver = {
  answer: async () => {},
  preAnswer: async () => {},
  ringReady: async () => {},
  hangup: () => {},
  media: () => undefined,
};

function callStateAnswer(cs: CallState, answered: boolean, early: boolean, hung: boolean): AnswerState {
  if (hung || cs === 'HANGUP') return 'hangup';
  if (answered) return 'answered';
  if (early) return 'early';
  return 'ringing';
}

export class Channel {
  readonly uuid: string;
  readonly direction: CallDirection;
  name: string;
  readonly profile: CallerProfile;
  /** The profile as the channel was created (show channels initial_* columns). */
  readonly initialProfile: Readonly<CallerProfile>;
  driver: ChannelDriver;
  readonly times: ChannelTimes;
  readonly local = new TypedEmitter<ChannelLocalEvents>();
  readonly log: Logger;
  hangupCause: HangupCause | undefined;
  /** uuid of the channel this one is bridged to (set by the bridge). */
  bridgedTo: string | undefined;
  /** Name of the app currently executing, for `show channels` (application column). */
  currentApp: { app: string; data: string } | undefined;

  private _state: ChannelState = 'CS_NEW';
  private _callState: CallState = 'DOWN';
  private readonly vars = new Map<string, string>();
  /** Variables owed (deferVariables), oldest first; undefined when none. */
  private owed: DeferredVariables[] | undefined;
  /** Made on the first `signal` read (most channels never need one). */
  private hangupController: AbortController | undefined;
  /** Activities (holdActivity) not yet settled. */
  private activities = 0;
  /** Made on the first `destroyed` read (the core itself only waits for it at shutdown). */
  private destroyedPromise: Promise<void> | undefined;
  private resolveDestroyed: (() => void) | undefined;
  private finalizing = false;
  private graceTimer: TimerHandle | undefined;

  /** `uuid`, when given, is used instead of init.uuid (saves the caller a copy of `init`). */
  constructor(
    private readonly host: ChannelHost,
    init: Omit<ChannelInit, 'uuid'> & { uuid?: string },
    uuid?: string,
  ) {
    this.uuid = uuid ?? init.uuid ?? '';
    this.direction = init.direction;
    this.name = init.name;
    this.driver = init.driver ?? NULL_DRIVER;
    const now = host.clock.wallNow();
    this.times = { created: now, profileCreated: now, progress: 0, progressMedia: 0, answered: 0, hungup: 0, transfer: 0, bridged: 0 };
    this.profile = newCallerProfile(init.profile, this.uuid, init.name);
    this.initialProfile = { ...this.profile };
    // Typed as pino's Logger: it implements the part of it the code base uses (levels, child).
    this.log = lazyChild(host.logger, { uuid: this.uuid });
    const vars = init.variables;
    if (vars) for (const k in vars) this.vars.set(k, vars[k]!);
  }

  // ---------------------------------------------------------------- state

  get state(): ChannelState {
    return this._state;
  }
  get callState(): CallState {
    return this._callState;
  }
  get answered(): boolean {
    return this.times.answered > 0;
  }
  get earlyMedia(): boolean {
    return this.times.progressMedia > 0;
  }
  get ringing(): boolean {
    return this.times.progress > 0;
  }
  get answerState(): AnswerState {
    return callStateAnswer(this._callState, this.answered, this.earlyMedia, isHungUpState(this._state));
  }
  /** Resolves when the channel reached CS_DESTROY. */
  get destroyed(): Promise<void> {
    if (!this.destroyedPromise) {
      this.destroyedPromise =
        this._state === 'CS_DESTROY' ? Promise.resolve() : new Promise<void>((r) => (this.resolveDestroyed = r));
    }
    return this.destroyedPromise;
  }

  /** Up = not yet hung up. */
  get up(): boolean {
    return !isHungUpState(this._state);
  }
  /** Aborted when the channel hangs up (reason: the cause). */
  get signal(): AbortSignal {
    if (!this.hangupController) {
      this.hangupController = new AbortController();
      if (!this.up) this.hangupController.abort(this.hangupCause);
    }
    return this.hangupController.signal;
  }

  /** Move through the state machine; an illegal transition is a programming error (typed throw). */
  setState(to: ChannelState): void {
    const from = this._state;
    if (!canTransition(from, to)) {
      throw new StrowgerError('CHANNEL_STATE', `illegal channel state transition ${from} -> ${to}`, { uuid: this.uuid });
    }
    this._state = to;
    if (this.log.isLevelEnabled('debug')) this.log.debug({ from, to }, 'channel state');
    this.host.fireChannelEvent(this, 'CHANNEL_STATE');
    this.local.emit('state', from, to);
  }

  setCallState(to: CallState): void {
    const from = this._callState;
    if (from === to) return;
    this._callState = to;
    if (this.host.wantsEvent('CHANNEL_CALLSTATE')) {
      this.host.fireChannelEvent(this, 'CHANNEL_CALLSTATE', [['Original-Channel-Call-State', from]]);
    }
    this.local.emit('callstate', from, to);
  }

  // ---------------------------------------------------------------- variables

  /** Channel variable, else caller-profile field, else global variable (FreeSWITCH lookup order). */
  getVariable(name: string): string | undefined {
    let v: string | undefined;
    if (this.owed) {
      const d = this.owedValue(name);
      // '' is an owed unset: the variable is gone, the fallbacks still apply.
      v = d === undefined ? this.vars.get(name) : d || undefined;
    } else v = this.vars.get(name);
    if (v !== undefined) return v;
    if (isCallerProfileField(name)) return this.profile[name];
    if (name === 'uuid') return this.uuid;
    return this.host.getGlobal(name);
  }

  /** Only the channel's own variables. */
  getLocalVariable(name: string): string | undefined {
    if (this.owed) {
      const d = this.owedValue(name);
      if (d !== undefined) return d || undefined;
    }
    return this.vars.get(name);
  }

  /**
   * Set the variables `d` describes, later: the same as calling setVariable(name, d.value(name))
   * now for each of d.names in order (skipping undefined values), for values that are derived
   * from a snapshot and usually never read. Reads of single variables are answered through
   * d.value; the variables are written into the map only when the whole map is read or any
   * variable is written, so order and content stay what eager writes would have made.
   */
  deferVariables(d: DeferredVariables): void {
    if (this.owed) this.owed.push(d);
    else this.owed = [d];
  }

  /** CS_REPORTING: the timestamp variables (timestamps.ts), owed rather than written. */
  deferTimestampVariables(): void {
    this.deferVariables(new TimestampVariables(this.times));
  }

  /** The newest owed value of `name` ('' = owed unset), or undefined when no owed set gives it one. */
  private owedValue(name: string): string | undefined {
    const owed = this.owed!;
    for (let i = owed.length - 1; i >= 0; i--) {
      const d = owed[i]!;
      if (!d.names.has(name)) continue;
      const v = d.value(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Write the owed variables into the map, oldest set first. */
  private payOwed(): void {
    const owed = this.owed!;
    this.owed = undefined;
    for (const d of owed) {
      for (const name of d.names) {
        const v = d.value(name);
        if (v === undefined) continue;
        if (v === '') this.vars.delete(name);
        else this.vars.set(name, v);
      }
    }
  }

  /**
   * Set (or with undefined/'' unset) a channel variable. While variables are owed the write is
   * queued behind them (a hangup's bridge and leg bookkeeping would otherwise pay every owed
   * timestamp and RTP counter at once), up to MAX_OWED entries.
   */
  setVariable(name: string, value: string | undefined | null): void {
    const owed = this.owed;
    if (owed) {
      if (owed.length < MAX_OWED) {
        owed.push(new OwedWrite(name, value ?? ''));
        return;
      }
      this.payOwed();
    }
    if (value === undefined || value === null || value === '') this.vars.delete(name);
    else this.vars.set(name, value);
  }

  variables(): IterableIterator<[string, string]> {
    if (this.owed) this.payOwed();
    return this.vars.entries();
  }

  /**
   * `export` semantics (freeswitch-behaviour.md §6.1): set locally (unless `nolocal:`), and add the
   * name to `export_vars` so originate copies it to B legs.
   */
  exportVariable(rawName: string, value: string | undefined): void {
    if (this.owed) this.payOwed();
    let name = rawName;
    let local = true;
    if (name.toLowerCase().startsWith('nolocal:')) {
      name = name.slice(8);
      local = false;
    } else if (name.toLowerCase().startsWith('_nolocal_')) {
      name = name.slice(9);
      local = false;
    }
    if (!name) return;
    if (local) this.setVariable(name, value);
    else this.setVariable(`nolocal:${name}`, value);
    const list = (this.vars.get('export_vars') ?? '').split(',').filter((s) => s !== '');
    if (!list.includes(name)) list.push(name);
    this.vars.set('export_vars', list.join(','));
  }

  /** Variables to copy to a leg originated from this channel (export_vars, incl. nolocal:). */
  exportedVariables(): Record<string, string> {
    if (this.owed) this.payOwed();
    const out: Record<string, string> = {};
    const list = this.vars.get('export_vars');
    if (!list) return out;
    for (const name of list.split(',')) {
      const n = name.trim();
      if (!n) continue;
      const v = this.vars.get(n) ?? this.vars.get(`nolocal:${n}`);
      if (v !== undefined) out[n] = v;
    }
    return out;
  }

  // ---------------------------------------------------------------- calls going down

  private requireUp(op: string): void {
    if (!this.up) throw new StrowgerError('CHANNEL_STATE', `${op} on a hung-up channel`, { uuid: this.uuid, state: this._state });
  }

  /** Answer (200 OK). Idempotent; throws CHANNEL_STATE on a hung-up channel. */
  async answer(): Promise<void> {
    this.requireUp('answer');
    if (this.answered) return;
    await this.driver.answer();
    this.markAnswered();
  }

  /** Early media (183). No-op once answered or already early. */
  async preAnswer(): Promise<void> {
    this.requireUp('pre_answer');
    if (this.answered || this.earlyMedia) return;
    await this.driver.preAnswer();
    this.markPreAnswered();
  }

  /** Ringing (180). No-op once answered or early. */
  async ringReady(): Promise<void> {
    this.requireUp('ring_ready');
    if (this.answered || this.earlyMedia || this.ringing) return;
    await this.driver.ringReady();
    this.markRinging();
  }

  async respond(status: number, reason?: string, headers?: Record<string, string>): Promise<void> {
    this.requireUp('respond');
    if (!this.driver.respond) throw new StrowgerError('CHANNEL_STATE', 'endpoint cannot respond', { uuid: this.uuid });
    await this.driver.respond(status, reason, headers);
  }

  async redirect(contacts: string[]): Promise<void> {
    this.requireUp('redirect');
    if (this.answered) throw new StrowgerError('CHANNEL_STATE', 'Too late for redirecting', { uuid: this.uuid });
    if (!this.driver.redirect) throw new StrowgerError('CHANNEL_STATE', 'endpoint cannot redirect', { uuid: this.uuid });
    await this.driver.redirect(contacts);
  }

  sendDtmf(digits: string, durationMs = 100): boolean {
    if (!this.up || !this.driver.sendDtmf) return false;
    this.driver.sendDtmf(digits, durationMs);
    return true;
  }

  media(): MediaHandle | undefined {
    return this.up ? this.driver.media() : undefined;
  }

  /**
   * Hang up with `cause` (default NORMAL_CLEARING). Idempotent: the first cause wins. Used both by
   * the core/apps and by the endpoint reporting a remote hangup.
   */
  hangup(cause: HangupCause = 'NORMAL_CLEARING'): void {
    if (!this.up) return;
    this.hangupCause = cause;
    this.times.hungup = this.host.clock.wallNow();
    this.setVariable('hangup_cause', cause);
    const q850 = causeToNumber(cause);
    if (q850 <= 127) this.setVariable('hangup_cause_q850', String(q850));
    if (this.log.isLevelEnabled('info')) this.log.info({ cause, name: this.name }, 'hangup');
    // FreeSWITCH switch_channel_perform_hangup: callstate HANGUP, CHANNEL_HANGUP, then the state.
    const from = this._state;
    this._state = 'CS_HANGUP';
    this.setCallState('HANGUP');
    if (this.host.wantsEvent('CHANNEL_HANGUP')) this.host.fireChannelEvent(this, 'CHANNEL_HANGUP', [['Hangup-Cause', cause]]);
    this.host.fireChannelEvent(this, 'CHANNEL_STATE');
    this.local.emit('state', from, 'CS_HANGUP');
    this.hangupController?.abort(cause);
    try {
      this.driver.hangup(cause);
    } catch (err) {
      this.log.error({ err }, 'driver hangup threw');
    }
    this.local.emit('hangup', cause);
    this.scheduleFinalize();
  }

  // ---------------------------------------------------------------- callbacks coming up

  markDialing(): void {
    if (this.up && this._callState === 'DOWN') this.setCallState('DIALING');
  }

  markRinging(): void {
    if (!this.up || this.answered || this.ringing) return;
    this.times.progress = this.host.clock.wallNow();
    if (!this.earlyMedia) this.setCallState('RINGING');
    this.host.fireChannelEvent(this, 'CHANNEL_PROGRESS');
    this.local.emit('progress');
  }

  markPreAnswered(): void {
    if (!this.up || this.answered || this.earlyMedia) return;
    this.times.progressMedia = this.host.clock.wallNow();
    this.setCallState('EARLY');
    this.host.fireChannelEvent(this, 'CHANNEL_PROGRESS_MEDIA');
    this.local.emit('progressMedia');
  }

  markAnswered(): void {
    if (!this.up || this.answered) return;
    this.times.answered = this.host.clock.wallNow();
    this.setCallState('ACTIVE');
    this.host.fireChannelEvent(this, 'CHANNEL_ANSWER');
    this.local.emit('answer');
  }

  receiveDtmf(digit: string, durationMs: number, source = 'ENDPOINT'): void {
    if (!this.up) return;
    this.host.fireChannelEvent(this, 'DTMF', [
      ['DTMF-Digit', digit],
      ['DTMF-Duration', String(Math.round(durationMs * 8))],
      ['DTMF-Source', source],
    ]);
    this.local.emit('dtmf', digit, durationMs);
  }

  // ---------------------------------------------------------------- end of life

  /** Keep the channel from reaching CS_REPORTING until `p` settles (the running dialplan). */
  holdActivity(p: Promise<unknown>): void {
    this.activities++;
    const done = (): void => {
      this.activities--;
      if (this.finalizing && this.activities === 0) this.finalize();
    };
    p.then(done, done);
  }

  private scheduleFinalize(): void {
    this.finalizing = true;
    if (this.activities === 0) {
      queueMicrotask(() => this.finalize());
      return;
    }
    this.graceTimer = this.host.clock.setTimeout(() => {
      this.log.warn({ pending: this.activities }, 'activity did not settle after hangup; reporting anyway');
      this.finalize();
    }, this.host.finalizeGraceMs);
  }

  private finalize(): void {
    if (this._state !== 'CS_HANGUP') return;
    this.graceTimer?.cancel();
    this.setState('CS_REPORTING');
    try {
      this.host.onReporting(this);
    } catch (err) {
      this.log.error({ err }, 'reporting failed');
    }
    if (this.host.wantsEvent('CHANNEL_HANGUP_COMPLETE')) {
      this.host.fireChannelEvent(this, 'CHANNEL_HANGUP_COMPLETE', [['Hangup-Cause', this.hangupCause ?? 'NONE']]);
    }
    this.setState('CS_DESTROY');
    this.host.fireChannelEvent(this, 'CHANNEL_DESTROY');
    this.local.emit('destroy');
    this.host.onDestroy(this);
    this.local.removeAllListeners();
    this.resolveDestroyed?.();
  }
}
