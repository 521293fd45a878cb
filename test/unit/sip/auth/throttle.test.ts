import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/util/clock';
import { AuthThrottle, formatAuthFailureLine, formatBanLine, sanitizeLogField, type BanEvent } from '../../../../src/sip/auth/throttle';

const ATTACKER = '127.0.0.66';
const LEGIT = '127.0.0.3';

function make(opts: ConstructorParameters<typeof AuthThrottle>[0] = {}) {
  const clock = new FakeClock();
  const t = new AuthThrottle({ clock, ...opts });
  const bans: BanEvent[] = [];
  t.on('ban', (e) => bans.push(e));
  return { clock, t, bans };
}

describe('AuthThrottle', () => {
  it('bans after 5 failures within 60 s, for 300 s, by default', () => {
    const { clock, t, bans } = make();
    for (let i = 1; i <= 4; i++) {
      expect(t.recordFailure(ATTACKER)).toEqual({ banned: false, failures: i });
      clock.advance(10_000);
    }
    expect(t.isBanned(ATTACKER)).toBe(false);
    expect(t.recordFailure(ATTACKER)).toEqual({ banned: true, failures: 5 });
    expect(t.isBanned(ATTACKER)).toBe(true);
    expect(bans).toHaveLength(1);
    expect(bans[0]).toMatchObject({ key: ATTACKER, keyKind: 'ip', failures: 5, banMs: 300_000, until: clock.now() + 300_000 });
    clock.advance(299_999);
    expect(t.isBanned(ATTACKER)).toBe(true);
    expect(t.banRemainingMs(ATTACKER)).toBe(1);
    clock.advance(1);
    expect(t.isBanned(ATTACKER)).toBe(false);
    // after the ban the count starts from zero
    expect(t.recordFailure(ATTACKER)).toEqual({ banned: false, failures: 1 });
  });

  it('the window slides: failures older than 60 s stop counting', () => {
    const { clock, t } = make();
    for (let i = 0; i < 4; i++) t.recordFailure(ATTACKER); // t = 0
    clock.advance(59_999);
    expect(t.failureCount(ATTACKER)).toBe(4);
    clock.advance(1);
    expect(t.failureCount(ATTACKER)).toBe(0);
    expect(t.recordFailure(ATTACKER)).toEqual({ banned: false, failures: 1 });
    // spaced 15 s apart: the 5 most recent span 60 s, so never 5 inside one window
    const { clock: c2, t: t2 } = make();
    for (let i = 0; i < 20; i++) {
      expect(t2.recordFailure(ATTACKER).banned).toBe(false);
      c2.advance(15_000);
    }
    // 14.9 s apart: 5 within 59.6 s -> ban
    const { clock: c3, t: t3 } = make();
    let bannedAt = -1;
    for (let i = 0; i < 5; i++) {
      if (t3.recordFailure(ATTACKER).banned) bannedAt = i;
      c3.advance(14_900);
    }
    expect(bannedAt).toBe(4);
  });

  it('other sources are unaffected; successes never reset other counters', () => {
    const { t } = make();
    for (let i = 0; i < 4; i++) t.recordFailure(ATTACKER);
    t.recordFailure(LEGIT);
    for (let i = 0; i < 10; i++) t.recordSuccess(LEGIT);
    expect(t.failureCount(ATTACKER)).toBe(4);
    expect(t.recordFailure(ATTACKER).banned).toBe(true);
    expect(t.isBanned(LEGIT)).toBe(false);
    expect(t.failureCount(LEGIT)).toBe(1);
  });

  it('a success does not reset the own counter unless configured; it never lifts a ban', () => {
    const { t } = make();
    for (let i = 0; i < 4; i++) t.recordFailure(ATTACKER);
    t.recordSuccess(ATTACKER);
    expect(t.recordFailure(ATTACKER).banned).toBe(true);
    t.recordSuccess(ATTACKER);
    expect(t.isBanned(ATTACKER)).toBe(true);

    const r = make({ resetOnSuccess: true });
    for (let i = 0; i < 4; i++) r.t.recordFailure(ATTACKER);
    r.t.recordSuccess(ATTACKER);
    expect(r.t.failureCount(ATTACKER)).toBe(0);
  });

  it('of 1000 guesses from one source, only 5 reach evaluation', () => {
    const { t } = make();
    let evaluated = 0;
    for (let i = 0; i < 1000; i++) {
      if (t.isBanned(ATTACKER)) continue; // the registrar refuses before checking the password
      evaluated++;
      t.recordFailure(ATTACKER);
    }
    expect(evaluated).toBe(5);
  });

  it('honours configured N, window and ban', () => {
    const { clock, t } = make({ maxFailures: 2, windowMs: 1000, banMs: 5000 });
    t.recordFailure('k');
    clock.advance(999);
    expect(t.recordFailure('k').banned).toBe(true);
    clock.advance(5000);
    expect(t.isBanned('k')).toBe(false);
  });

  it('memory is bounded: counters evict the least recently active, bans survive a spray', () => {
    const { t } = make({ maxTrackedKeys: 100, maxBans: 10 });
    for (let i = 0; i < 5; i++) t.recordFailure(ATTACKER);
    expect(t.isBanned(ATTACKER)).toBe(true);
    for (let i = 0; i < 1000; i++) t.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    const s = t.stats();
    expect(s.trackedKeys).toBe(100);
    expect(s.evictedCounters).toBe(900);
    expect(t.isBanned(ATTACKER)).toBe(true);
    // the most recent counters are kept, the oldest are gone
    expect(t.failureCount('10.0.3.231')).toBe(1);
    expect(t.failureCount('10.0.0.0')).toBe(0);
    // bans are capped too; the one ending soonest goes first
    for (let i = 0; i < 12; i++) for (let j = 0; j < 5; j++) t.recordFailure(`b${i}`);
    expect(t.stats().activeBans).toBe(10);
    expect(t.isBanned(ATTACKER)).toBe(false);
    expect(t.isBanned('b0')).toBe(false);
    expect(t.isBanned('b11')).toBe(true);
  });

  it('a keyed-by-account instance trips on a distributed attack', () => {
    const { t } = make({ keyKind: 'account' });
    let banned = false;
    for (let i = 70; i <= 90 && !banned; i++) banned = t.recordFailure('1001@example.com').banned;
    expect(banned).toBe(true);
  });

  it('pardon lifts a ban', () => {
    const { t } = make();
    for (let i = 0; i < 5; i++) t.recordFailure(ATTACKER);
    expect(t.pardon(ATTACKER)).toBe(true);
    expect(t.isBanned(ATTACKER)).toBe(false);
    expect(t.failureCount(ATTACKER)).toBe(0);
  });

  it('rejects nonsense options', () => {
    expect(() => new AuthThrottle({ maxFailures: 0 })).toThrow(RangeError);
    expect(() => new AuthThrottle({ windowMs: 0 })).toThrow(RangeError);
  });
});

