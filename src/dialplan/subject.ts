/**
 * What the hunt needs from the call being routed. The engine (hunt.ts) sees only this interface,
 * so it is tested without a core; channelHuntSubject adapts a core Channel to it.
 */
import type { Channel, HuntContext } from '../core';

export interface HuntSubject {
  /** Caller-profile field by FreeSWITCH name (destination_number, caller_id_number, ...); '' if unknown. */
  field(name: string): string;
  getVariable(name: string): string | undefined;
  /** Used for DP_MATCH / DP_REGEX_MATCH_n, which FreeSWITCH sets while hunting. */
  setVariable(name: string, value: string | undefined): void;
  /** `${var}` / `${api(args)}` expansion against the channel (fields with '$', expressions). */
  expand(template: string): Promise<string>;
  /** Run an `inline="true"` action now (the executor refuses apps that are not routing-safe). */
  executeInline(app: string, data: string): Promise<void>;
  /** Wall-clock milliseconds since the epoch, for time conditions. */
  now(): number;
  /** False once the call is gone (an inline action may hang up): the hunt then yields nothing. */
  alive?(): boolean;
}

/** Timestamp fields FreeSWITCH's switch_caller_get_field_by_name knows, in microseconds. */
const TIME_FIELDS: Record<string, keyof Channel['times']> = {
  created_time: 'created',
  profile_created_time: 'profileCreated',
  progress_time: 'progress',
  progress_media_time: 'progressMedia',
  answered_time: 'answered',
  hangup_time: 'hungup',
  transfer_time: 'transfer',
  bridged_time: 'bridged',
};

/** A caller-profile field of `ch` by its FreeSWITCH name; '' when there is no such field. */
export function profileField(ch: Channel, name: string): string {
  const p = ch.profile as unknown as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(p, name)) {
    const v = p[name];
    return v === undefined || v === null ? '' : String(v);
  }
  const t = TIME_FIELDS[name];
  if (t) return String(ch.times[t] * 1000);
  return '';
}

/** Adapts a core channel (and the core behind the hunt context) to HuntSubject. */
/** The hunt's view of a channel (one small object per hunt, methods on the prototype). */
class ChannelHuntSubject implements HuntSubject {
  constructor(
    private readonly ch: Channel,
    private readonly ctx: HuntContext,
  ) {}
  field(name: string): string {
    return profileField(this.ch, name);
  }
  getVariable(name: string): string | undefined {
    return this.ch.getVariable(name);
  }
  setVariable(name: string, value: string | undefined): void {
    this.ch.setVariable(name, value);
  }
  expand(template: string): Promise<string> {
    return this.ctx.core.expand(template, this.ch);
  }
  async executeInline(app: string, data: string): Promise<void> {
    await this.ctx.core.executeApplication(this.ch, app, data, { inline: true });
  }
  now(): number {
    return this.ctx.core.clock.wallNow();
  }
  alive(): boolean {
    return this.ch.up;
  }
}

export function channelHuntSubject(ch: Channel, ctx: HuntContext): HuntSubject {
  return new ChannelHuntSubject(ch, ctx);
}
