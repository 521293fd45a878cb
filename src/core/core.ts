/**
 * The switch core (FreeSWITCH switch_core + session manager): owns the channels, the registries
 * (applications, APIs, endpoints, dialplans), the event bus, global variables and CDRs, and runs
 * calls: inbound channels are routed and executed, outbound legs are originated and bridged.
 *
 * The core knows no SIP and no SDP: endpoints, dialplan engines and apps plug in through
 * registries (architecture.md). Time comes from the injected Clock.
 */
import { hostname as osHostname } from 'node:os';
import { realClock, type Clock, type TimerHandle } from '../util/clock';
import { StrowgerError } from '../util/errors';
import { uuid as newUuid } from '../util/ids';
import { logger as rootLogger, type Logger } from '../util/logger';
import { CallAbort, type AbortLike } from './abort';
import { Bridge } from './bridge';
import type { CallerProfile } from './caller-profile';
import type { HangupCause } from './causes';
import { CdrWriter, type CdrWriterOptions } from './cdr';
import { Channel, type ChannelHost, type ChannelInit } from './channel';
import { registerCoreApis } from './core-apis';
import { errorEndpoint } from './error-endpoint';
import { EventBus, type CoreEventName } from './event-bus';
import { buildEventHeaders, type CoreIdentity } from './event-headers';
import { expandVariables } from './expand';
import type { MediaLink } from './media-handle';
import { legUuid, originate, type OriginateOptions, type OriginateResult } from './originate';
import { ApiRegistry, ApplicationRegistry, DialplanRegistry, EndpointRegistry } from './registries';
import { applyTransferFields, Session } from './session';
import { STROWGER_VERSION } from './version';
import type { AppContext, AppResult, CallDirection, ChannelDriver, DialplanAction } from './types';

export { STROWGER_VERSION } from './version';

export interface CoreOptions {
  clock?: Clock;
  logger?: Logger;
  /** Initial global variables ($${...} and the ${...} fallback). */
  globals?: Record<string, string>;
  hostname?: string;
  switchname?: string;
  ipv4?: string;
  ipv6?: string;
  /** CDR output; omit for none. */
  cdr?: CdrWriter | CdrWriterOptions;
  /** Default ring time when no call_timeout/originate_timeout applies (FreeSWITCH: 60 s). */
  defaultCallTimeoutSec?: number;
  /** How long a hung-up channel waits for its running app to unwind before reporting anyway. */
  finalizeGraceMs?: number;
  /** Transfers per session before hanging up EXCHANGE_ROUTING_ERROR (loop guard). */
  maxTransfers?: number;
  maxSessions?: number;
  /** HEARTBEAT interval; 0 disables (FreeSWITCH: 20 s). */
  heartbeatSec?: number;
  /** Register the built-in APIs (show channels, uuid_kill, originate...). Default true. */
  coreApis?: boolean;
}

export interface CoreStats {
  sessionsSinceStartup: number;
  peakSessions: number;
}

export interface CreateChannelOptions extends Omit<ChannelInit, 'uuid'> {
  uuid?: string;
}

/** An app's context; the AbortSignal behind `signal` is made only if the app reads it. */
class AppCtx implements AppContext {
  constructor(
    readonly core: Core,
    readonly cancel: CallAbort,
    readonly log: Logger,
  ) {}
  get signal(): AbortSignal {
    return this.cancel.signal;
  }
}

function appHeaders(app: string, data: string, uuid: string): [string, string][] {
  return [
    ['Application', app],
    ['Application-Data', data],
    ['Application-UUID', uuid],
  ];
}

export class Core {
  readonly clock: Clock;
  readonly log: Logger;
  readonly events = new EventBus();
  readonly apps = new ApplicationRegistry();
  readonly apis = new ApiRegistry();
  readonly endpoints = new EndpointRegistry();
  readonly dialplans = new DialplanRegistry();
  readonly globals = new Map<string, string>();
  readonly identity: CoreIdentity;
  readonly defaultCallTimeoutSec: number;
  readonly maxTransfers: number;
  readonly maxSessions: number;
  readonly startedAt: number;
  readonly stats: CoreStats = { sessionsSinceStartup: 0, peakSessions: 0 };
  readonly cdr: CdrWriter | undefined;
  /**
   * Plays `ringback` / `transfer_ringback` (a TGML tone like `%(2000,4000,440,480)`, a
   * `tone_stream://` URL or a file) to an A leg while its B legs ring, until `signal` aborts.
   * Installed by the apps module (registerDptools); without it B's 180 is relayed as 180.
   */
  ringbackPlayer: ((channel: Channel, spec: string, signal: AbortSignal) => Promise<void>) | undefined;

