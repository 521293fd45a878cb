import { describe, expect, it } from 'vitest';
import { expandVariables, substringVar, type ExpansionContext, MAX_EXPANSION_DEPTH } from '../../../src/core/expand';
import { inbound, makeCore } from './fakes';

function ctx(vars: Record<string, string>, globals: Record<string, string> = {}, apis: Record<string, (a: string) => string> = {}): ExpansionContext & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    getVariable: (n) => vars[n] ?? globals[n],
    getGlobal: (n) => globals[n],
    callApi: (name, args) => {
      calls.push(`${name}(${args})`);
      return apis[name]?.(args);
    },
  };
}

describe('variable expansion (§5.4)', () => {
  it('expands channel variables and leaves text alone', async () => {
    expect(await expandVariables('user/${dest}@${domain}', ctx({ dest: '1000', domain: 'example.com' }))).toBe('user/1000@example.com');
    expect(await expandVariables('no vars here \\d', ctx({}))).toBe('no vars here \\d');
  });
  it('unknown variables expand to empty', async () => {
    expect(await expandVariables('[${nope}]', ctx({}))).toBe('[]');
  });
  it('substrings with positive and negative offsets (FreeSWITCH semantics)', async () => {
    const c = ctx({ n: '5551234567' });
    expect(await expandVariables('${n:3}', c)).toBe('1234567');
    expect(await expandVariables('${n:0:3}', c)).toBe('555');
    expect(await expandVariables('${n:3:4}', c)).toBe('1234');
    expect(await expandVariables('${n:-4}', c)).toBe('4567');
    expect(await expandVariables('${n:-4:2}', c)).toBe('45');
    expect(await expandVariables('${n:-40}', c)).toBe('5551234567');
    expect(await expandVariables('${n:40}', c)).toBe('');
    expect(await expandVariables('${n:2:40}', c)).toBe('51234567');
    expect(substringVar('abc', 1, undefined)).toBe('bc');
  });
  it('$${global} reads globals only', async () => {
    const c = ctx({ domain: 'chan' }, { domain: 'glob' });
    expect(await expandVariables('$${domain}/${domain}', c)).toBe('glob/chan');
  });
  it('nested expansion: the inner name is expanded first', async () => {
    const c = ctx({ which: 'b', var_a: 'A', var_b: 'B' });
    expect(await expandVariables('${var_${which}}', c)).toBe('B');
  });
  it('calls APIs with expanded arguments', async () => {
    const c = ctx({ user: '1000' }, {}, { upper: (a) => a.toUpperCase(), user_data: (a) => `[${a}]` });
    expect(await expandVariables('${upper(hello ${user})}', c)).toBe('HELLO 1000');
    expect(await expandVariables('x${user_data(${user}@dom var toll_allow)}y', c)).toBe('x[1000@dom var toll_allow]y');
    expect(await expandVariables('${missing_api(1)}', c)).toBe('');
  });
  it('supports async APIs', async () => {
    const c: ExpansionContext = { getVariable: () => undefined, getGlobal: () => undefined, callApi: async (n, a) => `${n}:${a}` };
    expect(await expandVariables('${f(1)}', c)).toBe('f:1');
  });
  it('escapes: \\$ and \\\\', async () => {
    const c = ctx({ a: 'X' });
    expect(await expandVariables('\\${a} ${a} \\\\${a}', c)).toBe('${a} X \\X');
  });
  it('never re-expands a variable value (no API injection through values)', async () => {
    const c = ctx({ cid: '${evil(1)}', x: '$${secret}' }, { secret: 'S' }, { evil: () => 'PWNED' });
    expect(await expandVariables('name=${cid} ${x}', c)).toBe('name=${evil(1)} $${secret}');
    expect(c.calls).toEqual([]);
  });
  it('unterminated expressions are copied literally', async () => {
    expect(await expandVariables('abc ${def', ctx({ def: 'X' }))).toBe('abc ${def');
  });
  it('bounds nesting depth', async () => {
    const deep = '${'.repeat(MAX_EXPANSION_DEPTH + 5) + 'x' + '}'.repeat(MAX_EXPANSION_DEPTH + 5);
    const out = await expandVariables(deep, ctx({ x: 'v' }));
    expect(typeof out).toBe('string');
  });
  it('channel lookup order: variable, caller profile field, global', async () => {
    const { core } = makeCore({ globals: { domain: 'example.com', color: 'blue' } });
    const { ch } = inbound(core, '2000', { vars: { color: 'red' } });
    expect(await core.expand('${destination_number} ${caller_id_number} ${color} ${domain} ${uuid}', ch)).toBe(`2000 1000 red example.com ${ch.uuid}`);
    expect(await core.expand('${uptime(s)}', ch)).toBe('0');
    expect(await core.expand('${global_getvar(domain)}')).toBe('example.com');
    ch.hangup();
  });
});
