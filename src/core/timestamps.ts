/**
 * CDR timestamp variables set when a channel reaches CS_REPORTING (FreeSWITCH
 * switch_channel_set_timestamps): *_stamp (local time text), *_epoch (s), *_uepoch (µs) and the
 * durations. Seconds are differences of whole epoch seconds, as FreeSWITCH computes them.
 */
import type { Channel } from './channel';
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

export function computeDurations(ch: Channel): CallDurations {
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

/** `<prefix>_stamp`, `_epoch`, `_uepoch` (variable names built once, not per call). */
const STAMP_NAMES: Record<string, [string, string, string]> = {};
for (const p of ['start', 'profile_start', 'answer', 'bridge', 'progress', 'progress_media', 'end']) {
  STAMP_NAMES[p] = [`${p}_stamp`, `${p}_epoch`, `${p}_uepoch`];
}

function stamp(ch: Channel, prefix: string, ms: number): void {
  if (!ms) return;
  const names = STAMP_NAMES[prefix]!;
  ch.setVariable(names[0], formatLocalStamp(ms));
  ch.setVariable(names[1], String(sec(ms)));
  ch.setVariable(names[2], String(Math.round(ms * 1000)));
}

export function setTimestampVariables(ch: Channel): void {
  const t = ch.times;
  stamp(ch, 'start', t.created);
  stamp(ch, 'profile_start', t.profileCreated);
  stamp(ch, 'answer', t.answered);
  stamp(ch, 'bridge', t.bridged);
  stamp(ch, 'progress', t.progress);
  stamp(ch, 'progress_media', t.progressMedia);
  stamp(ch, 'end', t.hungup);
  const d = computeDurations(ch);
  ch.setVariable('duration', String(d.duration));
  ch.setVariable('billsec', String(d.billsec));
  ch.setVariable('progresssec', String(d.progresssec));
  ch.setVariable('answersec', String(d.answersec));
  ch.setVariable('waitsec', String(d.waitsec));
  ch.setVariable('progress_mediasec', String(d.progressMediasec));
  ch.setVariable('mduration', String(d.mduration));
  ch.setVariable('billmsec', String(d.billmsec));
}
