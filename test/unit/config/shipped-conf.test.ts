import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDefaultPassword, checkAclRefs, loadConfig, loadConfigSync, type StrowgerConfig } from '../../../src/config';
import { Directory } from '../../../src/directory';
import { FAKE_INTERFACES } from './helpers';

const ROOT = resolve(__dirname, '../../..');
const CONF = resolve(ROOT, 'conf');
const JSON_CONF = resolve(ROOT, 'test/fixtures/config/json-conf');

const loadShipped = (overrides: Record<string, string> = { local_ip_v4: '127.0.0.1' }) =>
  loadConfigSync({ confDir: CONF, overrides, interfaces: FAKE_INTERFACES, logWarnings: false });

describe('the shipped conf/', () => {
  it('loads without errors or warnings with --set local_ip_v4=127.0.0.1', async () => {
    const c = await loadConfig({ confDir: CONF, overrides: { local_ip_v4: '127.0.0.1' }, interfaces: FAKE_INTERFACES, logWarnings: false });
    expect(c.warnings).toEqual([]);
    const internal = c.profiles.find((p) => p.name === 'internal')!;
    const external = c.profiles.find((p) => p.name === 'external')!;
    expect([internal.sipIp, internal.sipPort]).toEqual(['127.0.0.1', 5060]);
    expect([external.sipIp, external.sipPort]).toEqual(['127.0.0.1', 5080]);
    expect(c.globals.get('domain')).toBe('127.0.0.1');
    expect(c.globals.get('domain_name')).toBe('127.0.0.1');
  });

  it('has vanilla-like profiles', () => {
    const c = loadShipped();
    const internal = c.profiles.find((p) => p.name === 'internal')!;
    expect(internal).toMatchObject({
      authCalls: true,
      context: 'public',
      challengeRealm: 'auto_from',
      forceRegisterDomain: '127.0.0.1',
      forceRegisterDbDomain: '127.0.0.1',
      inboundRegForceMatchingUsername: true,
      inboundCodecPrefs: 'OPUS,G722,PCMU,PCMA',
      inboundLateNegotiation: true,
      extRtpIp: '127.0.0.1',
      aliases: ['127.0.0.1'], // domains all alias=true
      mediaTimeoutMs: 300_000,
      authFailMax: 5,
      authFailWindow: 60,
      authBanTime: 300,
    });
    expect(internal.applyInboundAcl.map((r) => r.list)).toEqual(['domains']);
    expect(internal.applyNatAcl.map((r) => r.list)).toEqual(['nat.auto']);
    const external = c.profiles.find((p) => p.name === 'external')!;
    expect(external).toMatchObject({ authCalls: false, context: 'public', aliases: [], gateways: [] });
    expect(external.domains).toEqual([{ name: 'all', alias: false, parse: true }]);
    expect(c.switch).toMatchObject({ rtpStartPort: 16384, rtpEndPort: 32768, maxSessions: 1000, sessionsPerSecond: 30, loglevel: 'info' });
    expect(c.eventSocket).toMatchObject({ listenIp: '127.0.0.1', listenPort: 8021, password: 'ClueCon' });
  });

  it('without the override, local_ip_v4 is auto-detected and flows into domain and sip-ip', () => {
    const c = loadShipped({});
    expect(c.globals.get('local_ip_v4')).toBe('192.168.1.10');
    expect(c.globals.get('domain')).toBe('192.168.1.10');
    expect(c.profiles.every((p) => p.sipIp === '192.168.1.10')).toBe(true);
  });

  it('has 20 users 1000-1019 in the default domain, with vanilla variables', () => {
    const c = loadShipped();
    const dir = Directory.fromConfig(c.directory, { defaultDomain: c.globals.get('domain'), acls: c.acls });
    expect(dir.warnings).toEqual([]);
    const domain = dir.getDomain('127.0.0.1')!;
    expect([...domain.users.keys()]).toEqual(Array.from({ length: 20 }, (_, i) => String(1000 + i)));
    const u = dir.lookupUser('1019', '127.0.0.1')!;
    expect(u.password).toBe('1234');
    expect(u.variables.get('user_context')).toBe('default');
    expect(u.variables.get('effective_caller_id_name')).toBe('Extension 1019');
    expect(u.variables.get('effective_caller_id_number')).toBe('1019');
    expect(u.variables.get('accountcode')).toBe('1019');
    expect(u.variables.get('toll_allow')).toBe('domestic,international,local');
    expect(u.variables.get('default_gateway')).toBe('example.com'); // from the domain
    expect(dir.groupMembers('sales').map((x) => x.id)).toEqual(['1000', '1001', '1002', '1003', '1004']);
  });

  it('warns loudly while default_password is 1234, and not once it is changed', () => {
    const warning = checkDefaultPassword(loadShipped());
    expect(warning).toMatch(/default_password is still "1234" \(20 directory user\(s\) use it\)/);
    expect(warning).toMatch(/vars\.xml/);
    expect(checkDefaultPassword(loadShipped({ local_ip_v4: '127.0.0.1', default_password: 'Zx9-long-secret' }))).toBeUndefined();
  });

  it('the "domains" ACL holds directory users with a cidr (none by default) and denies others', () => {
    const c = loadShipped();
    const internal = c.profiles.find((p) => p.name === 'internal')!;
    expect(c.acls.get('domains')!.nodes).toEqual([]);
    expect(checkAclRefs(internal.applyInboundAcl, c.acls, '127.0.0.1').allowed).toBe(false);
  });
});

/** The parts of a config that must not depend on XML vs JSON or on where the folder lives. */
function comparable(c: StrowgerConfig) {
  const base = c.globals.get('base_dir')!;
  const rel = (p: string) => p.replace(base, '<base>');
  return {
    profiles: c.profiles.map(({ source: _s, registrationDbPath, gateways, ...p }) => ({
      ...p,
      registrationDbPath: rel(registrationDbPath),
      gateways: gateways.map(({ source: _g, ...g }) => g),
    })),
    switch: { ...c.switch, dataDir: rel(c.switch.dataDir), cdrDir: rel(c.switch.cdrDir) },
    eventSocket: c.eventSocket,
    acls: [...c.acls.values()],
    globals: [...c.globals].filter(([k]) => !k.endsWith('_dir') && k !== 'sound_prefix'),
  };
}

function directoryModel(c: StrowgerConfig) {
  const dir = Directory.fromConfig(c.directory, { defaultDomain: c.globals.get('domain') });
  return dir.domains().map((d) => ({
    name: d.name,
    params: [...d.params],
    variables: [...d.variables],
    groups: [...d.groups],
    users: [...d.users.values()].map(({ source: _s, params, variables, ...u }) => ({ ...u, params: [...params], variables: [...variables] })),
  }));
}

describe('JSON configuration', () => {
  it('the JSON fixture loads into the same model as the shipped XML', () => {
    const xml = loadShipped();
    const json = loadConfigSync({ confDir: JSON_CONF, overrides: { local_ip_v4: '127.0.0.1' }, interfaces: FAKE_INTERFACES, logWarnings: false });
    expect(json.warnings).toEqual([]);
    expect(json.files.every((f) => f.endsWith('.json'))).toBe(true);
    expect(comparable(json)).toEqual(comparable(xml));
    expect(directoryModel(json)).toEqual(directoryModel(xml));
  });
});
