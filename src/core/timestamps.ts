/**
 * CDR timestamp variables set when a channel reaches CS_REPORTING (FreeSWITCH
 * switch_channel_set_timestamps): *_stamp (local time text), *_epoch (s), *_uepoch (µs) and the
 * durations. Seconds are differences of whole epoch seconds, as FreeSWITCH computes them.
 *
 * They are derived from channel.times alone, so the core does not write them at REPORTING: the
 * channel owes them (Channel.deferVariables with TimestampVariables), answers a read of one of
 * them from its times and writes them all, in setTimestampVariables' order, only when its whole
 * variable set is read or a variable is written. Most channels are destroyed right after
 * REPORTING, with the CDR as the only reader.
 */
import type { Channel, ChannelTimes, DeferredVariables } from './channel';
import { formatLocalStamp } from './event-headers';

function sec(ms: number): number {
  return Math.floor(ms / 1000);
}

export interface CallDurations {
  duration: number;
  billsec: number;
  progresssec: number;
  answersec: number;
  waitsec: number;
  progressMediasec: number;
  mduration: number;
  billmsec: number;
}

export function computeDurations(ch: { times: ChannelTimes }): CallDurations {
  const t = ch.times;
  const end = t.hungup || t.created;
  const ans = t.answered;
  const prog = t.progress;
  const pm = t.progressMedia;
  return {
    duration: sec(end) - sec(t.created),
    billsec: ans ? sec(end) - sec(ans) : 0,
    progresssec: prog ? sec(prog) - sec(t.created) : 0,
    answersec: ans ? sec(ans) - sec(t.created) : 0,
    waitsec: ans ? sec(ans) - sec(t.created) : 0,
    progressMediasec: pm ? sec(pm) - sec(t.created) : 0,
    mduration: end - t.created,
    billmsec: ans ? end - ans : 0,
  };
}

type TimeField = 'created' | 'profileCreated' | 'answered' | 'bridged' | 'progress' | 'progressMedia' | 'hungup';

/** Variable prefix -> the time it stamps, in setTimestampVariables' order. */
const STAMPS: readonly [string, TimeField][] = [
  ['start', 'created'],
  ['profile_start', 'profileCreated'],
  ['answer', 'answered'],
  ['bridge', 'bridged'],
  ['progress', 'progress'],
  ['progress_media', 'progressMedia'],
  ['end', 'hungup'],
];

/** `<prefix>_stamp`, `_epoch`, `_uepoch` (variable names built once, not per call). */
const STAMP_NAMES: readonly [string, string, string, TimeField][] = STAMPS.map(([p, f]) => [`${p}_stamp`, `${p}_epoch`, `${p}_uepoch`, f]);

const DURATION_NAMES: readonly [string, keyof CallDurations][] = [
  ['duration', 'duration'],
  ['billsec', 'billsec'],
  ['progresssec', 'progresssec'],
  ['answersec', 'answersec'],
  ['waitsec', 'waitsec'],
  ['progress_mediasec', 'progressMediasec'],
  ['mduration', 'mduration'],
  ['billmsec', 'billmsec'],
];

/** How one derived variable is computed: a stamp form of a time, or a duration. */
type Derivation = { field: TimeField; form: 0 | 1 | 2 } | { duration: keyof CallDurations };

const DERIVED = new Map<string, Derivation>();
for (const [stampName, epochName, uepochName, field] of STAMP_NAMES) {
  DERIVED.set(stampName, { field, form: 0 });
  DERIVED.set(epochName, { field, form: 1 });
  DERIVED.set(uepochName, { field, form: 2 });
}
for (const [name, key] of DURATION_NAMES) DERIVED.set(name, { duration: key });

function stampText(ms: number, form: 0 | 1 | 2): string {
  return form === 0 ? formatLocalStamp(ms) : form === 1 ? String(sec(ms)) : String(Math.round(ms * 1000));
}

/** Every name setTimestampVariables may set, in its order. */
const TIMESTAMP_NAMES: ReadonlySet<string> = new Set(DERIVED.keys());

/** setTimestampVariables as owed variables (Channel.deferVariables). */
export class TimestampVariables implements DeferredVariables {
  readonly names = TIMESTAMP_NAMES;
  constructor(private readonly times: ChannelTimes) {}
  value(name: string): string | undefined {
    return timestampVariable(this.times, name);
  }
}

/** True for the names setTimestampVariables may set. */
export function isTimestampVariable(name: string): boolean {
  return DERIVED.has(name);
}

/**
 * The value setTimestampVariables would give `name` from these times; undefined when it would not
 * set it (not one of its names, or the stamp of something that did not happen).
 */
export function timestampVariable(times: ChannelTimes, name: string): string | undefined {
  const d = DERIVED.get(name);
  if (!d) return undefined;
  if ('duration' in d) return String(computeDurations({ times })[d.duration]);
  const ms = times[d.field];
  return ms ? stampText(ms, d.form) : undefined;
}

export function setTimestampVariables(ch: Channel): void {
  const t = ch.times;
  for (const [stampName, epochName, uepochName, field] of STAMP_NAMES) {
    const ms = t[field];
    if (!ms) continue;
    ch.setVariable(stampName, formatLocalStamp(ms));
    ch.setVariable(epochName, String(sec(ms)));
    ch.setVariable(uepochName, String(Math.round(ms * 1000)));
  }
  const d = computeDurations(ch);
  for (const [name, key] of DURATION_NAMES) ch.setVariable(name, String(d[key]));
}
