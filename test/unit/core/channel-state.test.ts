import { describe, expect, it } from 'vitest';
import { canTransition, CHANNEL_STATES, channelStateNumber, isHungUpState } from '../../../src/core/channel-state';
import { isStrowgerError } from '../../../src/util/errors';
import { inbound, makeCore } from './fakes';

describe('channel state machine', () => {
  it('numbers states as FreeSWITCH does', () => {
    expect(channelStateNumber('CS_NEW')).toBe(0);
    expect(channelStateNumber('CS_EXECUTE')).toBe(4);
    expect(channelStateNumber('CS_HANGUP')).toBe(10);
    expect(channelStateNumber('CS_DESTROY')).toBe(12);
  });
  it('allows the normal path', () => {
    const path = ['CS_NEW', 'CS_INIT', 'CS_ROUTING', 'CS_EXECUTE', 'CS_EXCHANGE_MEDIA', 'CS_EXECUTE', 'CS_ROUTING', 'CS_EXECUTE', 'CS_PARK', 'CS_HANGUP', 'CS_REPORTING', 'CS_DESTROY'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!), `${path[i - 1]} -> ${path[i]}`).toBe(true);
  });
  it('refuses invalid transitions', () => {
    expect(canTransition('CS_NEW', 'CS_EXECUTE')).toBe(false);
    expect(canTransition('CS_HANGUP', 'CS_EXECUTE')).toBe(false);
    expect(canTransition('CS_HANGUP', 'CS_DESTROY')).toBe(false);
    expect(canTransition('CS_REPORTING', 'CS_HANGUP')).toBe(false);
    expect(canTransition('CS_EXECUTE', 'CS_EXECUTE')).toBe(false);
    expect(canTransition('CS_EXECUTE', 'CS_INIT')).toBe(false);
    expect(canTransition('CS_EXECUTE', 'CS_REPORTING')).toBe(false);
    for (const s of CHANNEL_STATES) expect(canTransition('CS_DESTROY', s)).toBe(false);
  });
  it('every live state can hang up', () => {
    for (const s of CHANNEL_STATES) {
      if (isHungUpState(s) || s === 'CS_NONE') continue;
      expect(canTransition(s, 'CS_HANGUP'), s).toBe(true);
    }
  });
  it('a channel throws a typed error on an illegal transition and on answer after hangup', async () => {
    const { core } = makeCore();
    const { ch } = inbound(core, '1000');
    expect(ch.state).toBe('CS_INIT');
    let err: unknown;
    try {
      ch.setState('CS_REPORTING');
    } catch (e) {
      err = e;
    }
    expect(isStrowgerError(err, 'CHANNEL_STATE')).toBe(true);
    ch.hangup('NORMAL_CLEARING');
    await expect(ch.answer()).rejects.toSatisfy((e: unknown) => isStrowgerError(e, 'CHANNEL_STATE'));
    await expect(ch.preAnswer()).rejects.toSatisfy((e: unknown) => isStrowgerError(e, 'CHANNEL_STATE'));
    await ch.destroyed;
    expect(ch.state).toBe('CS_DESTROY');
    expect(core.getChannel(ch.uuid)).toBeUndefined();
  });
  it('hangup is idempotent and the first cause wins', async () => {
    const { core } = makeCore();
    const { ch, driver } = inbound(core, '1000');
    ch.hangup('USER_BUSY');
    ch.hangup('NORMAL_CLEARING');
    expect(ch.hangupCause).toBe('USER_BUSY');
    expect(driver.hangupCauses).toEqual(['USER_BUSY']);
    expect(ch.getVariable('hangup_cause')).toBe('USER_BUSY');
    expect(ch.getVariable('hangup_cause_q850')).toBe('17');
    await ch.destroyed;
  });
  it('answer sets call state, answer state and is idempotent', async () => {
    const { core } = makeCore();
    const { ch, driver } = inbound(core, '1000');
    expect(ch.answerState).toBe('ringing');
    await ch.ringReady();
    expect(ch.callState).toBe('RINGING');
    await ch.preAnswer();
    expect(ch.callState).toBe('EARLY');
    expect(ch.answerState).toBe('early');
    await ch.answer();
    await ch.answer();
    expect(ch.callState).toBe('ACTIVE');
    expect(ch.answerState).toBe('answered');
    expect(driver.calls).toEqual(['ringReady', 'preAnswer', 'answer']);
    ch.hangup();
    expect(ch.answerState).toBe('hangup');
  });
});
