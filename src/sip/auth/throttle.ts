/**
 * Brute-force throttle (security.md §3.3, goal G15): after `maxFailures` failed authentications
 * from one key (normally the socket source IP) within `windowMs`, the key is refused for `banMs`.
 *
 *   failures of key K:  x    x  x   x  x            (5 within 60 s)
 *                       |<------ window ------>|
 *                                              ^ ban until now + 300 s; isBanned(K) = true
 *
 * - Sliding window: only the last `maxFailures` failure times are kept per key, so a failure
 *   older than the window no longer counts.
 * - A success for one key never touches another key's counter. For its own key it clears the
 *   counter only when `resetOnSuccess` is set (off by default: an attacker who owns one valid
 *   account could otherwise interleave successes to guess another account's password forever).
 *   A success never lifts a ban: a banned source is refused even with the right password until
 *   the ban expires (documented behaviour, security.md §3.3).
 * - Bounded memory: at most `maxTrackedKeys` counters and `maxBans` bans; the least recently
 *   active counter is evicted first. Bans live in their own map so a spray of fresh addresses
 *   evicts counters, not bans; if bans overflow, the one expiring soonest goes.
 * - The same class keyed by account ("1001@example.com") throttles a distributed guess at one
 *   account (security.md §3.3 "per-account failure counter").
 *
 * Time comes from the injected Clock (monotonic now()); ban events carry wall-clock times.
 */
import { realClock, type Clock } from '../../util/clock';
import { TypedEmitter } from '../../util/events';
import { logger as rootLogger, type Logger } from '../../util/logger';

export interface ThrottleOptions {
  /** Failures within the window that trigger a ban. Default 5. */
  maxFailures?: number;
  /** Sliding window, ms. Default 60 000. */
  windowMs?: number;
  /** Ban length, ms. Default 300 000. */
  banMs?: number;
  /** Keys with a failure counter kept at most. Default 10 000. */
  maxTrackedKeys?: number;
  /** Concurrent bans kept at most. Default 10 000. */
  maxBans?: number;
  /** Clear this key's counter on success. Default false (see file comment). */
  resetOnSuccess?: boolean;
  /** What the key is, for log lines: 'ip' (default) or e.g. 'account'. */
  keyKind?: string;
  clock?: Clock;
  logger?: Logger;
}

export interface BanEvent {
  key: string;
  keyKind: string;
  failures: number;
  /** Monotonic clock ms when the ban ends. */
  until: number;
  /** Wall-clock ms when the ban ends. */
  untilWall: number;
  banMs: number;
}

export type ThrottleEvents = {
  ban: [BanEvent];
};

export interface FailureResult {
  /** True when this failure started a ban (or the key was already banned). */
  banned: boolean;
  /** Failures counted inside the current window (after this one). */
  failures: number;
}

export class AuthThrottle extends TypedEmitter<ThrottleEvents> {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly banMs: number;
  private readonly maxTrackedKeys: number;
  private readonly maxBans: number;
  private readonly resetOnSuccess: boolean;
  private readonly keyKind: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  /** key -> recent failure times (monotonic ms), oldest first, at most maxFailures long. */
  private readonly failures = new Map<string, number[]>();
  /** key -> ban end (monotonic ms). Insertion order = end order (constant ban length). */
  private readonly bans = new Map<string, number>();
  private bansIssued = 0;
  private evictedCounters = 0;

