import { describe, expect, it } from 'vitest';
import { findGateway, findProfile, isValidGatewayName, loadConfigSync, reloadConfig, type ConfigProblem } from '../../../src/config';
import { FAKE_INTERFACES, catchConfigError, makeConf, profileXml } from './helpers';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const load = (confDir: string) => loadConfigSync({ confDir, interfaces: FAKE_INTERFACES, logWarnings: false });

const withGateways = (name: string, port: number, gateways: string) =>
  profileXml(name, port).replace('<settings>', `<gateways>\n${gateways}  </gateways>\n  <settings>`);

describe('gateway names', () => {
  it.each([
    ['gw1', true],
    ['sip.example.com', true],
    ['my_trunk-2', true],
    ['', false],
    ['bad name', false],
    ['a/b', false],
    ['ünïcode', false],
    ['x'.repeat(129), false],
  ])('%j -> %s', (n, ok) => expect(isValidGatewayName(n)).toBe(ok));
});

describe('gateways', () => {
  it('derives realm/proxy/from-* defaults as FreeSWITCH does (§2.1)', () => {
    const conf = makeConf({
      'sip_profiles/external.xml': withGateways(
        'external',
        5080,
        `    <gateway name="trunk">
      <param name="username" value="alice"/>
      <param name="password" value="pw"/>
      <param name="proxy" value="127.0.0.50:5060"/>
      <param name="ping" value="25"/>
      <variables>
        <variable name="inbound_only" value="1" direction="inbound"/>
        <variable name="both_ways" value="2"/>
      </variables>
    </gateway>
    <gateway name="noreg.example">
      <param name="register" value="false"/>
    </gateway>
`,
      ),
    });
    const c = load(conf);
    const gw = findGateway(c, 'trunk')!;
    expect(gw).toMatchObject({
      profile: 'external',
      username: 'alice',
      authUsername: 'alice',
      realm: '127.0.0.50:5060',
      proxy: '127.0.0.50:5060',
      registerProxy: '127.0.0.50:5060',
      fromUser: 'alice',
      fromDomain: '127.0.0.50:5060',
      register: true,
      registerTransport: 'udp',
      expireSeconds: 3600,
      retrySeconds: 30,
      timeoutSeconds: 60,
      extension: 'alice',
      extensionExplicit: false,
      ping: 25,
      scheme: 'Digest',
    });
    expect(gw.variables).toEqual([
      { name: 'inbound_only', value: '1', direction: 'inbound' },
      { name: 'both_ways', value: '2', direction: 'both' },
    ]);
    const noreg = findGateway(c, 'noreg.example')!;
    expect(noreg).toMatchObject({ register: false, username: 'FreeSWITCH', realm: 'noreg.example', proxy: 'noreg.example' });
    expect(findProfile(c, 'external')!.gateways.map((g) => g.name)).toEqual(['trunk', 'noreg.example']);
  });

  it('validates: required credentials, bad name, bad values, unique across profiles', () => {
    const conf = makeConf({
      'sip_profiles/a.xml': withGateways(
        'a',
        5070,
        `    <gateway name="gw1">
      <param name="register" value="true"/>
    </gateway>
    <gateway name="bad name"/>
    <gateway name="gw2">
      <param name="register" value="false"/>
      <param name="expire-seconds" value="2"/>
      <param name="ping" value="3"/>
      <param name="register-transport" value="sctp"/>
      <param name="usename" value="x"/>
    </gateway>
`,
      ),
      'sip_profiles/b.xml': withGateways('b', 5071, '    <gateway name="gw2"><param name="register" value="false"/></gateway>\n'),
    });
    const e = catchConfigError(() => load(conf));
    const msgs = (e.details!.errors as ConfigProblem[]).map((p) => p.message);
    expect(msgs).toContainEqual(expect.stringMatching(/gateway "gw1": param "username" is required when register=true/));
    expect(msgs).toContainEqual(expect.stringMatching(/gateway "gw1": param "password" is required/));
    expect(msgs).toContainEqual(expect.stringMatching(/gateway name "bad name" is invalid/));
    expect(msgs).toContainEqual(expect.stringMatching(/"expire-seconds": 2 is too small/));
    expect(msgs).toContainEqual(expect.stringMatching(/"ping": 3 is too small/));
    expect(msgs).toContainEqual(expect.stringMatching(/"register-transport": "sctp" is not one of udp, tcp, tls/));
    expect(msgs).toContainEqual(expect.stringMatching(/unknown param "usename" \(did you mean "username"\?\)/));
    // gw2 of profile a is invalid, so b's gw2 is the only one: no duplicate reported for it.
    expect(msgs.filter((m) => m.includes('defined twice'))).toEqual([]);
  });

  it('the same gateway name in two profiles is an error', () => {
    const gw = '    <gateway name="dup"><param name="register" value="false"/></gateway>\n';
    const conf = makeConf({ 'sip_profiles/a.xml': withGateways('a', 5070, gw), 'sip_profiles/b.xml': withGateways('b', 5071, gw) });
    expect(catchConfigError(() => load(conf)).message).toMatch(/b\.xml:\d+: gateway "dup" is defined twice \(also in profile "a"/);
  });

  it('gateway files included from a folder, XML and JSON, and the JSON params form', () => {
    const conf = makeConf({
      'sip_profiles/external.xml': withGateways('external', 5080, '    <X-PRE-PROCESS cmd="include" data="external/*.xml"/>\n'),
      'sip_profiles/external/a.xml': '<include><gateway name="a"><param name="register" value="false"/></gateway></include>',
      'sip_profiles/external/b.json': '{ "gateway": { "name": "b", "params": { "register": false, "extension": "5000" } } }',
    });
    const c = load(conf);
    expect(c.profiles[0]!.gateways.map((g) => [g.name, g.extension, g.extensionExplicit])).toEqual([
      ['a', 'FreeSWITCH', false],
      ['b', '5000', true],
    ]);
  });

  it('<domain parse="true"> loads gateways declared inside directory users', () => {
    const conf = makeConf({
      'sip_profiles/external.xml': profileXml('external', 5080).replace(
        '<settings>',
        '<domains><domain name="all" alias="false" parse="true"/></domains>\n  <settings>',
      ),
      'directory/d.xml': `<domain name="d.test"><users><user id="1000">
  <gateways><gateway name="user-gw"><param name="register" value="false"/></gateway></gateways>
</user></users></domain>`,
    });
    expect(findGateway(load(conf), 'user-gw')?.profile).toBe('external');
  });

  it('reloadConfig reports added, removed and changed gateways and profiles', () => {
    const conf = makeConf({
      'sip_profiles/a.xml': withGateways('a', 5070, '    <gateway name="g1"><param name="register" value="false"/></gateway>\n'),
    });
    const first = load(conf);
    writeFileSync(
      join(conf, 'sip_profiles/a.xml'),
      withGateways('a', 5070, '    <gateway name="g2"><param name="register" value="false"/></gateway>\n'),
    );
    writeFileSync(join(conf, 'sip_profiles/b.xml'), profileXml('b', 5071));
    const r = reloadConfig(first);
    expect(r.gateways).toEqual({ added: ['g2'], removed: ['g1'], changed: [] });
    expect(r.profiles).toEqual({ added: ['b'], removed: [], changed: ['a'] });
    const again = reloadConfig(r.config);
    expect(again.profiles).toEqual({ added: [], removed: [], changed: [] });
  });
});
