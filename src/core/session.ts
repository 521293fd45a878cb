/**
 * The per-channel dialplan runner (FreeSWITCH's session thread in CS_ROUTING / CS_EXECUTE,
 * freeswitch-behaviour.md §5.3):
 *
 *   ROUTING: ask the channel's dialplans (caller profile `dialplan`, e.g. "XML" or "XML,enum")
 *            for its context/destination -> action list; none -> hangup NO_ROUTE_DESTINATION
 *   EXECUTE: run the actions one by one (CHANNEL_EXECUTE / _COMPLETE around each)
 *   transfer -> back to ROUTING with the new destination/context/dialplan
 *   end of list while still up -> hangup NORMAL_CLEARING
 *
 * Interrupts (transfer, uuid_bridge) abort the running app through its AbortSignal and are
 * handled between actions. Hangup aborts the running app too; the runner then ends.
 */
import { CallAbort, type AbortLike } from './abort';
import type { Channel } from './channel';
import type { Core } from './core';
import type { DialplanAction } from './types';

export type Interrupt =
  | { kind: 'transfer'; destination: string; dialplan?: string; context?: string }
  | { kind: 'run'; label: string; fn: (signal: AbortLike) => Promise<void> };

export interface SessionMode {
  /** true: start with a dialplan hunt; false: run `actions` directly (originate &app()). */
  route: boolean;
  actions?: DialplanAction[];
}

export class Session {
  private actions: DialplanAction[] = [];
  private index = 0;
  private readonly pending: Interrupt[] = [];
  private current: CallAbort | undefined;
  private transfers = 0;
  private runPromise: Promise<void> | undefined;

  constructor(
    private readonly core: Core,
    readonly channel: Channel,
    private readonly mode: SessionMode,
  ) {}

  /** Start (once) and return the run's promise. */
  start(): Promise<void> {
    if (!this.runPromise) {
      this.runPromise = this.run();
      this.channel.holdActivity(this.runPromise);
    }
    return this.runPromise;
  }

  /** Queue an interrupt and abort whatever the session is doing now. */
  interrupt(i: Interrupt): void {
    if (i.kind === 'transfer') {
      // A transfer supersedes anything queued before it.
      this.pending.length = 0;
    }
    this.pending.push(i);
    this.current?.abort(i.kind);
  }

  get interrupted(): boolean {
    return this.pending.length > 0;
  }

  /** A fresh abort for the next app (or interrupt body); the channel's hangup aborts it too. */
  private nextController(): CallAbort {
    const c = new CallAbort();
    this.current = c;
    return c;
  }

  private async run(): Promise<void> {
    const ch = this.channel;
    try {
      let needRoute = this.mode.route;
      if (!needRoute) {
        this.actions = this.mode.actions ?? [];
        if (ch.up && ch.state !== 'CS_EXECUTE') ch.setState('CS_EXECUTE');
      }
      while (ch.up) {
        if (needRoute) {
          const actions = await this.route();
          if (!actions) return;
          this.actions = actions;
          this.index = 0;
          needRoute = false;
          if (!ch.up) break;
          ch.setState('CS_EXECUTE');
        }
        // Interrupts are rare: no async call (promise and frame) when none is queued.
        needRoute = this.pending.length > 0 && (await this.drainInterrupts());
        if (needRoute) continue;
        if (this.index >= this.actions.length) break;
        const action = this.actions[this.index++]!;
        const c = this.nextController();
        await this.core.executeApplication(ch, action.app, action.data, { signal: c });
        this.current = undefined;
        needRoute = this.pending.length > 0 && (await this.drainInterrupts());
      }
      if (ch.up && !needRoute) {
        ch.log.debug('dialplan finished without hangup');
        ch.hangup('NORMAL_CLEARING');
      }
    } catch (err) {
      ch.log.error({ err }, 'session runner failed');
      ch.hangup('NORMAL_TEMPORARY_FAILURE');
    } finally {
      this.core.sessionEnded(this);
    }
  }

