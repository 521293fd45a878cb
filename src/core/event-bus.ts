/**
 * The core event bus: typed events carrying FreeSWITCH names (freeswitch-behaviour.md §10.2-10.3)
 * and their header map, ready for the event socket to serialise (plain/json/xml).
 *
 * Headers are built when the event fires (a snapshot of the channel at that moment) and only if
 * someone listens, so an idle bus costs nothing per call. Emit is safe: a throwing listener is
 * logged and never unwinds the caller (architecture.md habit 11).
 */
import { logger } from '../util/logger';

export const CORE_EVENT_NAMES = [
  'CHANNEL_CREATE',
  'CHANNEL_DESTROY',
  'CHANNEL_STATE',
  'CHANNEL_CALLSTATE',
  'CHANNEL_ANSWER',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_OUTGOING',
  'CHANNEL_PARK',
  'CHANNEL_UNPARK',
  'CHANNEL_ORIGINATE',
  'CHANNEL_DATA',
  'DTMF',
  'CUSTOM',
  'HEARTBEAT',
  'BACKGROUND_JOB',
  'API',
  'STARTUP',
  'SHUTDOWN',
  'RELOADXML',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'RECORD_START',
  'RECORD_STOP',
  'LOG',
] as const;

export type CoreEventName = (typeof CORE_EVENT_NAMES)[number];

const NAME_SET: ReadonlySet<string> = new Set(CORE_EVENT_NAMES);
export function isCoreEventName(s: string): s is CoreEventName {
  return NAME_SET.has(s);
}

export interface CoreEvent {
  name: CoreEventName;
  /** CUSTOM events only, e.g. 'sofia::register'. */
  subclass?: string;
  /** The channel's uuid for channel events. */
  uuid?: string;
  /** Ordered FreeSWITCH header map (Event-Name first, variable_* last). */
  headers: Map<string, string>;
  body?: string;
}

export type CoreEventListener = (event: CoreEvent) => void;

/** '*' receives everything. */
export type EventKey = CoreEventName | '*';

export class EventBus {
  private readonly listeners = new Map<EventKey, Set<CoreEventListener>>();
  private seq = 0;

  on(name: EventKey, fn: CoreEventListener): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(fn);
    return () => {
      set!.delete(fn);
    };
  }

  /** True when firing `name` would reach anyone (lets producers skip building headers). */
  wants(name: CoreEventName): boolean {
    return (this.listeners.get(name)?.size ?? 0) + (this.listeners.get('*')?.size ?? 0) > 0;
  }

  /** Next `Event-Sequence` value. */
  nextSequence(): number {
    return ++this.seq;
  }

  emit(event: CoreEvent): void {
    for (const key of [event.name, '*'] as const) {
      const set = this.listeners.get(key);
      if (!set || set.size === 0) continue;
      for (const fn of [...set]) {
        try {
          fn(event);
        } catch (err) {
          logger.error({ err, event: event.name }, 'core event listener threw');
        }
      }
    }
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
