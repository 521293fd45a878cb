/**
 * Originate (FreeSWITCH switch_ivr_originate; freeswitch-behaviour.md §6.1 bridge variables, §6.2
 * grammar, §8.3 last paragraph). Creates B legs from a dial string and waits for one to answer.
 *
 *   branches (':_:')   run in parallel; the first success wins, the rest get LOSE_RACE
 *   failover ('|')     groups tried in order; a timeout stops the list unless
 *                      originate_continue_on_timeout=true; fail_on_single_reject stops it too
 *   group (',')        legs ring together; first answer wins, losers hung up LOSE_RACE
 *
 * Timers (Clock-driven): call_timeout (A-leg var, default 60 s) or originate_timeout ({} var) for
 * the group -> NO_ANSWER; progress_timeout (no 18x from any leg) -> PROGRESS_TIMEOUT; per leg
 * leg_timeout -> that leg ALLOTTED_TIMEOUT, leg_progress_timeout -> PROGRESS_TIMEOUT,
 * leg_delay_start delays the leg. The A leg hanging up cancels with ORIGINATOR_CANCEL.
 *
 * Early media: a B 180 rings A (ring_ready); a B 183 pre-answers A and joins the media early,
 * unless ignore_early_media=true|consume (nothing) or =ring_ready (A gets 180 instead).
 */
import { uuid as newUuid } from '../util/ids';
import { CallAbort, type AbortLike } from './abort';
import { newCallerProfile, type CallerProfile } from './caller-profile';
import { isHangupCause, type HangupCause } from './causes';
import type { Channel } from './channel';
import type { Core } from './core';
import { parseDialString, type DialBranch, type DialLeg, type DialString, type DialVars } from './dial-string';
import type { MediaLink } from './media-handle';
import { LegGroup, type GroupOutcome } from './originate-group';

export interface OriginateOptions {
  /** The A leg (bridge app). Absent for API originates. */
  originator?: Channel;
  /** Ring timeout in seconds when neither call_timeout (A) nor originate_timeout ({}) is set. */
  timeoutSec?: number;
  /** Lowest-precedence variables for every leg. */
  variables?: DialVars;
  callerIdName?: string;
  callerIdNumber?: string;
  /** Abort to cancel; a HangupCause as the abort reason is used for the legs. */
  signal?: AbortLike;
  /** Internal: nesting depth of dial-string substitutions (user/ -> contacts). */
  depth?: number;
}

export type OriginateResult =
  | { ok: true; channel: Channel; cause: 'SUCCESS'; earlyLink?: MediaLink }
  | { ok: false; cause: HangupCause };

/** A-leg variables copied into the originate's variables when not given (FS list). */
const INHERITED_CONTROL_VARS = [
  'group_confirm_key',
  'group_confirm_file',
  'forked_dial',
  'fail_on_single_reject',
  'hangup_on_single_reject',
  'ignore_early_media',
  'bridge_early_media',
  'originate_continue_on_timeout',
  'ignore_ring_ready',
  'return_ring_ready',
  'ring_ready',
  'instant_ringback',
  'progress_timeout',
  'language',
];

export const MAX_ORIGINATE_DEPTH = 4;

/**
 * Parsed dial strings by text. A switch dials the same strings over and over (the bridge data of
 * a dialplan extension, a user's contacts), and the parse is read-only input to the originate,
 * so results are shared, frozen against accidental mutation. Bounded: cleared when full.
 */
const parsedCache = new Map<string, DialString>();
const PARSED_CACHE_MAX = 512;
const PARSED_CACHE_MAX_LENGTH = 1024;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** parseDialString through the cache (throws like it for an invalid string, which is not cached). */
export function parseDialStringCached(dialString: string): DialString {
  const hit = parsedCache.get(dialString);
  if (hit) return hit;
  const parsed = parseDialString(dialString);
  if (dialString.length <= PARSED_CACHE_MAX_LENGTH) {
    if (parsedCache.size >= PARSED_CACHE_MAX) parsedCache.clear();
    parsedCache.set(dialString, deepFreeze(parsed));
  }
  return parsed;
}

/** DIALSTATUS as FreeSWITCH sets it after a failed originate. */
export function dialStatusFor(cause: HangupCause): string {
  switch (cause) {
    case 'ORIGINATOR_CANCEL':
      return 'CANCEL';
    case 'USER_BUSY':
      return 'BUSY';
    case 'NO_ANSWER':
      return 'NOANSWER';
    case 'DESTINATION_OUT_OF_ORDER':
    case 'INVALID_PROFILE':
      return 'INVALIDARGS';
    case 'CALL_REJECTED':
      return 'DONTCALL';
    default:
      return cause;
  }
}

