import { describe, expect, it } from 'vitest';
import { loadConfigSync } from '../../../src/config';
import { expandGlobals } from '../../../src/config/globals';
import { wildcardMatch } from '../../../src/config/include-glob';
import { FAKE_INTERFACES, catchConfigError, makeConf } from './helpers';

const load = (confDir: string, overrides: Record<string, string> = {}) =>
  loadConfigSync({ confDir, overrides, interfaces: FAKE_INTERFACES, logWarnings: false, env: { MY_ENV: 'from-env' } });

const ctx = (name: string, body: string) => `<include>\n  <context name="${name}">\n${body}  </context>\n</include>\n`;

describe('expandGlobals', () => {
  it('expands $${x}, leaves ${x} and reports undefined names', () => {
    const g = new Map([['a', '1'], ['b', 'two']]);
    const r = expandGlobals('x=$${a} y=${a} z=$${b}$${nope}!', g);
    expect(r.text).toBe('x=1 y=${a} z=two!');
    expect(r.undefinedNames).toEqual(['nope']);
    expect(expandGlobals('tail $${open', g)).toMatchObject({ text: 'tail $${open', unterminated: true });
  });
});

describe('wildcardMatch', () => {
  it.each([
    ['*.xml', 'a.xml', true],
    ['*.xml', 'a.xmlx', false],
    ['a?c*', 'abcdef', true],
    ['*a*b*c', 'xxaxxbxxc', true],
    ['*a*b*c', 'xxaxxcxxb', false],
    ['1*.xml', '1000.xml', true],
  ])('%s vs %s', (p, n, ok) => expect(wildcardMatch(p, n)).toBe(ok));

  it('stays linear on a pathological pattern', () => {
    const t0 = performance.now();
    expect(wildcardMatch('*a*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('preprocessor', () => {
  it('set applies in document order; later sets do not rewrite earlier lines', () => {
    const conf = makeConf({
      'vars.xml': '<include>\n<X-PRE-PROCESS cmd="set" data="a=first"/>\n</include>\n',
      'dialplan/x.xml': ctx(
        'c',
        '    <extension name="$${a}"/>\n    <X-PRE-PROCESS cmd="set" data="a=second"/>\n    <extension name="$${a}"/>\n    <extension name="${a}"/>\n',
      ),
    });
    const c = load(conf);
    expect(c.dialplan[0]!.children.map((e) => e.attrs.name)).toEqual(['first', 'second', '${a}']);
    expect(c.globals.get('a')).toBe('second');
  });

  it('set value may contain "=" and $${} of earlier globals', () => {
    const conf = makeConf({
      'vars.xml':
        '<include>\n<X-PRE-PROCESS cmd="set" data="host=h1"/>\n<X-PRE-PROCESS cmd="set" data="url=sip:$${host};x=1"/>\n</include>\n',
    });
    expect(load(conf).globals.get('url')).toBe('sip:h1;x=1');
  });

  it('an undefined $${var} becomes "" with a warning naming file:line', () => {
    const conf = makeConf({ 'dialplan/x.xml': ctx('c', '    <extension name="pre-$${missing}-post"/>\n') });
    const c = load(conf);
    expect(c.dialplan[0]!.children[0]!.attrs.name).toBe('pre--post');
    expect(c.warnings.some((w) => w.includes('dialplan/x.xml:3:') && w.includes('$${missing}'))).toBe(true);
  });

  it('--set overrides beat built-ins and set lines in vars.xml', () => {
    const conf = makeConf({
      'vars.xml':
        '<include>\n<X-PRE-PROCESS cmd="set" data="domain=$${local_ip_v4}"/>\n<X-PRE-PROCESS cmd="set" data="default_password=1234"/>\n</include>\n',
    });
    const auto = load(conf);
    expect(auto.globals.get('local_ip_v4')).toBe('192.168.1.10'); // first non-internal IPv4
    expect(auto.globals.get('domain')).toBe('192.168.1.10');
    const over = load(conf, { local_ip_v4: '127.0.0.1', default_password: 's3cret' });
    expect(over.globals.get('domain')).toBe('127.0.0.1');
    expect(over.globals.get('default_password')).toBe('s3cret');
  });

  it('built-in globals: hostname, base_dir, conf_dir, data_dir', () => {
    const conf = makeConf({});
    const g = load(conf).globals;
    expect(g.get('conf_dir')).toBe(conf);
    expect(g.get('base_dir')).toBe(conf.slice(0, -'/conf'.length));
    expect(g.get('data_dir')).toBe(`${g.get('base_dir')}/data`);
    expect(g.get('hostname')?.length).toBeGreaterThan(0);
    expect(g.get('local_ip_v6')).toBe('::1');
  });

  it('env-set reads the environment', () => {
    const conf = makeConf({ 'vars.xml': '<include><X-PRE-PROCESS cmd="env-set" data="e=MY_ENV"/></include>' });
    expect(load(conf).globals.get('e')).toBe('from-env');
  });

  it('include: relative to the including file, glob sorted, nested, JSON picked up by *.xml', () => {
    const conf = makeConf({
      'dialplan/main.xml': ctx('c', '    <X-PRE-PROCESS cmd="include" data="parts/*.xml"/>\n    <extension name="last"/>\n'),
      'dialplan/parts/20-b.xml': '<include><extension name="b"/><X-PRE-PROCESS cmd="include" data="deeper/one.xml"/></include>',
      'dialplan/parts/10-a.xml': '<extension name="a"/>',
      'dialplan/parts/15-j.json': '{ "extension": [ { "name": "j1" }, { "name": "j2" } ] }',
      'dialplan/parts/deeper/one.xml': '<include><extension name="deep"/></include>',
      'dialplan/parts/.hidden.xml': '<extension name="hidden"/>',
      'dialplan/parts/notes.txt': 'not xml',
    });
    const c = load(conf);
    expect(c.dialplan).toHaveLength(1);
    expect(c.dialplan[0]!.children.map((e) => e.attrs.name)).toEqual(['a', 'j1', 'j2', 'b', 'deep', 'last']);
    const deep = c.dialplan[0]!.children[4]!;
    expect(deep.file.endsWith('dialplan/parts/deeper/one.xml')).toBe(true);
    expect(deep.line).toBe(1);
  });

  it('keeps file and line of every node, including included ones', () => {
    const conf = makeConf({ 'dialplan/a.xml': '<include>\n\n  <context name="c">\n    <extension\n      name="x"/>\n  </context>\n</include>\n' });
    const ctxNode = load(conf).dialplan[0]!;
    expect(ctxNode.line).toBe(3);
    expect(ctxNode.children[0]!.line).toBe(4);
  });

  it('X-PRE-PROCESS inside a comment is ignored', () => {
    const conf = makeConf({ 'vars.xml': '<include>\n<!-- <X-PRE-PROCESS cmd="set" data="x=1"/> -->\n</include>' });
    expect(load(conf).globals.has('x')).toBe(false);
  });

  it('a missing literal include, an include cycle, exec and unknown cmds are errors', () => {
    const missing = makeConf({ 'dialplan/a.xml': ctx('c', '    <X-PRE-PROCESS cmd="include" data="nope.xml"/>\n') });
    expect(catchConfigError(() => load(missing)).message).toMatch(/dialplan\/a\.xml:3: include: no such file/);

    const cycle = makeConf({
      'dialplan/a.xml': ctx('c', '    <X-PRE-PROCESS cmd="include" data="b.inc"/>\n'),
      'dialplan/b.inc': '<include><X-PRE-PROCESS cmd="include" data="b.inc"/></include>',
    });
    expect(catchConfigError(() => load(cycle)).message).toMatch(/include cycle: .*b\.inc -> .*b\.inc/);

    const exec = makeConf({ 'vars.xml': '<include>\n<X-PRE-PROCESS cmd="exec-set" data="x=whoami"/>\n<X-PRE-PROCESS cmd="bogus" data="x"/>\n</include>' });
    const e = catchConfigError(() => load(exec));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/vars\.xml:2: X-PRE-PROCESS cmd="exec-set" is not supported/);
    expect(e.message).toMatch(/vars\.xml:3: X-PRE-PROCESS: unknown cmd "bogus"/);
  });

  it('both x.xml and x.json in one folder is ambiguous', () => {
    const conf = makeConf({ 'dialplan/x.xml': ctx('a', ''), 'dialplan/x.json': '{"context": {"name": "b"}}' });
    expect(catchConfigError(() => load(conf)).message).toMatch(/both .*dialplan\/x\.xml and \.json exist/);
  });

  it('malformed XML reports file:line:col', () => {
    const conf = makeConf({ 'dialplan/bad.xml': '<include>\n  <context name="c">\n    <extension name="x">\n  </context>\n</include>\n' });
    const e = catchConfigError(() => load(conf));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.message).toMatch(/dialplan\/bad\.xml:4:\d+: unexpected close tag/);
  });

  it('never resolves external entities (no XXE)', () => {
    const conf = makeConf({ 'dialplan/x.xml': '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<context name="&e;"/>' });
    expect(catchConfigError(() => load(conf)).message).toMatch(/x\.xml:2:\d+: undefined entity/);
  });

  it('a missing conf folder is CONFIG_NOT_FOUND', () => {
    expect(catchConfigError(() => load('/nonexistent/strowger-conf')).code).toBe('CONFIG_NOT_FOUND');
  });
});
