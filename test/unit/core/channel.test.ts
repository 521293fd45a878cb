import { describe, expect, it } from 'vitest';
import { inbound, makeCore } from './fakes';

describe('Channel', () => {
  it('signal: aborted with the hangup cause, whether read before or after the hangup', () => {
    const { core } = makeCore();
    const early = inbound(core, '1').ch;
    const s = early.signal;
    expect(s.aborted).toBe(false);
    expect(early.signal).toBe(s);
    early.hangup('USER_BUSY');
    expect(s.aborted).toBe(true);
    expect(s.reason).toBe('USER_BUSY');
    const late = inbound(core, '2').ch;
    late.hangup('NO_ANSWER');
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe('NO_ANSWER');
  });

  it('log: levels, isLevelEnabled and child work without a child made up front', () => {
    const { core } = makeCore();
    const { ch } = inbound(core, '1');
    expect(typeof ch.log.isLevelEnabled('debug')).toBe('boolean');
    expect(() => {
      ch.log.debug({ x: 1 }, 'debug line');
      ch.log.info('info line');
      ch.log.warn({ y: 2 }, 'warn line');
      ch.log.error({ err: new Error('e') }, 'error line');
    }).not.toThrow();
    const child = ch.log.child({ extra: 1 });
    expect(child.bindings()).toMatchObject({ uuid: ch.uuid, extra: 1 });
    expect(ch.log.bindings()).toMatchObject({ uuid: ch.uuid });
  });
});
