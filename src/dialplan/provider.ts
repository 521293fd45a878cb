/**
 * The "XML" dialplan provider the core's session runner asks while a channel is in CS_ROUTING
 * (caller profile dialplan "XML"; freeswitch-behaviour.md §5). JSON files load into the same
 * model, so one provider serves both. `reload` swaps the model atomically (reloadxml): hunts
 * already running finish on the model they started with.
 */
import type { Channel, Core, DialplanProvider, HuntContext, HuntResult } from '../core';
import { logger } from '../util/logger';
import { huntDialplan, type HuntOptions } from './hunt';
import type { DialplanModel } from './model';
import { PatternCache } from './pcre';
import { channelHuntSubject } from './subject';
import { isKnownTimeZone, type TimeZoneSpec } from './time-match';

export interface XmlDialplanOptions {
  /** IANA zone for time conditions when the channel sets no tod_tz_offset/timezone (default: local). */
  defaultTimeZone?: string;
  /** Longer field values never match (default 1024 characters). */
  maxFieldLength?: number;
}

export class XmlDialplan implements DialplanProvider {
  readonly name = 'XML';
  private current: DialplanModel;
  private readonly patterns = new PatternCache();
  private readonly zone: TimeZoneSpec;
  private readonly log = logger.child({ mod: 'dialplan' });

  constructor(
    model: DialplanModel,
    private readonly opts: XmlDialplanOptions = {},
  ) {
    this.current = model;
    const tz = opts.defaultTimeZone;
    if (tz && !isKnownTimeZone(tz)) this.log.warn({ timezone: tz }, 'unknown default timezone; using local time');
    this.zone = tz && isKnownTimeZone(tz) ? { kind: 'iana', name: tz } : { kind: 'local' };
  }

  get model(): DialplanModel {
    return this.current;
  }

  /** Replace the model (reloadxml). */
  reload(model: DialplanModel): void {
    this.current = model;
  }

  async hunt(channel: Channel, ctx: HuntContext): Promise<HuntResult | undefined> {
    if (ctx.arg) ctx.log.warn({ arg: ctx.arg }, 'XML dialplan: an alternate dialplan path is not supported; using the loaded dialplan');
    const options: HuntOptions = {
      defaultTimeZone: this.zone,
      maxFieldLength: this.opts.maxFieldLength,
      patterns: this.patterns,
      log: ctx.log,
    };
    const plan = await huntDialplan(this.current, channelHuntSubject(channel, ctx), options);
    if (!plan) return undefined;
    return { extension: plan.extension, actions: plan.actions };
  }
}

/** Create the XML dialplan and register it in the core's dialplan registry. */
export function registerXmlDialplan(core: Core, model: DialplanModel, opts: XmlDialplanOptions = {}): XmlDialplan {
  const dp = new XmlDialplan(model, opts);
  core.dialplans.register(dp);
  return dp;
}
