/** Loading: accepted roots, errors with file:line (all at once), warnings, load-time compilation. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStrowgerError } from '../../../src/util/errors';
import { isStaticExpression, loadDialplanFiles, type DialplanModel } from '../../../src/dialplan';

const dir = mkdtempSync(join(tmpdir(), 'strowger-dialplan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(text: string, ext = 'xml'): string {
  const f = join(dir, `t${n++}.${ext}`);
  writeFileSync(f, text);
  return f;
}

const ctx = (body: string) => `<include>\n<context name="c">\n${body}\n</context>\n</include>\n`;
const load = (text: string, ext = 'xml'): DialplanModel => loadDialplanFiles([file(text, ext)]);

function loadError(text: string, ext = 'xml'): string {
  try {
    load(text, ext);
  } catch (e) {
    expect(isStrowgerError(e, 'CONFIG_INVALID')).toBe(true);
    return (e as Error).message;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('accepted roots', () => {
  it('<section name="dialplan"> and <document> holders, several contexts per file', () => {
    const m = load('<document type="freeswitch/xml"><section name="dialplan"><context name="a"/><context name="b"/></section></document>');
    expect([...m.contexts.keys()]).toEqual(['a', 'b']);
  });

  it('several files: contexts in file order; $${globals} expanded at load', () => {
    const a = file(ctx('<extension name="x"><condition field="destination_number" expression="^$${prefix}1$"/></extension>'));
    const b = file('{ "context": { "name": "j", "extensions": [] } }', 'json');
    const m = loadDialplanFiles([a, b], { globals: { prefix: '9' } });
    expect([...m.contexts.keys()]).toEqual(['c', 'j']);
    expect(m.contexts.get('c')!.extensions[0]!.conditions[0]!.expression.source).toBe('^91$');
  });
});

describe('errors (file:line, all reported together)', () => {
  it.each([
    [ctx('<extension><condition field="destination_number" expression="^(?>1)$"/></extension>'), /:3: an atomic group/],
    [ctx('<extension><condition field="destination_number" expression="^(1$"/></extension>'), /:3: invalid regular expression/],
    [ctx('<extension><condition><action data="x"/></condition></extension>'), /:3: <action> without an application/],
    [ctx('<extension><condition wday="mon-funday"/></extension>'), /:3: wday="mon-funday"/],
    [ctx('<extension><condition time-of-day="8-17"/></extension>'), /:3: time-of-day/],
    [ctx('<extension><condition><regex field="x" expression="a++"/></condition></extension>'), /:3: a possessive quantifier/],
    [ctx('<extension><condition><action application="log" loop="x"/></condition></extension>'), /:3: loop="x" is not a whole number/],
    [ctx('<extension><condition><action application="log" loop="100000"/></condition></extension>'), /more than 1000/],
    ['<include><context/></include>', /<context> without a name/],
    ['<include><context name="a"/>\n<context name="a"/></include>', /:2: context "a" is defined twice \(first at .*:1\)/],
    ['<include><profile name="x"/></include>', /unexpected <profile> in the dialplan/],
  ])('%#', (text, want) => {
    expect(loadError(text)).toMatch(want);
  });

  it('JSON errors carry JSON line numbers', () => {
    const text = '{ "context": { "name": "c", "extensions": [\n  { "name": "x", "conditions": [\n    { "field": "destination_number", "expression": "(" } ] } ] } }';
    expect(loadError(text, 'json')).toMatch(/\.json:3: invalid regular expression/);
  });

  it('collects every error of a file at once', () => {
    const msg = loadError(ctx('<extension><condition><action/></condition></extension>\n<extension><condition hour="x"/></extension>'));
    expect(msg).toMatch(/^2 configuration errors:/);
    expect(msg).toMatch(/:3: <action> without an application/);
    expect(msg).toMatch(/:4: hour="x"/);
  });

  it('nesting deeper than 100 conditions is refused', () => {
    const deep = `${'<condition>'.repeat(101)}${'</condition>'.repeat(101)}`;
    expect(loadError(ctx(`<extension>${deep}</extension>`))).toMatch(/nested deeper than 100/);
    const ok = `${'<condition>'.repeat(100)}${'</condition>'.repeat(100)}`;
    expect(load(ctx(`<extension>${ok}</extension>`)).contexts.get('c')!.extensions).toHaveLength(1);
  });
});

describe('warnings (loadable but suspicious)', () => {
  it.each([
    ['<extension><condition feild="destination_number"/></extension>', /unknown attribute feild=/],
    ['<extension><condition break="sometimes"/></extension>', /break="sometimes" is treated as "on-false"/],
    ['<extension><condition regex="most"><regex field="a" expression="b"/></condition></extension>', /regex="most" is treated as "any"/],
    ['<extension><condition><regex field="a" expression="b"/></condition></extension>', /<regex> children are ignored without regex=/],
    ['<extension><condition field="x" regex="all"><regex field="a"/></condition></extension>', /field="x" is ignored/],
    ['<extension><condition><action application="answer" inline="true"/></condition></extension>', /"answer" cannot be executed inline/],
    ['<extension><foo/></extension>', /<foo> inside an extension is ignored/],
    ['<bar/>', /<bar> inside context "c" is ignored/],
  ])('%s', (body, want) => {
    const m = load(ctx(body));
    expect(m.warnings.some((w) => want.test(w) && w.includes('.xml:3:'))).toBe(true);
  });
});

describe('load-time compilation', () => {
  it.each([
    ['^1000$', true],
    ['^(10[01][0-9])$', true],
    ['no dollar', true],
    ['^${prefix}1$', false],
    ['^\\$5$', false],
    ['^a\\\\b$', false],
    ['a\\\\b', true],
  ])('isStaticExpression(%j) = %s', (s, want) => {
    expect(isStaticExpression(s)).toBe(want);
  });

  it('static expressions are compiled once at load; ${var} ones while hunting', () => {
    const m = load(ctx('<extension><condition field="destination_number" expression="^1$"/><condition field="destination_number" expression="^${p}1$"/></extension>'));
    const [a, b] = m.contexts.get('c')!.extensions[0]!.conditions;
    expect(a!.expression.compiled).toBeInstanceOf(RegExp);
    expect(b!.expression.compiled).toBeUndefined();
  });

  it('action defaults: loop 1, not inline, data ""; loop="0" never queues', () => {
    const m = load(ctx('<extension><condition><action application="answer"/><action application="log" loop="0"/></condition></extension>'));
    expect(m.contexts.get('c')!.extensions[0]!.conditions[0]!.actions.map(({ app, data, inline, loop }) => ({ app, data, inline, loop }))).toEqual([
      { app: 'answer', data: '', inline: false, loop: 1 },
      { app: 'log', data: '', inline: false, loop: 0 },
    ]);
  });
});
