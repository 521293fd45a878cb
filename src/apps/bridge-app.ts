/**
 * `bridge <dial string>` and `transfer` (freeswitch-behaviour.md §6.1, §6.2, execution-control
 * variables):
 *
 * - originate the dial string with this channel as the A leg; on success bridge A and B and wait
 *   until the bridge ends.
 * - after a successful bridge: hangup_after_bridge=true -> A hangs up with B's cause;
 *   park_after_bridge=true -> park; transfer_after_bridge=<ext [dp [ctx]]> -> transfer;
 *   otherwise the dialplan continues with the next action.
 * - after a failed bridge: continue_on_fail=true -> continue; a list of causes (names or numbers)
 *   -> continue only for those; failure_causes=<list> -> continue unless listed; neither set ->
 *   continue only for NO_ANSWER, NO_USER_RESPONSE, ORIGINATOR_CANCEL. ATTENDED_TRANSFER never
 *   continues. Otherwise A is hung up with the failure cause.
 */
import { causeToNumber, isTrue, type AppDefinition, type Channel, type Core, type HangupCause } from '../core';

const DEFAULT_CONTINUE: ReadonlySet<HangupCause> = new Set<HangupCause>(['NO_ANSWER', 'NO_USER_RESPONSE', 'ORIGINATOR_CANCEL']);

/** Does a comma/space separated list of cause names or numbers contain `cause`? */
export function causeListHas(list: string, cause: HangupCause): boolean {
  const num = String(causeToNumber(cause));
  for (const raw of list.split(/[,\s]+/)) {
    const item = raw.trim().toUpperCase();
    if (item && (item === cause || item === num)) return true;
  }
  return false;
}

/** Should the dialplan continue after a failed bridge with `cause`? */
export function continueAfterFailure(ch: Channel, cause: HangupCause): boolean {
  if (cause === 'ATTENDED_TRANSFER') return false;
  const cof = ch.getVariable('continue_on_fail');
  const failureCauses = ch.getVariable('failure_causes');
  if (cof !== undefined && cof !== '') {
    if (isTrue(cof)) return true;
    if (cof.toLowerCase() === 'false') return false;
    return causeListHas(cof, cause);
  }
  if (failureCauses) return !causeListHas(failureCauses, cause);
  return DEFAULT_CONTINUE.has(cause);
}

function splitTransferArgs(s: string): [string, string | undefined, string | undefined] {
  const w = s.trim().split(/\s+/);
  return [w[0] ?? '', w[1], w[2]];
}

async function afterBridge(core: Core, ch: Channel, bCause: HangupCause | undefined): Promise<void> {
  if (!ch.up) return;
  if (isTrue(ch.getVariable('hangup_after_bridge'))) {
    ch.hangup(bCause ?? 'NORMAL_CLEARING');
    return;
  }
  if (isTrue(ch.getVariable('park_after_bridge'))) {
    await core.executeApplication(ch, 'park', '');
    return;
  }
  const xfer = ch.getVariable('transfer_after_bridge');
  if (xfer) {
    const [dest, dp, ctx] = splitTransferArgs(xfer.replace(/:/g, ' '));
    if (dest) core.transfer(ch, dest, dp, ctx);
  }
}

export const bridgeApp: AppDefinition = {
  name: 'bridge',
  syntax: '<channel_url>',
  summary: 'Bridge Audio',
  async handler(ch, data, { core, cancel: signal }) {
    const dial = data.trim();
    if (!dial) {
      ch.log.error('bridge: no dial string');
      return { response: '-ERR no dial string' };
    }
    const r = await core.originate(dial, { originator: ch, signal });
    if (!r.ok) {
      ch.log.info({ cause: r.cause }, 'Originate Failed');
      ch.setVariable('last_bridge_hangup_cause', r.cause);
      if (!ch.up || signal.aborted) return { response: r.cause };
      if (!continueAfterFailure(ch, r.cause)) ch.hangup(r.cause);
      return { response: r.cause };
    }
    const b = r.channel;
    if (!ch.up || signal.aborted) {
      r.earlyLink?.close();
      if (b.up) b.hangup(ch.up ? 'NORMAL_CLEARING' : 'ORIGINATOR_CANCEL');
      return { response: 'ORIGINATOR_CANCEL' };
    }
    const br = core.bridge(ch, b, r.earlyLink);
    const end = await br.wait(signal);
    // Interrupted (transfer, uuid_bridge elsewhere): the session handles what comes next.
    if (signal.aborted && ch.up) return { response: 'interrupted' };
    const bCause = end.hungUp === b ? end.cause : b.hangupCause;
    await afterBridge(core, ch, bCause);
    return { response: bCause ?? 'NORMAL_CLEARING' };
  },
};

export const transferApp: AppDefinition = {
  name: 'transfer',
  syntax: '[-bleg|-both] <exten> [<dialplan> <context>]',
  summary: 'Transfer a channel',
  async handler(ch, data, { core }) {
    const w = data.trim().split(/\s+/).filter(Boolean);
    let who: 'self' | 'bleg' | 'both' = 'self';
    if (w[0] === '-bleg' || w[0] === '-both') who = w.shift() === '-bleg' ? 'bleg' : 'both';
    const [dest, dp, ctx] = w;
    if (!dest) {
      ch.log.error('transfer: no destination');
      return { response: '-ERR usage' };
    }
    const peer = ch.bridgedTo ? core.getChannel(ch.bridgedTo) : undefined;
    if (who !== 'self' && peer) core.transfer(peer, dest, dp, ctx);
    if (who !== 'bleg') core.transfer(ch, dest, dp, ctx);
    return undefined;
  },
};
