import { describe, expect, it } from 'vitest';
import { builtinAcls, checkAcl, checkAclRefs, loadConfigSync, parseAclRefs, parseCidr, parseIp } from '../../../src/config';
import { FAKE_INTERFACES, catchConfigError, makeConf, profileXml } from './helpers';

describe('IP and CIDR parsing', () => {
  it('parses v4, v6, v4-mapped and rejects junk', () => {
    expect(parseIp('10.1.2.3')).toEqual({ family: 4, value: 0x0a010203n });
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('[2001:db8::1]')?.value).toBe(0x20010db8000000000000000000000001n);
    expect(parseIp('::ffff:10.0.0.1')?.value).toBe(0xffff0a000001n);
    for (const bad of ['10.1.2', '10.1.2.256', 'example.com', '1::2::3', '', '10.0.0.1/8']) expect(parseIp(bad)).toBeUndefined();
  });

  it('CIDRs: host bits cleared, bare IP is a host route, bad prefix rejected', () => {
    const c = parseCidr('10.1.2.3/8');
    expect(typeof c === 'object' && [c.base, c.bits]).toEqual([0x0a000000n, 8]);
    const h = parseCidr('192.0.2.7');
    expect(typeof h === 'object' && h.bits).toBe(32);
    expect(parseCidr('10.0.0.0/33')).toMatch(/invalid prefix length/);
    expect(parseCidr('10.0.0.0/')).toMatch(/invalid prefix length/);
    expect(parseCidr('fe80::/10')).toMatchObject({ family: 6, bits: 10 });
  });
});

describe('ACL evaluation', () => {
  const reg = builtinAcls('192.168.1.0/24');

  it('built-in lists behave as in FreeSWITCH', () => {
    expect(checkAcl(reg.get('rfc1918.auto')!, '172.20.1.1').allowed).toBe(true);
    expect(checkAcl(reg.get('rfc1918.auto')!, '8.8.8.8').allowed).toBe(false);
    expect(checkAcl(reg.get('wan.auto')!, '8.8.8.8').allowed).toBe(true);
    expect(checkAcl(reg.get('wan.auto')!, '10.0.0.1').allowed).toBe(false);
    expect(checkAcl(reg.get('loopback.auto')!, '127.0.0.5').allowed).toBe(true);
    expect(checkAcl(reg.get('loopback.auto')!, '::1').allowed).toBe(true);
    expect(checkAcl(reg.get('localnet.auto')!, '192.168.1.77').allowed).toBe(true);
    expect(checkAcl(reg.get('localnet.auto')!, '192.168.2.77').allowed).toBe(false);
    // nat.auto: private addresses except our own subnet (deny /24 beats allow /16)
    expect(checkAcl(reg.get('nat.auto')!, '192.168.2.77').allowed).toBe(true);
    expect(checkAcl(reg.get('nat.auto')!, '192.168.1.77').allowed).toBe(false);
    // v4-mapped v6 addresses are checked as v4
    expect(checkAcl(reg.get('loopback.auto')!, '::ffff:127.0.0.1').allowed).toBe(true);
    expect(checkAcl(reg.get('loopback.auto')!, 'garbage').allowed).toBe(false);
  });

  it('refs: names, CIDR lists, pass/fail contexts, unknown names', () => {
    const refs = parseAclRefs('loopback.auto:trusted:rejected, 10.0.0.0/8,192.0.2.1', reg, true);
    expect(refs.map((r) => [r.list, r.cidrs?.length, r.passContext, r.failContext])).toEqual([
      ['loopback.auto', undefined, 'trusted', 'rejected'],
      [undefined, 1, undefined, undefined],
      [undefined, 1, undefined, undefined],
    ]);
    expect(checkAclRefs(refs, reg, '10.9.9.9')).toMatchObject({ allowed: true, ref: refs[1] });
    expect(checkAclRefs(refs, reg, '127.0.0.1')).toMatchObject({ allowed: true, ref: { passContext: 'trusted' } });
    expect(checkAclRefs(refs, reg, '192.0.2.2').allowed).toBe(false);
    expect(() => parseAclRefs('nope', reg, false)).toThrow(/unknown ACL "nope"/);
  });

  it('acl.conf: most specific node wins, domain= nodes carry user@domain tokens', () => {
    const conf = makeConf({
      'autoload_configs/acl.conf.xml': `<configuration name="acl.conf"><network-lists>
  <list name="lan" default="allow">
    <node type="deny" cidr="192.168.42.0/24"/>
    <node type="allow" cidr="192.168.42.42/32"/>
    <node type="deny" host="10.1.0.0" mask="255.255.0.0"/>
  </list>
  <list name="domains" default="deny">
    <node type="allow" domain="d.test"/>
  </list>
</network-lists></configuration>`,
      'directory/d.xml': `<domain name="d.test"><groups><group name="g"><users>
  <user id="1001" cidr="127.0.0.3/32,127.0.0.4"/>
  <user id="1002"/>
</users></group></groups></domain>`,
      'sip_profiles/internal.xml': profileXml('internal', 5060, '    <param name="apply-inbound-acl" value="domains"/>\n'),
    });
    const c = loadConfigSync({ confDir: conf, interfaces: FAKE_INTERFACES, logWarnings: false });
    const lan = c.acls.get('lan')!;
    expect(checkAcl(lan, '192.168.42.1').allowed).toBe(false);
    expect(checkAcl(lan, '192.168.42.42').allowed).toBe(true);
    expect(checkAcl(lan, '10.1.200.1').allowed).toBe(false);
    expect(checkAcl(lan, '8.8.8.8').allowed).toBe(true);
    const domains = c.acls.get('domains')!;
    expect(checkAcl(domains, '127.0.0.3')).toEqual({ allowed: true, token: '1001@d.test' });
    expect(checkAcl(domains, '127.0.0.4')).toEqual({ allowed: true, token: '1001@d.test' });
    expect(checkAcl(domains, '127.0.0.5')).toEqual({ allowed: false });
    const internal = c.profiles[0]!;
    expect(checkAclRefs(internal.applyInboundAcl, c.acls, '127.0.0.3')).toMatchObject({ allowed: true, token: '1001@d.test' });
  });

  it('bad acl.conf entries are errors with lines', () => {
    const conf = makeConf({
      'autoload_configs/acl.conf.xml':
        '<configuration name="acl.conf">\n<network-lists>\n<list name="x" default="maybe"/>\n<list name="y">\n<node type="allow" cidr="1.2.3.4/40"/>\n<node type="allow"/>\n</list>\n</network-lists>\n</configuration>',
    });
    const e = catchConfigError(() => loadConfigSync({ confDir: conf, interfaces: FAKE_INTERFACES, logWarnings: false }));
    expect(e.message).toMatch(/acl\.conf\.xml:3: list "x": default="maybe" must be allow or deny/);
    expect(e.message).toMatch(/acl\.conf\.xml:5: list "y": "1\.2\.3\.4\/40" has an invalid prefix length/);
    expect(e.message).toMatch(/acl\.conf\.xml:6: list "y": <node> needs cidr=/);
  });
});
