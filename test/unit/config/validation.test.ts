import { describe, expect, it } from 'vitest';
import { loadConfigSync, type ConfigProblem } from '../../../src/config';
import { FAKE_INTERFACES, catchConfigError, makeConf, profileXml } from './helpers';

const load = (confDir: string, overrides: Record<string, string> = {}) =>
  loadConfigSync({ confDir, overrides, interfaces: FAKE_INTERFACES, logWarnings: false });

const errorsOf = (confDir: string): ConfigProblem[] => {
  const e = catchConfigError(() => load(confDir));
  expect(e.code).toBe('CONFIG_INVALID');
  return (e.details?.errors ?? []) as ConfigProblem[];
};

describe('profile validation (XML)', () => {
  it('unknown param: file, line, name and a suggestion', () => {
    const conf = makeConf({ 'sip_profiles/internal.xml': profileXml('internal', 5060, '    <param name="sip-prot" value="5061"/>\n') });
    const e = catchConfigError(() => load(conf));
    expect(e.message).toMatch(/sip_profiles\/internal\.xml:5: unknown param "sip-prot" \(did you mean "sip-port"\?\)/);
  });

  it('collects every error of a file, each with its own line', () => {
    const extra = [
      '    <param name="auth-calls" value="maybe"/>', // 5
      '    <param name="inbound-codec-negotiation" value="stingy"/>', // 6
      '    <param name="apply-inbound-acl" value="10.0.0.0/33"/>', // 7
      '    <param name="apply-nat-acl" value="no-such-list"/>', // 8
      '    <param name="rfc2833-pt" value="200"/>', // 9
      '    <param name="dtmf-type" value="inband"/>', // 10
      '    <param name="inbound-codec-prefs" value="PCMU,,PCMA"/>', // 11
      '    <param name="ext-rtp-ip" value="stun:stun.example.com"/>', // 12
      '    <param name="session-timeout" value="30"/>', // 13
      '    <param name="sip-ip" value="pbx.example.com"/>', // 14
      '',
    ].join('\n');
    const conf = makeConf({ 'sip_profiles/internal.xml': profileXml('internal', 'abc', extra) });
    const errs = errorsOf(conf);
    const byLine = new Map(errs.map((p) => [p.line, p.message]));
    expect(byLine.get(4)).toMatch(/param "sip-port": "abc" is not a port number/);
    expect(byLine.get(5)).toMatch(/param "auth-calls": "maybe" is not a boolean/);
    expect(byLine.get(6)).toMatch(/"stingy" is not one of generous, greedy, scrooge/);
    expect(byLine.get(7)).toMatch(/invalid prefix length/);
    expect(byLine.get(8)).toMatch(/unknown ACL "no-such-list"/);
    expect(byLine.get(9)).toMatch(/200 is out of range \(96-127\)/);
    expect(byLine.get(10)).toMatch(/"inband" is not one of rfc2833, info, none/);
    expect(byLine.get(11)).toMatch(/empty entry in codec list/);
    expect(byLine.get(12)).toMatch(/Strowger does not do/);
    expect(byLine.get(13)).toMatch(/RFC 4028 minimum of 90/);
    expect(byLine.get(14)).toMatch(/not an IP address/);
    expect(errs).toHaveLength(11);
    expect(errs.every((p) => p.file.endsWith('sip_profiles/internal.xml'))).toBe(true);
  });

  it('ports: out of range is an error, "auto" means any free port', () => {
    expect(errorsOf(makeConf({ 'sip_profiles/a.xml': profileXml('a', 70000) }))[0]!.message).toMatch(/port 70000 is out of range/);
    const c = load(makeConf({ 'sip_profiles/a.xml': profileXml('a', 'auto') }));
    expect(c.profiles[0]!.sipPort).toBe(0);
  });

  it('duplicate sip-ip:sip-port across profiles, duplicate profile names', () => {
    const conf = makeConf({
      'sip_profiles/a.xml': profileXml('a', 5070),
      'sip_profiles/b.xml': profileXml('b', 5070),
      'sip_profiles/c.xml': profileXml('a', 5071),
    });
    const errs = errorsOf(conf);
    expect(errs.find((p) => p.file.endsWith('b.xml'))?.message).toMatch(/sip-port 5070 on 127.0.0.1 is already used by profile "a"/);
    expect(errs.find((p) => p.file.endsWith('b.xml'))?.line).toBe(4);
    expect(errs.find((p) => p.file.endsWith('c.xml'))?.message).toMatch(/profile "a" is defined twice/);
  });

  it('same port on different IPs is fine', () => {
    const conf = makeConf({
      'sip_profiles/a.xml': profileXml('a', 5070),
      'sip_profiles/b.xml': profileXml('b', 5070).replace('127.0.0.1', '127.0.0.2'),
    });
    expect(load(conf).profiles.map((p) => `${p.sipIp}:${p.sipPort}`)).toEqual(['127.0.0.1:5070', '127.0.0.2:5070']);
  });

  it('unexpected elements are errors, not silently ignored', () => {
    const conf = makeConf({ 'sip_profiles/a.xml': '<profile name="a">\n  <setting/>\n  <settings><parm name="x" value="1"/></settings>\n</profile>' });
    const msgs = errorsOf(conf).map((p) => `${p.line}: ${p.message}`);
    expect(msgs).toEqual([
      expect.stringMatching(/^2: unexpected <setting> in profile "a"/),
      expect.stringMatching(/^3: unexpected <parm> in <settings>/),
    ]);
  });

  it('defaults, boolean vocabulary, deprecated and ignored params', () => {
    const extra = [
      '    <param name="auth-calls" value="on"/>',
      '    <param name="sip-trace" value="no"/>',
      '    <param name="rtp-timeout-sec" value="300"/>',
      '    <param name="rtp-timer-name" value="soft"/>',
      '    <param name="NDLB-force-rport" value="safe"/>',
      '    <param name="multiple-registrations" value="true"/>',
      '    <param name="rtp-ip" value="127.0.0.1"/>',
      '    <param name="rtp-ip" value="127.0.0.2"/>',
      '    <param name="sip-ip" value="0.0.0.0"/>',
      '    <param name="local-network-acl" value="none"/>',
      '',
    ].join('\n');
    const c = load(makeConf({ 'sip_profiles/a.xml': profileXml('a', 5070, extra) }));
    const p = c.profiles[0]!;
    expect(p.authCalls).toBe(true);
    expect(p.sipTrace).toBe(false);
    expect(p.mediaTimeoutMs).toBe(300_000);
    expect(p.mediaHoldTimeoutMs).toBe(3_000_000); // 10 x when only the normal timeout is set
    expect(p.ndlbForceRport).toBe('safe');
    expect(p.multipleRegistrations).toBe('contact');
    expect(p.rtpIps).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(p.sipIp).toBe('192.168.1.10'); // 0.0.0.0 replaced by local_ip_v4, as FreeSWITCH does
    expect(p.localNetworkAcl).toEqual([]);
    // code defaults
    expect(p.context).toBe('default');
    expect(p.inboundCodecNegotiation).toBe('generous');
    expect(p.authFailMax).toBe(5);
    expect(p.authBanTime).toBe(300);
    expect(p.nonceTtl).toBe(60);
    expect(p.registrationDbPath.endsWith('/data/sofia_reg_a.db')).toBe(true);
    expect(c.warnings.some((w) => w.includes('"rtp-timeout-sec" is deprecated'))).toBe(true);
    expect(c.warnings.some((w) => w.includes('"rtp-timer-name"') && w.includes('not implemented'))).toBe(true);
    expect(c.warnings.some((w) => w.includes('0.0.0.0 is not allowed'))).toBe(true);
  });

  it('switch.conf and event_socket.conf are validated too', () => {
    const conf = makeConf({
      'autoload_configs/switch.conf.xml':
        '<configuration name="switch.conf">\n<settings>\n<param name="rtp-start-port" value="30000"/>\n<param name="rtp-end-port" value="20000"/>\n<param name="max-sesions" value="5"/>\n</settings>\n</configuration>',
      'autoload_configs/event_socket.conf.xml':
        '<configuration name="event_socket.conf">\n<settings>\n<param name="listen-port" value="-1"/>\n</settings>\n</configuration>',
    });
    const msgs = errorsOf(conf).map((p) => p.message);
    expect(msgs).toContainEqual(expect.stringMatching(/unknown param "max-sesions" \(did you mean "max-sessions"\?\)/));
    expect(msgs).toContainEqual(expect.stringMatching(/rtp-start-port \(30000\) must be below rtp-end-port \(20000\)/));
    expect(msgs).toContainEqual(expect.stringMatching(/listen-port.*not a port number/));
  });

  it('switch.conf: relative data-dir resolves against the conf parent; cdr-dir defaults under it', () => {
    const conf = makeConf({
      'autoload_configs/switch.conf.xml':
        '<configuration name="switch.conf"><settings><param name="data-dir" value="state"/><param name="loglevel" value="warning"/></settings></configuration>',
      'sip_profiles/a.xml': profileXml('a', 5070),
    });
    const c = load(conf);
    const base = conf.slice(0, -'/conf'.length);
    expect(c.switch.dataDir).toBe(`${base}/state`);
    expect(c.switch.cdrDir).toBe(`${base}/state/cdr`);
    expect(c.switch.loglevel).toBe('warn');
    expect(c.profiles[0]!.registrationDbPath).toBe(`${base}/state/sofia_reg_a.db`);
  });
});