describe('log lines', () => {
  it('formats the FreeSWITCH fail2ban line', () => {
    expect(formatAuthFailureLine({ method: 'REGISTER', profile: 'internal', user: '1001', domain: 'example.com', ip: '192.0.2.7' })).toBe(
      "SIP auth failure (REGISTER) on sofia profile 'internal' for [1001@example.com] from ip 192.0.2.7",
    );
  });

  it('escapes attacker-controlled fields so they cannot forge lines or the trailing ip', () => {
    const line = formatAuthFailureLine({ method: 'REGISTER', profile: 'internal', user: 'x] from ip 6.6.6.6\r\nSIP auth failure', domain: 'd\x1b[31m', ip: '127.0.0.66' });
    expect(line).not.toMatch(/[\r\n\x1b]/);
    expect(line.endsWith('from ip 127.0.0.66')).toBe(true);
    expect(line).toContain('\\x0d\\x0a');
    expect(sanitizeLogField('a\\b')).toBe('a\\x5cb');
    expect(sanitizeLogField('x'.repeat(300))).toHaveLength(259);
  });

  it('formats the ban line', () => {
    expect(formatBanLine({ key: '127.0.0.66', keyKind: 'ip', failures: 5, until: 0, untilWall: 0, banMs: 300_000 })).toBe(
      'SIP auth throttle: banned ip 127.0.0.66 for 300 s after 5 failures',
    );
  });
});
