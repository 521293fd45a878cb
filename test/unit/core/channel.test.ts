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

  it('writes made while variables are owed queue behind them: reads, unsets, order and the 64-write bound match eager calls', () => {
    const { core } = makeCore();
    const eager = inbound(core, '1').ch;
    const lazy = inbound(core, '2').ch;
    const owedSet = { a: '1', b: '2', c: '3' } as Record<string, string>;
    for (const ch of [eager, lazy]) ch.setVariable('pre', 'p');
    for (const [k, v] of Object.entries(owedSet)) eager.setVariable(k, v);
    lazy.deferVariables({ names: new Set(Object.keys(owedSet)), value: (n: string) => owedSet[n] });
    const writes: Array<[string, string | undefined]> = [['b', 'two'], ['pre', undefined], ['d', '4'], ['a', ''], ['e', '5']];
    for (let i = 0; i < 70; i++) writes.push([`n${i}`, String(i)]); // past the bound: the queue is paid
    for (const [k, v] of writes.slice(0, 5)) {
      eager.setVariable(k, v);
      lazy.setVariable(k, v);
      for (const n of ['a', 'b', 'c', 'd', 'e', 'pre']) expect(lazy.getLocalVariable(n), `${k} then ${n}`).toBe(eager.getLocalVariable(n));
    }
    expect(lazy.getLocalVariable('b')).toBe('two');
    expect(lazy.getLocalVariable('pre')).toBeUndefined();
    expect(lazy.getLocalVariable('a')).toBeUndefined();
    for (const [k, v] of writes.slice(5)) {
      eager.setVariable(k, v);
      lazy.setVariable(k, v);
    }
    const mine = (ch: typeof eager) => [...ch.variables()].filter(([k]) => /^([a-e]|pre|n\d+)$/.test(k));
    expect(mine(lazy)).toEqual(mine(eager));
    expect(mine(lazy).slice(0, 4).map(([k]) => k)).toEqual(['b', 'c', 'd', 'e']);
  });
});