describe('validation (JSON)', () => {
  it('unknown param and bad value report the line of the key', () => {
    const json = ['{', '  "profile": {', '    "name": "j",', '    "settings": {', '      "sip-port": 5070,', '      "sip-prot": 1,', '      "auth-calls": "perhaps"', '    }', '  }', '}'].join('\n');
    const errs = errorsOf(makeConf({ 'sip_profiles/j.json': json }));
    expect(errs.map((p) => `${p.line}: ${p.message}`)).toEqual([
      expect.stringMatching(/^6: unknown param "sip-prot" \(did you mean "sip-port"\?\)/),
      expect.stringMatching(/^7: param "auth-calls": "perhaps" is not a boolean/),
    ]);
    expect(errs[0]!.file.endsWith('sip_profiles/j.json')).toBe(true);
  });

  it('malformed JSON reports file:line:col', () => {
    const e = catchConfigError(() => load(makeConf({ 'sip_profiles/j.json': '{\n  "profile": {\n    "name": "j",\n  }\n}' })));
    expect(e.message).toMatch(/sip_profiles\/j\.json:4:3: expected a "quoted" object key/);
  });

  it('duplicate keys are an error (JSON.parse would keep the last silently)', () => {
    const e = catchConfigError(() => load(makeConf({ 'sip_profiles/j.json': '{"profile": {"name": "j",\n "name": "k"}}' })));
    expect(e.message).toMatch(/j\.json:2:\d+: duplicate key "name"/);
  });

  it('structural mistakes name the line', () => {
    const e = catchConfigError(() => load(makeConf({ 'sip_profiles/j.json': '{"profile": {"name": "j",\n "settings": {"sip-port": null}}}' })));
    expect(e.message).toMatch(/j\.json:2: .*sip-port/);
  });
});
