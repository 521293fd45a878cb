/**
 * Time-of-day / date conditions (freeswitch-behaviour.md §5.2; FreeSWITCH
 * switch_xml_std_datetime_check, switch_number_cmp, switch_dow_cmp, switch_tod_cmp,
 * switch_fulldate_cmp). Attributes are parsed once at load time into a TimeSpec; matching takes
 * the wall-clock instant (injected, so tests use a fixed time) and a zone.
 *
 *   year mon mday yday week mweek wday hour minute minute-of-day   "1,3,5-7"; "18-8" wraps around
 *   wday also takes names: "mon-fri", "sat,sun" (1 = Sunday ... 7 = Saturday)
 *   time-of-day  "08:00-17:00[:SS]", comma lists, inclusive, "22:00-06:00" wraps around midnight
 *   date-time    "YYYY-MM-DD HH:MM[:SS]~YYYY-MM-DD HH:MM[:SS]", comma lists, [start, end)
 *   tz-offset    matches when the zone's current UTC offset (whole hours) equals it
 *   dst          "true": the zone is in daylight saving time now; "false": it is not
 *
 * Zone: `tod_tz_offset` (hours) channel variable, else `timezone` (IANA name), else the engine's
 * default (the process's local time unless configured). All given attributes must match.
 *
 * Decisions: date-time bounds are read in the same zone as the other attributes (FreeSWITCH
 * reads them in the server's local time); dst="false" matches outside DST (FreeSWITCH's code can
 * never match dst="false").
 */

/** One list item: a single value (lo === hi) or an inclusive range, wrapping when lo > hi. */
export interface NumberRange {
  lo: number;
  hi: number;
}

export interface TodRange {
  /** Seconds since midnight, inclusive. */
  start: number;
  end: number;
}

export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface DateTimeRange {
  start: WallTime;
  end: WallTime;
}

export interface TimeSpec {
  year?: NumberRange[];
  yday?: NumberRange[];
  mon?: NumberRange[];
  mday?: NumberRange[];
  week?: NumberRange[];
  mweek?: NumberRange[];
  wday?: NumberRange[];
  hour?: NumberRange[];
  minute?: NumberRange[];
  minuteOfDay?: NumberRange[];
  timeOfDay?: TodRange[];
  dateTime?: DateTimeRange[];
  tzOffset?: number;
  dst?: boolean;
}

export type TimeZoneSpec = { kind: 'local' } | { kind: 'offset'; hours: number } | { kind: 'iana'; name: string };

/** Attribute names that make a condition (or a `<regex>` child) a time condition. */
export const TIME_ATTRIBUTES: readonly string[] = [
  'year', 'yday', 'mon', 'mday', 'week', 'mweek', 'wday', 'hour', 'minute', 'minute-of-day',
  'time-of-day', 'date-time', 'tz-offset', 'dst',
];

const DOW = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseInteger(s: string): number | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  let i = t[0] === '-' || t[0] === '+' ? 1 : 0;
  if (i === t.length) return undefined;
  for (; i < t.length; i++) if (t[i]! < '0' || t[i]! > '9') return undefined;
  return Number.parseInt(t, 10);
}

function parseDow(s: string): number | undefined {
  const n = parseInteger(s);
  if (n !== undefined) return n;
  const t = s.trim().toLowerCase();
  if (t.length < 3) return undefined;
  const idx = DOW.indexOf(t.slice(0, 3));
  return idx < 0 ? undefined : idx + 1;
}

/** "1,3,5-7" (or with day names for wday). Throws Error with a readable message. */
export function parseNumberList(text: string, what: string, dayNames = false): NumberRange[] {
  const out: NumberRange[] = [];
  const one = dayNames ? parseDow : parseInteger;
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') throw new Error(`${what}="${text}": empty list item`);
    // A '-' after the first character separates a range (a leading '-' would be a sign).
    const dash = item.indexOf('-', 1);
    const lo = one(dash < 0 ? item : item.slice(0, dash));
    const hi = dash < 0 ? lo : one(item.slice(dash + 1));
    if (lo === undefined || hi === undefined) throw new Error(`${what}="${text}": "${item}" is not a number${dayNames ? ', day name' : ''} or range`);
    out.push({ lo, hi });
  }
  return out;
}

export function matchNumberList(list: readonly NumberRange[], v: number): boolean {
  for (const r of list) {
    if (r.lo <= r.hi ? v >= r.lo && v <= r.hi : v >= r.lo || v <= r.hi) return true;
  }
  return false;
}