function positiveInt(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function isTrue(v: string | undefined): boolean {
  if (!v) return false;
  const s = v.toLowerCase();
  return s === 'true' || s === 'yes' || s === 'on' || s === 'enabled' || s === 'active' || s === 'allow' || (s !== '0' && /^[0-9]+$/.test(s));
}

/** Build the B leg's caller profile (switch_ivr_originate: A's profile cloned, overrides applied). */
function legProfile(leg: DialLeg, vars: DialVars, opts: OriginateOptions): CallerProfile {
  const a = opts.originator;
  let name: string;
  let number: string;
  if (a) {
    name = a.getLocalVariable('effective_caller_id_name') || a.profile.caller_id_name;
    number = a.getLocalVariable('effective_caller_id_number') || a.profile.caller_id_number;
    if (opts.callerIdName) name = opts.callerIdName;
    if (opts.callerIdNumber) number = opts.callerIdNumber;
  } else {
    name = opts.callerIdName ?? '';
    number = opts.callerIdNumber ?? '0000000000';
  }
  if (vars.origination_caller_id_name !== undefined) name = vars.origination_caller_id_name;
  if (vars.origination_caller_id_number !== undefined) number = vars.origination_caller_id_number;
  // A's profile (or the defaults) with the caller id replaced; orig_* and ani default to it.
  const p = newCallerProfile(a?.profile);
  p.caller_id_name = name;
  p.caller_id_number = number;
  p.orig_caller_id_name = a?.profile.orig_caller_id_name || name;
  p.orig_caller_id_number = a?.profile.orig_caller_id_number || number;
  p.ani = vars.origination_ani || number;
  p.destination_number = leg.data || 'service';
  p.callee_id_name = 'Outbound Call';
  p.callee_id_number = p.destination_number;
  p.source = leg.endpoint;
  return p;
}

interface Shared {
  core: Core;
  opts: OriginateOptions;
  /** Variables common to every leg (exports, inherited controls, opts.variables). */
  baseVars: DialVars;
  timeoutSec: number;
  depth: number;
}

async function runBranch(shared: Shared, enterpriseVars: DialVars, branch: DialBranch, signal: AbortLike): Promise<OriginateResult> {
  const vars: DialVars = { ...shared.baseVars, ...enterpriseVars, ...branch.vars };
  const timeoutSec = positiveInt(vars.originate_timeout) ?? shared.timeoutSec;
  const progressSec = positiveInt(vars.progress_timeout) ?? timeoutSec;
  let last: GroupOutcome | undefined;
  for (const legs of branch.failover) {
    if (signal.aborted) return { ok: false, cause: abortCause(signal) };
    if (shared.opts.originator && !shared.opts.originator.up) return { ok: false, cause: 'ORIGINATOR_CANCEL' };
    const group = new LegGroup({
      core: shared.core,
      originator: shared.opts.originator,
      legs,
      vars,
      timeoutSec,
      progressSec,
      signal,
      depth: shared.depth,
      makeProfile: (leg, legVars) => legProfile(leg, legVars, shared.opts),
      nested: (dialString, legVars, remainingSec, legSignal) =>
        originate(shared.core, dialString, {
          ...shared.opts,
          variables: legVars,
          timeoutSec: remainingSec,
          signal: legSignal,
          depth: shared.depth + 1,
        }),
    });
    last = await group.run();
    if (last.ok) return { ok: true, channel: last.channel, cause: 'SUCCESS', earlyLink: last.earlyLink };
    if (last.cancelled || last.stopFailover) break;
    if (last.timedOut && !isTrue(vars.originate_continue_on_timeout)) break;
  }
  return { ok: false, cause: last && !last.ok ? last.cause : 'DESTINATION_OUT_OF_ORDER' };
}

function abortCause(signal: AbortLike): HangupCause {
  const r: unknown = signal.reason;
  return typeof r === 'string' && isHangupCause(r) ? r : 'ORIGINATOR_CANCEL';
}

/** Run every ':_:' branch in parallel; first success wins (enterprise originate). */
function runBranches(shared: Shared, enterpriseVars: DialVars, branches: DialBranch[], signal: AbortLike): Promise<OriginateResult> {
  // One branch (nearly every dial string): its own promise, not one more async frame around it.
  if (branches.length === 1) return runBranch(shared, enterpriseVars, branches[0]!, signal);
  return runParallelBranches(shared, enterpriseVars, branches, signal);
}

async function runParallelBranches(shared: Shared, enterpriseVars: DialVars, branches: DialBranch[], signal: AbortLike): Promise<OriginateResult> {
  const controllers = branches.map(() => new CallAbort());
  const onAbort = (): void => controllers.forEach((c) => c.abort(signal.reason));
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await new Promise<OriginateResult>((resolve) => {
      let pending = branches.length;
      let firstFailure: OriginateResult | undefined;
      let done = false;
      branches.forEach((b, i) => {
        runBranch(shared, enterpriseVars, b, controllers[i]!).then(
          (r) => {
            if (done) {
              if (r.ok) r.channel.hangup('LOSE_RACE');
              return;
            }
            if (r.ok) {
              done = true;
              controllers.forEach((c, j) => j !== i && c.abort('LOSE_RACE'));
              resolve(r);
              return;
            }
            if (i === 0 || !firstFailure) firstFailure = r;
            if (--pending === 0) {
              done = true;
              resolve(firstFailure);
            }
          },
          () => {
            if (--pending === 0 && !done) {
              done = true;
              resolve(firstFailure ?? { ok: false, cause: 'DESTINATION_OUT_OF_ORDER' });
            }
          },
        );
      });
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Originate `dialString`. Resolves with the winning channel (answered, or early when the
 * originate accepted early media as success) or the failure cause. Sets `originate_disposition`,
 * `originate_failed_cause` and `DIALSTATUS` on the originator.
 */
export async function originate(core: Core, dialString: string, opts: OriginateOptions = {}): Promise<OriginateResult> {
  const a = opts.originator;
  const depth = opts.depth ?? 0;
  if (depth > MAX_ORIGINATE_DEPTH) {
    core.log.warn({ dialString, depth }, 'originate nesting too deep (dial string loop?)');
    return { ok: false, cause: 'EXCHANGE_ROUTING_ERROR' };
  }
  let parsed;
  try {
    parsed = parseDialStringCached(dialString);
  } catch (err) {
    core.log.warn({ err, dialString }, 'invalid dial string');
    if (a && depth === 0) {
      a.setVariable('originate_disposition', 'DESTINATION_OUT_OF_ORDER');
      a.setVariable('DIALSTATUS', 'INVALIDARGS');
    }
    return { ok: false, cause: 'DESTINATION_OUT_OF_ORDER' };
  }

  const baseVars: DialVars = { ...(opts.variables ?? {}) };
  let timeoutSec = opts.timeoutSec && opts.timeoutSec > 0 ? opts.timeoutSec : core.defaultCallTimeoutSec;
  if (a) {
    Object.assign(baseVars, a.exportedVariables());
    for (const name of INHERITED_CONTROL_VARS) {
      const v = a.getLocalVariable(name);
      if (v !== undefined && baseVars[name] === undefined) baseVars[name] = v;
    }
    const callTimeout = positiveInt(a.getLocalVariable('call_timeout'));
    if (callTimeout && depth === 0) timeoutSec = callTimeout;
    if (depth === 0) {
      a.setVariable('originate_disposition', 'failure');
      a.setVariable('DIALSTATUS', 'INVALIDARGS');
    }
  }

  const controller = new CallAbort();
  const outer = opts.signal;
  const onOuterAbort = controller.follow(outer);
  const onAHangup = (): void => controller.abort('ORIGINATOR_CANCEL');
  a?.local.add('hangup', onAHangup);

  let result: OriginateResult;
  try {
    result = await runBranches({ core, opts, baseVars, timeoutSec, depth }, parsed.enterpriseVars, parsed.branches, controller);
  } finally {
    if (onOuterAbort) outer!.removeEventListener('abort', onOuterAbort);
    a?.local.off('hangup', onAHangup);
  }

  if (a && depth === 0) {
    if (result.ok) {
      a.setVariable('originate_disposition', 'call accepted');
      // FreeSWITCH sets DIALSTATUS=EARLY for an answered peer and ANSWER otherwise, which reads
      // inverted; we set ANSWER for answered and EARLY for an early-media success.
      a.setVariable('DIALSTATUS', result.channel.answered ? 'ANSWER' : 'EARLY');
      a.setVariable('originate_failed_cause', undefined);
      a.profile.callee_id_name = result.channel.profile.callee_id_name;
      a.profile.callee_id_number = result.channel.profile.callee_id_number;
    } else {
      a.setVariable('originate_disposition', result.cause);
      a.setVariable('originate_failed_cause', result.cause);
      a.setVariable('DIALSTATUS', dialStatusFor(result.cause));
    }
  }
  return result;
}

/** uuid for a new leg: origination_uuid when free, else a fresh one. */
export function legUuid(core: Core, vars: DialVars): string {
  const wanted = vars.origination_uuid;
  if (wanted && !core.getChannel(wanted)) return wanted;
  return newUuid();
}
