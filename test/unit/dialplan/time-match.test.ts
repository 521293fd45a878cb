/** Time conditions (src/dialplan/time-match.ts): parsing, each attribute, zones, wrap-around. */
import { describe, expect, it } from 'vitest';
import { matchTime, parseTimeSpec, weekOfMonth, zonedTime, type TimeZoneSpec } from '../../../src/dialplan';

const UTC: TimeZoneSpec = { kind: 'iana', name: 'UTC' };
const at = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s);
const spec = (attrs: Record<string, string>) => parseTimeSpec((n) => attrs[n])!;
const match = (attrs: Record<string, string>, when: number, zone: TimeZoneSpec = UTC) => matchTime(spec(attrs), when, zone);

// 2026-03-04 is a Wednesday (wday 4), yday 63.
const WED = at(2026, 3, 4, 10, 30, 15);

describe('parseTimeSpec', () => {
  it('returns undefined without time attributes', () => {
    expect(parseTimeSpec(() => undefined)).toBeUndefined();
  });

  it.each([
    [{ wday: 'mon-' }, 'wday'],
    [{ hour: 'ten' }, 'hour'],
    [{ mon: '1,,2' }, 'empty list item'],
    [{ 'time-of-day': '08:00' }, 'time-of-day'],
    [{ 'time-of-day': '8-17' }, 'HH:MM'],
    [{ 'date-time': '2026-01-01' }, 'date-time'],
    [{ 'date-time': '2026-13-01~2026-12-01' }, 'date-time'],
    [{ 'tz-offset': '+x' }, 'tz-offset'],
    [{ dst: 'maybe' }, 'dst'],
  ])('rejects %j', (attrs, what) => {
    expect(() => parseTimeSpec((n) => (attrs as Record<string, string>)[n])).toThrow(what);
  });
});

describe('matchTime', () => {
  it.each([
    [{ year: '2026' }, true],
    [{ year: '2020-2025' }, false],
    [{ mon: '3' }, true],
    [{ mon: '1,2,4-12' }, false],
    [{ mday: '4' }, true],
    [{ mday: '1-3,5-31' }, false],
    [{ yday: '63' }, true],
    [{ yday: '64' }, false],
    [{ week: '9' }, true], // floor(62/7)+1
    [{ week: '10' }, false],
    [{ mweek: '1' }, true],
    [{ wday: '4' }, true],
    [{ wday: 'wed' }, true],
    [{ wday: 'Wednesday' }, true],
    [{ wday: 'mon-fri' }, true],
    [{ wday: 'sat,sun' }, false],
    [{ wday: 'fri-mon' }, false], // wraps: fri, sat, sun, mon
    [{ wday: '6-3' }, false],
    [{ hour: '10' }, true],
    [{ hour: '9-17' }, true],
    [{ hour: '18-8' }, false], // wraps around midnight
    [{ minute: '30' }, true],
    [{ minute: '0-29' }, false],
    [{ 'minute-of-day': '631' }, true], // 10*60 + 30 + 1
    [{ 'minute-of-day': '630' }, false],
    [{ 'time-of-day': '10:30-10:30:15' }, true],
    [{ 'time-of-day': '10:30:16-11:00' }, false],
    [{ 'time-of-day': '22:00-06:00,10:00-10:31' }, true],
    [{ 'date-time': '2026-03-04 10:30~2026-03-04 10:31' }, true],
    [{ 'date-time': '2026-03-04 10:30:15~2026-03-04 10:31' }, true], // start inclusive
    [{ 'date-time': '2026-03-04 10:00~2026-03-04 10:30:15' }, false], // end exclusive
    [{ 'date-time': '2025-12-24 00:00~2025-12-27 00:00,2026-03-01~2026-03-08' }, true],
    [{ 'tz-offset': '0' }, true],
    [{ 'tz-offset': '1' }, false],
    [{ dst: 'false' }, true],
    [{ wday: 'mon-fri', hour: '9-17', mon: '3' }, true],
    [{ wday: 'mon-fri', hour: '9-17', mon: '4' }, false],
  ])('%j at Wed 2026-03-04 10:30:15 UTC -> %s', (attrs, want) => {
    expect(match(attrs as Record<string, string>, WED)).toBe(want);
  });

  it('time-of-day wrapping midnight', () => {
    const night = { 'time-of-day': '22:00-06:00' };
    expect(match(night, at(2026, 3, 4, 23, 0))).toBe(true);
    expect(match(night, at(2026, 3, 4, 5, 59))).toBe(true);
    expect(match(night, at(2026, 3, 4, 12, 0))).toBe(false);
  });

  it('zones: fixed offset and IANA names', () => {
    // 10:30 UTC = 19:30 in Tokyo (UTC+9, no DST) = 05:30 in New York (EST, UTC-5) on 2026-03-04.
    expect(match({ hour: '19' }, WED, { kind: 'iana', name: 'Asia/Tokyo' })).toBe(true);
    expect(match({ hour: '19' }, WED, { kind: 'offset', hours: 9 })).toBe(true);
    expect(match({ hour: '5', 'tz-offset': '-5', dst: 'false' }, WED, { kind: 'iana', name: 'America/New_York' })).toBe(true);
    // After the 2026-03-08 switch New York is on EDT (UTC-4).
    const summer = at(2026, 7, 1, 12, 0);
    expect(match({ hour: '8', 'tz-offset': '-4', dst: 'true' }, summer, { kind: 'iana', name: 'America/New_York' })).toBe(true);
    expect(match({ dst: 'true' }, summer, UTC)).toBe(false);
    // date-time bounds are read in the same zone.
    expect(match({ 'date-time': '2026-03-04 19:00~2026-03-04 20:00' }, WED, { kind: 'iana', name: 'Asia/Tokyo' })).toBe(true);
    expect(match({ 'date-time': '2026-03-04 19:00~2026-03-04 20:00' }, WED, UTC)).toBe(false);
  });

  it('the local zone follows the process (Date) rules', () => {
    const z = zonedTime(WED, { kind: 'local' });
    const d = new Date(WED);
    expect([z.year, z.month, z.day, z.hour, z.minute, z.wday]).toEqual([d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getDay()]);
  });

  it('zonedTime computes yday across a leap year', () => {
    expect(zonedTime(at(2024, 12, 31), UTC).yday).toBe(365);
    expect(zonedTime(at(2025, 12, 31), UTC).yday).toBe(364);
  });
});

describe('weekOfMonth (FreeSWITCH mweek)', () => {
  // March 2026 starts on a Sunday: 1-7 week 1, 8-14 week 2, ... 29-31 week 5.
  it.each([
    [1, 0, 1],
    [7, 6, 1],
    [8, 0, 2],
    [31, 2, 5],
  ])('mday %i wday %i -> %i', (mday, wday, want) => {
    expect(weekOfMonth(mday, wday)).toBe(want);
  });

  it('a month starting on Saturday has a one-day first week', () => {
    // August 2026 starts on a Saturday.
    expect(weekOfMonth(1, 6)).toBe(1);
    expect(weekOfMonth(2, 0)).toBe(2);
    expect(weekOfMonth(31, 1)).toBe(6);
    expect(match({ mweek: '6' }, at(2026, 8, 31, 12))).toBe(true);
  });
});