function parseClock(s: string, what: string): number {
  const parts = s.trim().split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`${what}: "${s.trim()}" is not HH:MM[:SS]`);
  const [h, m, sec] = parts.map((p) => parseInteger(p));
  if (h === undefined || m === undefined || (parts.length === 3 && sec === undefined)) throw new Error(`${what}: "${s.trim()}" is not HH:MM[:SS]`);
  return h * 3600 + m * 60 + (sec ?? 0);
}

/** "08:00-17:00,18:30:15-19:00". */
export function parseTimeOfDay(text: string): TodRange[] {
  const out: TodRange[] = [];
  for (const item of text.split(',')) {
    const dash = item.indexOf('-');
    if (dash < 0) throw new Error(`time-of-day="${text}": "${item.trim()}" is not a HH:MM-HH:MM range`);
    out.push({ start: parseClock(item.slice(0, dash), 'time-of-day'), end: parseClock(item.slice(dash + 1), 'time-of-day') });
  }
  return out;
}

/** "YYYY-MM-DD[ HH:MM[:SS]]". */
function parseWall(s: string): WallTime | undefined {
  const t = s.trim();
  const sp = t.indexOf(' ');
  const date = (sp < 0 ? t : t.slice(0, sp)).split('-');
  if (date.length !== 3) return undefined;
  const [year, month, day] = date.map((p) => parseInteger(p));
  if (year === undefined || month === undefined || day === undefined) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  let secs = 0;
  if (sp >= 0) {
    try {
      secs = parseClock(t.slice(sp + 1), 'date-time');
    } catch {
      return undefined;
    }
  }
  return { year, month, day, hour: Math.floor(secs / 3600), minute: Math.floor(secs / 60) % 60, second: secs % 60 };
}

/** "2026-01-01 00:00~2026-01-02 00:00,...". */
export function parseDateTime(text: string): DateTimeRange[] {
  const out: DateTimeRange[] = [];
  for (const item of text.split(',')) {
    const tilde = item.indexOf('~');
    const start = tilde < 0 ? undefined : parseWall(item.slice(0, tilde));
    const end = tilde < 0 ? undefined : parseWall(item.slice(tilde + 1));
    if (!start || !end) throw new Error(`date-time="${text}": "${item.trim()}" is not "YYYY-MM-DD HH:MM[:SS]~YYYY-MM-DD HH:MM[:SS]"`);
    out.push({ start, end });
  }
  return out;
}

/**
 * Builds a TimeSpec from attributes (already looked up by the caller). Returns undefined when no
 * time attribute is present. Throws Error naming the bad attribute.
 */
export function parseTimeSpec(get: (name: string) => string | undefined): TimeSpec | undefined {
  const spec: TimeSpec = {};
  let any = false;
  const list = (attr: string, key: keyof TimeSpec, names = false): void => {
    const v = get(attr);
    if (v === undefined) return;
    (spec as Record<string, unknown>)[key] = parseNumberList(v, attr, names);
    any = true;
  };
  list('year', 'year');
  list('yday', 'yday');
  list('mon', 'mon');
  list('mday', 'mday');
  list('week', 'week');
  list('mweek', 'mweek');
  list('wday', 'wday', true);
  list('hour', 'hour');
  list('minute', 'minute');
  list('minute-of-day', 'minuteOfDay');
  const tod = get('time-of-day');
  if (tod !== undefined) {
    spec.timeOfDay = parseTimeOfDay(tod);
    any = true;
  }
  const dt = get('date-time');
  if (dt !== undefined) {
    spec.dateTime = parseDateTime(dt);
    any = true;
  }
  const tz = get('tz-offset');
  if (tz !== undefined) {
    const n = parseInteger(tz);
    if (n === undefined) throw new Error(`tz-offset="${tz}" is not a whole number of hours`);
    spec.tzOffset = n;
    any = true;
  }
  const dst = get('dst');
  if (dst !== undefined) {
    const t = dst.trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(t)) spec.dst = true;
    else if (['false', 'no', 'off', '0'].includes(t)) spec.dst = false;
    else throw new Error(`dst="${dst}" is not true or false`);
    any = true;
  }
  return any ? spec : undefined;
}

// ------------------------------------------------------------------ zones

/** Broken-down time in a zone (struct tm-like; month 1-12, wday 0 = Sunday, yday 0-based). */
export interface ZonedTime extends WallTime {
  wday: number;
  yday: number;
  /** UTC offset in seconds. */
  offsetSec: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(name: string): Intl.DateTimeFormat {
  let f = formatters.get(name);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size > 64) formatters.clear();
    formatters.set(name, f);
  }
  return f;
}