  constructor(opts: ThrottleOptions = {}) {
    super();
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.banMs = opts.banMs ?? 300_000;
    this.maxTrackedKeys = opts.maxTrackedKeys ?? 10_000;
    this.maxBans = opts.maxBans ?? 10_000;
    this.resetOnSuccess = opts.resetOnSuccess ?? false;
    this.keyKind = opts.keyKind ?? 'ip';
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? rootLogger.child({ mod: 'sip.auth.throttle' });
    for (const [name, v] of [['maxFailures', this.maxFailures], ['maxTrackedKeys', this.maxTrackedKeys], ['maxBans', this.maxBans]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer >= 1`);
    }
    if (!(this.windowMs > 0) || !(this.banMs > 0)) throw new RangeError('windowMs and banMs must be > 0');
  }

  /** Is this key refused right now? Expired bans are dropped on the way. */
  isBanned(key: string): boolean {
    const until = this.bans.get(key);
    if (until === undefined) return false;
    if (this.clock.now() < until) return true;
    this.bans.delete(key);
    return false;
  }

  /** Remaining ban in ms (0 when not banned). */
  banRemainingMs(key: string): number {
    return this.isBanned(key) ? this.bans.get(key)! - this.clock.now() : 0;
  }

  recordFailure(key: string): FailureResult {
    if (this.isBanned(key)) return { banned: true, failures: this.maxFailures };
    const now = this.clock.now();
    let times = this.failures.get(key);
    if (times) {
      this.failures.delete(key); // re-insert below: Map order = least recently active first
    } else {
      times = [];
    }
    times.push(now);
    while (times.length > 0 && now - times[0]! >= this.windowMs) times.shift();
    if (times.length > this.maxFailures) times.shift();
    if (times.length >= this.maxFailures) {
      this.ban(key, times.length, now);
      return { banned: true, failures: times.length };
    }
    this.failures.set(key, times);
    while (this.failures.size > this.maxTrackedKeys) {
      const oldest = this.failures.keys().next();
      if (oldest.done) break;
      this.failures.delete(oldest.value);
      this.evictedCounters++;
    }
    return { banned: false, failures: times.length };
  }

  recordSuccess(key: string): void {
    if (this.resetOnSuccess) this.failures.delete(key);
  }

  /** Lift a ban and clear the counter (operator command). */
  pardon(key: string): boolean {
    this.failures.delete(key);
    return this.bans.delete(key);
  }

  /** Failures currently counted for key within the window. */
  failureCount(key: string): number {
    const times = this.failures.get(key);
    if (!times) return 0;
    const now = this.clock.now();
    let n = 0;
    for (const t of times) if (now - t < this.windowMs) n++;
    return n;
  }

  stats(): { trackedKeys: number; activeBans: number; bansIssued: number; evictedCounters: number } {
    return { trackedKeys: this.failures.size, activeBans: this.bans.size, bansIssued: this.bansIssued, evictedCounters: this.evictedCounters };
  }

  private ban(key: string, failures: number, now: number): void {
    this.failures.delete(key);
    this.bans.delete(key);
    const until = now + this.banMs;
    this.bans.set(key, until);
    while (this.bans.size > this.maxBans) {
      const first = this.bans.keys().next();
      if (first.done) break;
      this.bans.delete(first.value);
    }
    this.bansIssued++;
    const ev: BanEvent = {
      key,
      keyKind: this.keyKind,
      failures,
      until,
      untilWall: this.clock.wallNow() + this.banMs,
      banMs: this.banMs,
    };
    this.log.warn({ key: sanitizeLogField(key), keyKind: this.keyKind, failures, banMs: this.banMs }, formatBanLine(ev));
    this.emit('ban', ev);
  }
}

/**
 * Makes an attacker-controlled string safe inside a one-line log record: control characters
 * (CR, LF, ESC ...), DEL and backslash become \xHH, so a username cannot forge a second log line
 * or colour codes (security.md §3.3 "Log hygiene"). Length capped.
 */
export function sanitizeLogField(s: string, maxLength = 256): string {
  let out = '';
  const n = Math.min(s.length, maxLength);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c || (c >= 0x80 && c < 0xa0)) {
      out += '\\x' + c.toString(16).padStart(2, '0');
    } else {
      out += s[i];
    }
  }
  return s.length > maxLength ? out + '...' : out;
}

export interface AuthFailureLine {
  /** SIP method of the failed request, e.g. REGISTER or INVITE. */
  method: string;
  profile: string;
  user: string;
  domain: string;
  /** Source IP of the socket, never an address from a header. */
  ip: string;
}

/**
 * The fail2ban-friendly line FreeSWITCH writes with `log-auth-failures=true`:
 *   SIP auth failure (REGISTER) on sofia profile 'internal' for [1001@example.com] from ip 192.0.2.7
 * Every field but ip is sanitised; the IP is last so `from ip <HOST>$` cannot be spoofed from the
 * username.
 */
export function formatAuthFailureLine(f: AuthFailureLine): string {
  return (
    `SIP auth failure (${sanitizeLogField(f.method, 32)}) on sofia profile '${sanitizeLogField(f.profile, 64)}' ` +
    `for [${sanitizeLogField(f.user)}@${sanitizeLogField(f.domain)}] from ip ${sanitizeLogField(f.ip, 64)}`
  );
}

/** The line logged for each ban: `SIP auth throttle: banned ip 192.0.2.7 for 300 s after 5 failures`. */
export function formatBanLine(ev: BanEvent): string {
  return `SIP auth throttle: banned ${ev.keyKind} ${sanitizeLogField(ev.key)} for ${Math.round(ev.banMs / 1000)} s after ${ev.failures} failures`;
}
