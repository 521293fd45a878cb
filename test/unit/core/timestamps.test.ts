/**
 * The CDR timestamp variables are owed at CS_REPORTING (Channel.deferTimestampVariables) instead of
 * written: single reads, the whole-map view and later writes must all see exactly what the eager
 * setTimestampVariables produced.
 */
import { describe, expect, it } from 'vitest';
import { Channel, type ChannelHost } from '../../../src/core/channel';
import { isTimestampVariable, setTimestampVariables } from '../../../src/core/timestamps';
import { formatLocalStamp } from '../../../src/core/event-headers';
import { FakeClock } from '../../../src/util/clock';
import { logger } from '../../../src/util/logger';

const NAMES = [
  ...['start', 'profile_start', 'answer', 'bridge', 'progress', 'progress_media', 'end'].flatMap((p) => [`${p}_stamp`, `${p}_epoch`, `${p}_uepoch`]),
  ...['duration', 'billsec', 'progresssec', 'answersec', 'waitsec', 'progress_mediasec', 'mduration', 'billmsec'],
];

function pair(clock: FakeClock): [Channel, Channel] {
  const host = (lazy: boolean): ChannelHost => ({
    clock,
    logger,
    finalizeGraceMs: 1000,
    getGlobal: () => undefined,
    wantsEvent: () => false,
    fireChannelEvent: () => {},
    onReporting: (ch) => (lazy ? ch.deferTimestampVariables() : setTimestampVariables(ch)),
    onDestroy: () => {},
  });
  const mk = (lazy: boolean): Channel => new Channel(host(lazy), { uuid: lazy ? 'lazy' : 'eager', name: 'x', direction: 'inbound' });
  return [mk(false), mk(true)];
}

async function life(chs: Channel[], clock: FakeClock, answer: boolean): Promise<void> {
  for (const ch of chs) {
    ch.setVariable('duration', 'user value set early'); // overwritten in place at REPORTING
    ch.setVariable('a', '1');
  }
  clock.advance(1500);
  for (const ch of chs) ch.markRinging();
  clock.advance(700);
  if (answer) for (const ch of chs) ch.markAnswered();
  clock.advance(2300);
  for (const ch of chs) ch.hangup('NORMAL_CLEARING');
  await Promise.all(chs.map((c) => c.destroyed));
}

describe('deferred timestamp variables', () => {
  for (const answer of [true, false]) {
    it(`single reads, the whole map and its order match the eager variables (answered=${answer})`, async () => {
      const clock = new FakeClock(1_700_000_000_400);
      const [eager, lazy] = pair(clock);
      await life([eager, lazy], clock, answer);
      for (const n of NAMES) {
        expect(isTimestampVariable(n)).toBe(true);
        expect(lazy.getLocalVariable(n), n).toBe(eager.getLocalVariable(n));
        expect(lazy.getVariable(n), n).toBe(eager.getVariable(n));
      }
      expect(eager.getLocalVariable('answer_stamp') !== undefined).toBe(answer);
      expect(eager.getLocalVariable('duration')).toBe('4');
      expect([...lazy.variables()]).toEqual([...eager.variables()]);
    });
  }

  it('a write after REPORTING lands after the timestamps, as with eager variables', async () => {
    const clock = new FakeClock();
    const [eager, lazy] = pair(clock);
    await life([eager, lazy], clock, true);
    for (const ch of [eager, lazy]) ch.setVariable('late', 'yes');
    expect([...lazy.variables()]).toEqual([...eager.variables()]);
    expect([...lazy.variables()].at(-1)).toEqual(['late', 'yes']);
  });

  it('a stamp of something that did not happen falls back to the variable map', async () => {
    const clock = new FakeClock();
    const [eager, lazy] = pair(clock);
    for (const ch of [eager, lazy]) ch.setVariable('answer_stamp', 'set by hand');
    await life([eager, lazy], clock, false);
    expect(lazy.getLocalVariable('answer_stamp')).toBe('set by hand');
    expect(eager.getLocalVariable('answer_stamp')).toBe('set by hand');
    expect(lazy.getLocalVariable('bridge_epoch')).toBeUndefined();
  });
});

describe('formatLocalStamp cache', () => {
  it('alternating and colliding seconds each get their own text', () => {
    const fmt = (ms: number): string => {
      const d = new Date(ms);
      const p = (n: number): string => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    };
    const base = 1_700_000_000_000;
    const seq = [0, 1500, 0, 8000, 16_000, 1500, 8000, 999, 3_600_000, 0];
    for (const off of seq) expect(formatLocalStamp(base + off)).toBe(fmt(base + off));
  });
});
