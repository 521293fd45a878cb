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

  it('deferVariables: reads, the whole map, order and later writes match eager setVariable calls', () => {
    const { core } = makeCore();
    const eager = inbound(core, '1').ch;
    const lazy = inbound(core, '2').ch;
    const setA = { x: '1', y: 'old', gone: '' } as Record<string, string>;
    const setB = { y: 'new', z: undefined, w: 'w' } as Record<string, string | undefined>;
    const deferred = (o: Record<string, string | undefined>) => ({ names: new Set(Object.keys(o)), value: (n: string) => o[n] });
    for (const ch of [eager, lazy]) {
      ch.setVariable('gone', 'here');
      ch.setVariable('z', 'kept');
    }
    for (const [k, v] of Object.entries(setA)) eager.setVariable(k, v);
    for (const [k, v] of Object.entries(setB)) if (v !== undefined) eager.setVariable(k, v);
    lazy.deferVariables(deferred(setA));
    lazy.deferVariables(deferred(setB));
    for (const n of ['x', 'y', 'z', 'w', 'gone', 'none', 'context']) {
      expect(lazy.getLocalVariable(n), n).toBe(eager.getLocalVariable(n));
      expect(lazy.getVariable(n), n).toBe(eager.getVariable(n));
    }
    expect(lazy.getLocalVariable('gone')).toBeUndefined();
    expect(lazy.getLocalVariable('y')).toBe('new');
    expect(lazy.getLocalVariable('z')).toBe('kept');
    for (const ch of [eager, lazy]) ch.setVariable('after', 'a');
    const names = (ch: typeof eager) => [...ch.variables()].filter(([k]) => ['x', 'y', 'z', 'w', 'gone', 'after'].includes(k));
    expect(names(lazy)).toEqual(names(eager));
    expect(names(lazy).map(([k]) => k)).toEqual(['z', 'x', 'y', 'w', 'after']);
  });
});
