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

export function setTimestampVariables(ch: Channel): void {
  const t = ch.times;
  const stamp = (prefix: string, ms: number): void => {
    if (!ms) return;
    ch.setVariable(`${prefix}_stamp`, formatLocalStamp(ms));
    ch.setVariable(`${prefix}_epoch`, String(sec(ms)));
    ch.setVariable(`${prefix}_uepoch`, String(Math.round(ms * 1000)));
  };
  stamp('start', t.created);
  stamp('profile_start', t.profileCreated);
  stamp('answer', t.answered);
  stamp('bridge', t.bridged);
  stamp('progress', t.progress);
  stamp('progress_media', t.progressMedia);
  stamp('end', t.hungup);
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