  /** Handle queued interrupts; true when a transfer asks for a new hunt. */
  private async drainInterrupts(): Promise<boolean> {
    while (this.pending.length && this.channel.up) {
      const i = this.pending.shift()!;
      if (i.kind === 'transfer') {
        this.applyTransfer(i);
        return this.channel.up;
      }
      const c = this.nextController();
      const off = this.channel.local.on('hangup', () => c.abort('hangup'));
      try {
        await i.fn(c);
      } catch (err) {
        this.channel.log.error({ err, interrupt: i.label }, 'interrupt failed');
      } finally {
        off();
        this.current = undefined;
      }
      if (this.channel.up && this.channel.state === 'CS_EXCHANGE_MEDIA' && !this.channel.bridgedTo) {
        this.channel.setState('CS_EXECUTE');
      }
    }
    return false;
  }

  private applyTransfer(t: Extract<Interrupt, { kind: 'transfer' }>): void {
    const ch = this.channel;
    if (++this.transfers > this.core.maxTransfers) {
      ch.log.warn({ transfers: this.transfers }, 'too many transfers');
      ch.hangup('EXCHANGE_ROUTING_ERROR');
      return;
    }
    applyTransferFields(this.core, ch, t.destination, t.dialplan, t.context);
  }

  private async route(): Promise<import('./types').DialplanAction[] | undefined> {
    const ch = this.channel;
    if (ch.state !== 'CS_ROUTING' || this.transfers > 0) ch.setState('CS_ROUTING');
    const list = (ch.profile.dialplan || 'XML').split(',');
    for (const entry of list) {
      const item = entry.trim();
      if (!item) continue;
      const colon = item.indexOf(':');
      const name = colon < 0 ? item : item.slice(0, colon);
      const arg = colon < 0 ? undefined : item.slice(colon + 1);
      const provider = this.core.dialplans.get(name);
      if (!provider) {
        ch.log.warn({ dialplan: name }, 'no such dialplan');
        continue;
      }
      try {
        const r = await provider.hunt(ch, { core: this.core, arg, log: ch.log });
        if (!ch.up) return undefined;
        if (r) {
          if (ch.log.isLevelEnabled('info')) {
            ch.log.info(
              { dialplan: name, context: ch.profile.context, destination: ch.profile.destination_number, extension: r.extension },
              'routing hit',
            );
          }
          if (r.extension) ch.setVariable('current_extension', r.extension);
          return r.actions;
        }
      } catch (err) {
        ch.log.error({ err, dialplan: name }, 'dialplan hunt failed');
      }
    }
    ch.log.info({ context: ch.profile.context, destination: ch.profile.destination_number }, 'No Route, Aborting');
    ch.hangup('NO_ROUTE_DESTINATION');
    return undefined;
  }
}

/** Re-target the caller profile for a transfer (FreeSWITCH switch_ivr_session_transfer). */
export function applyTransferFields(core: Core, ch: Channel, destination: string, dialplan?: string, context?: string): void {
  const p = ch.profile;
  const dp = dialplan || p.dialplan || 'XML';
  const ctx = context || p.context || 'default';
  const now = core.clock.wallNow();
  p.transfer_source = `${Math.floor(now / 1000)}:${ch.uuid}:bl_xfer:${destination}/${ctx}/${dp}`;
  p.destination_number = destination;
  p.dialplan = dp;
  p.context = ctx;
  p.profile_index = String(Number.parseInt(p.profile_index || '1', 10) + 1);
  ch.times.transfer = now;
  ch.setVariable('transfer_source', p.transfer_source);
  const hist = ch.getLocalVariable('transfer_history');
  ch.setVariable('transfer_history', hist ? `${hist}|:${p.transfer_source}` : p.transfer_source);
  ch.log.info({ destination, dialplan: dp, context: ctx }, 'transfer');
}