/** True when `name` is a time zone this runtime knows. */
export function isKnownTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** `d` holds the zone's wall-clock time in its UTC fields. */
function fromUtcFields(d: Date, offsetSec: number): ZonedTime {
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return {
    year,
    month,
    day,
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    wday: d.getUTCDay(),
    yday: Math.round((Date.UTC(year, month - 1, day) - Date.UTC(year, 0, 1)) / 86_400_000),
    offsetSec,
  };
}

/** Broken-down time of `epochMs` in `zone`. An unknown IANA name throws RangeError. */
export function zonedTime(epochMs: number, zone: TimeZoneSpec): ZonedTime {
  if (zone.kind === 'offset') {
    const off = zone.hours * 3600;
    return fromUtcFields(new Date(epochMs + off * 1000), off);
  }
  if (zone.kind === 'local') {
    const d = new Date(epochMs);
    const off = -d.getTimezoneOffset() * 60;
    return fromUtcFields(new Date(epochMs + off * 1000), off);
  }
  const parts = formatter(zone.name).formatToParts(new Date(epochMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const off = Math.round((wall - Math.floor(epochMs / 1000) * 1000) / 1000);
  return fromUtcFields(new Date(wall), off);
}

function offsetAt(epochMs: number, zone: TimeZoneSpec): number {
  return zonedTime(epochMs, zone).offsetSec;
}

/** Epoch of a wall-clock time in `zone` (DST gaps resolve forward, overlaps to the first). */
export function wallToEpoch(w: WallTime, zone: TimeZoneSpec): number {
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const off1 = offsetAt(asUtc, zone);
  let e = asUtc - off1 * 1000;
  const off2 = offsetAt(e, zone);
  if (off2 !== off1) e = asUtc - off2 * 1000;
  return e;
}

function isDst(zone: TimeZoneSpec, now: ZonedTime): boolean {
  if (zone.kind === 'offset') return false;
  const jan = offsetAt(Date.UTC(now.year, 0, 1), zone);
  const jul = offsetAt(Date.UTC(now.year, 6, 1), zone);
  return jan !== jul && now.offsetSec > Math.min(jan, jul);
}

/** FreeSWITCH's week of the month (1-6), from mday and wday. */
export function weekOfMonth(mday: number, wday: number): number {
  const firstDow = (7 - ((mday - (wday + 1)) % 7)) % 7;
  return Math.ceil((mday + firstDow) / 7);
}

/** Does the instant `epochMs`, seen in `zone`, satisfy every attribute of `spec`? */
export function matchTime(spec: TimeSpec, epochMs: number, zone: TimeZoneSpec): boolean {
  const t = zonedTime(epochMs, zone);
  if (spec.tzOffset !== undefined && Math.trunc(t.offsetSec / 3600) !== spec.tzOffset) return false;
  if (spec.dst !== undefined && isDst(zone, t) !== spec.dst) return false;
  if (spec.dateTime && !spec.dateTime.some((r) => epochMs >= wallToEpoch(r.start, zone) && epochMs < wallToEpoch(r.end, zone))) return false;
  if (spec.year && !matchNumberList(spec.year, t.year)) return false;
  if (spec.yday && !matchNumberList(spec.yday, t.yday + 1)) return false;
  if (spec.mon && !matchNumberList(spec.mon, t.month)) return false;
  if (spec.mday && !matchNumberList(spec.mday, t.day)) return false;
  if (spec.week && !matchNumberList(spec.week, Math.floor(t.yday / 7) + 1)) return false;
  if (spec.mweek && !matchNumberList(spec.mweek, weekOfMonth(t.day, t.wday))) return false;
  if (spec.wday && !matchNumberList(spec.wday, t.wday + 1)) return false;
  if (spec.hour && !matchNumberList(spec.hour, t.hour)) return false;
  if (spec.minute && !matchNumberList(spec.minute, t.minute)) return false;
  if (spec.minuteOfDay && !matchNumberList(spec.minuteOfDay, t.hour * 60 + t.minute + 1)) return false;
  if (spec.timeOfDay) {
    const secs = t.hour * 3600 + t.minute * 60 + t.second;
    const hit = spec.timeOfDay.some((r) => (r.start < r.end ? secs >= r.start && secs <= r.end : secs >= r.start || secs <= r.end));
    if (!hit) return false;
  }
  return true;
}