  private readonly channelMap = new Map<string, Channel>();
  private readonly sessions = new Map<string, Session>();
  private readonly bridges = new Map<string, Bridge>();
  private readonly host: ChannelHost;
  private heartbeat: TimerHandle | undefined;
  private closed = false;

  constructor(opts: CoreOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? rootLogger).child({ mod: 'core' });
    for (const [k, v] of Object.entries(opts.globals ?? {})) this.globals.set(k, v);
    const host = opts.hostname ?? osHostname();
    this.identity = {
      coreUuid: newUuid(),
      hostname: host,
      switchname: opts.switchname ?? host,
      ipv4: opts.ipv4 ?? '127.0.0.1',
      ipv6: opts.ipv6 ?? '::1',
    };
    this.defaultCallTimeoutSec = opts.defaultCallTimeoutSec ?? 60;
    this.maxTransfers = opts.maxTransfers ?? 100;
    this.maxSessions = opts.maxSessions ?? 1000;
    this.startedAt = this.clock.wallNow();
    this.cdr = opts.cdr instanceof CdrWriter ? opts.cdr : opts.cdr ? new CdrWriter({ log: this.log, ...opts.cdr }) : undefined;
    const finalizeGraceMs = opts.finalizeGraceMs ?? 5000;
    this.host = {
      clock: this.clock,
      logger: this.log,
      finalizeGraceMs,
      getGlobal: (name) => this.globals.get(name),
      wantsEvent: (name) => this.events.wants(name),
      fireChannelEvent: (ch, name, extra, body) => this.fireChannelEvent(ch, name, extra, body),
      onReporting: (ch) => {
        ch.deferTimestampVariables();
        this.cdr?.write(ch);
      },
      onDestroy: (ch) => {
        this.channelMap.delete(ch.uuid);
        this.sessions.delete(ch.uuid);
      },
    };
    this.endpoints.register(errorEndpoint);
    if (opts.coreApis !== false) registerCoreApis(this);
    const hb = opts.heartbeatSec ?? 0;
    if (hb > 0) this.scheduleHeartbeat(hb);
  }

  // ---------------------------------------------------------------- channels

  get sessionCount(): number {
    return this.channelMap.size;
  }

  /**
   * True at `maxSessions` live channels: endpoints refuse new inbound calls then (FreeSWITCH:
   * 503 Maximum Calls In Progress). createChannel itself does not refuse.
   */
  get sessionLimitReached(): boolean {
    return this.channelMap.size >= this.maxSessions;
  }

  getChannel(uuid: string): Channel | undefined {
    return this.channelMap.get(uuid);
  }

  channels(): Channel[] {
    return [...this.channelMap.values()];
  }

  /** Create a channel (CHANNEL_CREATE, then CS_INIT). Endpoints call this for inbound calls. */
  createChannel(opts: CreateChannelOptions): Channel {
    if (this.closed) throw new StrowgerError('CHANNEL_STATE', 'core is shut down');
    let id = opts.uuid ?? newUuid();
    if (this.channelMap.has(id)) id = newUuid();
    const ch = new Channel(this.host, opts, id);
    this.channelMap.set(id, ch);
    this.stats.sessionsSinceStartup++;
    if (this.channelMap.size > this.stats.peakSessions) this.stats.peakSessions = this.channelMap.size;
    this.fireChannelEvent(ch, 'CHANNEL_CREATE');
    ch.setState('CS_INIT');
    return ch;
  }

  /** Create an outbound leg for an originate (used through OriginateRequest.createChannel). */
  createOutboundChannel(opts: {
    name: string;
    driver: ChannelDriver;
    profile: CallerProfile;
    variables: Record<string, string>;
    originator?: Channel;
  }): Channel {
    const direction: CallDirection = 'outbound';
    const ch = this.createChannel({
      uuid: legUuid(this, opts.variables),
      name: opts.name,
      direction,
      profile: opts.profile,
      driver: opts.driver,
      variables: opts.variables,
    });
    const a = opts.originator;
    if (a) {
      ch.setVariable('originating_leg_uuid', a.uuid);
      ch.setVariable('call_uuid', a.getLocalVariable('call_uuid') ?? a.uuid);
      this.fireChannelEvent(ch, 'CHANNEL_OUTGOING');
    }
    return ch;
  }

  // ---------------------------------------------------------------- execution

  hasSession(ch: Channel): boolean {
    return this.sessions.has(ch.uuid);
  }

  /** True when the channel's runner has interrupts queued (an app should stop early). */
  isInterrupted(ch: Channel): boolean {
    return this.sessions.get(ch.uuid)?.interrupted ?? false;
  }

  /** Route an inbound channel through the dialplan and execute it. Resolves when the runner ends. */
  startInbound(ch: Channel): Promise<void> {
    return this.startSession(ch, { route: true });
  }

  /** Run a fixed action list on a channel (originate `&app(args)`). */
  runApplications(ch: Channel, actions: DialplanAction[]): Promise<void> {
    return this.startSession(ch, { route: false, actions });
  }

  private startSession(ch: Channel, mode: { route: boolean; actions?: DialplanAction[] }): Promise<void> {
    const existing = this.sessions.get(ch.uuid);
    if (existing) return existing.start();
    if (!ch.up) return Promise.resolve();
    const s = new Session(this, ch, mode);
    this.sessions.set(ch.uuid, s);
    return s.start();
  }

  /** Called by a Session when its run ends. */
  sessionEnded(s: Session): void {
    if (this.sessions.get(s.channel.uuid) === s) this.sessions.delete(s.channel.uuid);
  }

  /**
   * Execute one application on a channel: expand its data, fire CHANNEL_EXECUTE, run it, fire
   * CHANNEL_EXECUTE_COMPLETE. An unknown app hangs up DESTINATION_OUT_OF_ORDER (FreeSWITCH
   * "Invalid Application"); an app that throws is logged and the call hung up cleanly.
   * `inline`: routing-time execution, only for apps flagged routingSafe.
   */
  async executeApplication(
    ch: Channel,
    appName: string,
    data: string,
    opts: { signal?: AbortLike; inline?: boolean } = {},
  ): Promise<AppResult | undefined> {
    const def = this.apps.get(appName);
    if (!def) {
      ch.log.error({ app: appName }, 'Invalid Application');
      ch.hangup('DESTINATION_OUT_OF_ORDER');
      return undefined;
    }
    if (opts.inline && !def.flags?.routingSafe) {
      ch.log.error({ app: appName }, 'This application cannot be executed inline');
      return undefined;
    }
    if (!ch.up) return undefined;
    // Data without '$' (most app data) is used as is, without a turn through the microtask queue.
    const expanded = data.indexOf('$') < 0 ? data : await this.expand(data, ch);
    // The Application-UUID exists only for the events: drawn when the first one is built.
    let appUuid: string | undefined;
    ch.currentApp = { app: def.name, data: expanded };
    ch.setVariable('current_application', def.name);
    ch.setVariable('current_application_data', expanded);
    if (this.events.wants('CHANNEL_EXECUTE')) {
      appUuid = newUuid();
      this.fireChannelEvent(ch, 'CHANNEL_EXECUTE', appHeaders(def.name, expanded, appUuid));
    }
    // A cheap abort (abort.ts): the app's AbortSignal is made only if the app reads ctx.signal.
    const abort = new CallAbort();
    const outer = opts.signal;
    const stop = (): void => abort.abort('interrupted');
    if (outer?.aborted || !ch.up) abort.abort('interrupted');
    else outer?.addEventListener('abort', stop, { once: true });
    ch.local.add('hangup', stop);
    let response = '';
    try {
      const ctx = new AppCtx(this, abort, ch.log);
      // A synchronous handler (set, export, log...) is not awaited: no extra microtask turn.
      const ret = def.handler(ch, expanded, ctx);
      const r = ret !== null && typeof ret === 'object' && 'then' in ret ? await ret : ret;
      response = r?.response ?? '';
    } catch (err) {
      if (abort.aborted) {
        ch.log.debug({ app: def.name }, 'application interrupted');
      } else {
        const msg = err instanceof Error ? err.message : String(err);
        ch.log.error({ err, app: def.name }, 'application failed');
        response = `-ERR ${msg}`;
        if (ch.up) ch.hangup('NORMAL_TEMPORARY_FAILURE');
      }
    } finally {
      outer?.removeEventListener('abort', stop);
      ch.local.off('hangup', stop);
      ch.currentApp = undefined;
      ch.setVariable('current_application', undefined);
      ch.setVariable('current_application_data', undefined);
      ch.setVariable('last_app', def.name);
      ch.setVariable('last_arg', expanded);
      if (this.events.wants('CHANNEL_EXECUTE_COMPLETE')) {
        const h = appHeaders(def.name, expanded, (appUuid ??= newUuid()));
        h.push(['Application-Response', response || '_none_']);
        this.fireChannelEvent(ch, 'CHANNEL_EXECUTE_COMPLETE', h);
      }
    }
    return { response };
  }

  /**
   * Blind transfer inside the switch (transfer app, uuid_transfer): the channel re-enters routing
   * with the new destination. A channel without a running dialplan (a B leg) gets one.
   */
  transfer(ch: Channel, destination: string, dialplan?: string, context?: string): boolean {
    if (!ch.up) return false;
    const s = this.sessions.get(ch.uuid);
    if (s) {
      s.interrupt({ kind: 'transfer', destination, dialplan, context });
      return true;
    }
    applyTransferFields(this, ch, destination, dialplan, context);
    const p = this.startSession(ch, { route: true });
    this.bridges.get(ch.uuid)?.end();
    void p;
    return true;
  }

  // ---------------------------------------------------------------- originate / bridge

  originate(dialString: string, opts: OriginateOptions = {}): Promise<OriginateResult> {
    return originate(this, dialString, opts);
  }

  bridgeOf(ch: Channel): Bridge | undefined {
    return this.bridges.get(ch.uuid);
  }

  /** Join two channels; an existing bridge of either is broken first. */
  bridge(a: Channel, b: Channel, earlyLink?: MediaLink): Bridge {
    this.bridges.get(a.uuid)?.end();
    this.bridges.get(b.uuid)?.end();
    const br = new Bridge(this, a, b, earlyLink);
    this.bridges.set(a.uuid, br);
    this.bridges.set(b.uuid, br);
    br.start();
    return br;
  }

  /** Called by a Bridge when it ends. */
  forgetBridge(br: Bridge): void {
    for (const ch of [br.a, br.b]) if (this.bridges.get(ch.uuid) === br) this.bridges.delete(ch.uuid);
  }

  /**
   * uuid_bridge: pull two live channels out of whatever they do and bridge them. Channels with a
   * running dialplan wait in the bridge and continue their dialplan afterwards.
   */
  uuidBridge(a: Channel, b: Channel): Bridge | undefined {
    if (!a.up || !b.up || a === b) return undefined;
    let br: Bridge | undefined;
    const waitIn = async (signal: AbortLike): Promise<void> => {
      if (br) await br.wait(signal);
    };
    this.sessions.get(a.uuid)?.interrupt({ kind: 'run', label: 'uuid_bridge', fn: waitIn });
    this.sessions.get(b.uuid)?.interrupt({ kind: 'run', label: 'uuid_bridge', fn: waitIn });
    br = this.bridge(a, b);
    return br;
  }

  /** Hang up every channel; returns how many were up. */
  hangupAll(cause: HangupCause = 'NORMAL_CLEARING', filter?: (ch: Channel) => boolean): number {
    let n = 0;
    for (const ch of this.channels()) {
      if (!ch.up || (filter && !filter(ch))) continue;
      ch.hangup(cause);
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------- variables / APIs

  /** Expand `${...}` in `template` against a channel (or globals only). */
  expand(template: string, ch?: Channel): Promise<string> {
    // Nothing to expand (most app data): no lookup context to build (expandVariables returns it as is).
    if (template.indexOf('$') < 0) return Promise.resolve(template);
    return expandVariables(template, {
      getVariable: (n) => (ch ? ch.getVariable(n) : this.globals.get(n)),
      getGlobal: (n) => this.globals.get(n),
      callApi: (name, args) => (this.apis.has(name) ? this.executeApi(name, args, ch) : undefined),
    });
  }

  /** Run one API command; unknown -> `-ERR <cmd> Command not found!`. Never throws. */
  async executeApi(name: string, args: string, channel?: Channel): Promise<string> {
    const def = this.apis.get(name);
    if (!def) return `-ERR ${name} Command not found!\n`;
    try {
      return await def.handler(args, { core: this, channel, log: this.log });
    } catch (err) {
      this.log.warn({ err, api: name }, 'API command failed');
      return `-ERR ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }

  /** Run a command line, e.g. `show channels` or `uuid_kill <uuid>`. */
  api(line: string): Promise<string> {
    const t = line.trim();
    const sp = t.indexOf(' ');
    return sp < 0 ? this.executeApi(t, '') : this.executeApi(t.slice(0, sp), t.slice(sp + 1).trim());
  }

  // ---------------------------------------------------------------- events

  /** Fire a channel event (headers built only when someone listens). */
  fireChannelEvent(ch: Channel, name: CoreEventName, extra?: [string, string][], body?: string): void {
    if (!this.events.wants(name)) return;
    let other: { type: 'originator' | 'originatee'; channel: Channel } | undefined;
    const br = this.bridges.get(ch.uuid);
    if (br?.active) {
      const peer = br.peerOf(ch)!;
      other = { type: br.a === ch ? 'originatee' : 'originator', channel: peer };
    } else if (name === 'CHANNEL_OUTGOING') {
      const a = this.channelMap.get(ch.getLocalVariable('originating_leg_uuid') ?? '');
      if (a) other = { type: 'originator', channel: a };
    }
    const headers = buildEventHeaders(this.identity, {
      name,
      sequence: this.events.nextSequence(),
      now: this.clock.wallNow(),
      channel: ch,
      other,
      extra,
    });
    this.events.emit({ name, uuid: ch.uuid, headers, body });
  }

  /** Fire a non-channel (or CUSTOM) event: `fireEvent('CUSTOM', { subclass: 'sofia::register', headers })`. */
  fireEvent(name: CoreEventName, opts: { subclass?: string; headers?: [string, string][]; body?: string; channel?: Channel } = {}): void {
    if (!this.events.wants(name)) return;
    const headers = buildEventHeaders(this.identity, {
      name,
      subclass: opts.subclass,
      sequence: this.events.nextSequence(),
      now: this.clock.wallNow(),
      channel: opts.channel,
      extra: opts.headers,
    });
    this.events.emit({ name, subclass: opts.subclass, uuid: opts.channel?.uuid, headers, body: opts.body });
  }

  /** `0 years, 0 days, 1 hour, ...` as in `status` and HEARTBEAT Up-Time. */
  uptimeMs(): number {
    return this.clock.wallNow() - this.startedAt;
  }

  private scheduleHeartbeat(sec: number): void {
    this.heartbeat = this.clock.setTimeout(() => {
      if (this.closed) return;
      this.fireEvent('HEARTBEAT', {
        headers: [
          ['Event-Info', 'System Ready'],
          ['FreeSWITCH-Version', STROWGER_VERSION],
          ['Uptime-msec', String(this.uptimeMs())],
          ['Session-Count', String(this.sessionCount)],
          ['Max-Sessions', String(this.maxSessions)],
          ['Session-Since-Startup', String(this.stats.sessionsSinceStartup)],
          ['Session-Peak-Max', String(this.stats.peakSessions)],
        ],
      });
      this.scheduleHeartbeat(sec);
    }, sec * 1000);
  }

  /**
   * Shut down: hang up every channel SYSTEM_SHUTDOWN, wait (bounded by `waitMs`) for them to be
   * destroyed, close the CDR files. Idempotent.
   */
  async close(waitMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.heartbeat?.cancel();
    const pending = this.channels().map((c) => c.destroyed);
    this.hangupAll('SYSTEM_SHUTDOWN');
    if (pending.length) {
      let timer: TimerHandle | undefined;
      await Promise.race([Promise.all(pending), new Promise<void>((r) => (timer = this.clock.setTimeout(r, waitMs)))]);
      timer?.cancel();
    }
    this.cdr?.close();
  }
}
