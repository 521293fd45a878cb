import { describe, expect, it } from 'vitest';
import { loadConfigSync, type ConfigProblem } from '../../../src/config';
import { Directory } from '../../../src/directory';
import { isStrowgerError } from '../../../src/util/errors';
import { FAKE_INTERFACES, catchConfigError, makeConf } from '../config/helpers';

function directoryFrom(files: Record<string, string>, defaultDomain?: string): Directory {
  const c = loadConfigSync({ confDir: makeConf(files), interfaces: FAKE_INTERFACES, logWarnings: false });
  return Directory.fromConfig(c.directory, { defaultDomain: defaultDomain ?? c.globals.get('domain'), acls: c.acls });
}

const DOMAIN = `<include>
<domain name="Example.TEST">
  <params>
    <param name="dial-string" value="domain-dial"/>
    <param name="shared" value="from-domain"/>
  </params>
  <variables>
    <variable name="user_context" value="domain-ctx"/>
    <variable name="level" value="domain"/>
    <variable name="only_domain" value="d"/>
  </variables>
  <users>
    <user id="2000">
      <params><param name="a1-hash" value="0123456789ABCDEF0123456789abcdef"/></params>
    </user>
  </users>
  <groups>
    <group name="staff">
      <params><param name="shared" value="from-group"/></params>
      <variables>
        <variable name="level" value="group"/>
        <variable name="only_group" value="g"/>
      </variables>
      <users>
        <user id="1000" number-alias="5551000" cidr="127.0.0.3/32" cacheable="60000">
          <params>
            <param name="password" value="pw1000"/>
          </params>
          <variables>
            <variable name="level" value="user"/>
            <variable name="level" value="user-again"/>
          </variables>
        </user>
        <user id="1001">
          <params><param name="password" value="pw1001"/></params>
        </user>
      </users>
    </group>
    <group name="sales">
      <variables><variable name="level" value="sales-group"/></variables>
      <users>
        <user id="1000" type="pointer"/>
        <user id="4242" type="pointer"/>
      </users>
    </group>
  </groups>
</domain>
</include>`;

describe('Directory', () => {
  const dir = directoryFrom({ 'directory/example.xml': DOMAIN }, 'example.test');

  it('effective params/variables: user, then its group, then the domain; first definition wins', () => {
    const u = dir.lookupUser('1000', 'example.test')!;
    expect(u.variables.get('level')).toBe('user');
    expect(u.variables.get('only_group')).toBe('g');
    expect(u.variables.get('only_domain')).toBe('d');
    expect(u.variables.get('user_context')).toBe('domain-ctx');
    expect(u.params.get('shared')).toBe('from-group');
    expect(u.params.get('dial-string')).toBe('domain-dial');
    expect(u.password).toBe('pw1000');
    expect(dir.warnings.some((w) => w.includes('variable "level" of user "1000" is defined again'))).toBe(true);
  });

  it('the group that defines a user supplies its group level, not groups that merely point at it', () => {
    const u = dir.lookupUser('1000', 'example.test')!;
    expect(u.group).toBe('staff');
    expect(u.groups).toEqual(['staff', 'sales']);
    expect(u.isPointer).toBe(false);
    expect(dir.lookupUser('1001', 'example.test')!.variables.get('level')).toBe('group');
  });

  it('users directly under the domain get domain values only', () => {
    const u = dir.lookupUser('2000', 'example.test')!;
    expect(u.group).toBeUndefined();
    expect(u.params.get('shared')).toBe('from-domain');
    expect(u.a1Hash).toBe('0123456789abcdef0123456789abcdef');
    expect(u.password).toBeUndefined();
  });

  it('domains match case-insensitively, ids exactly; number-alias only on request', () => {
    expect(dir.lookupUser('1000', 'EXAMPLE.test')?.id).toBe('1000');
    expect(dir.lookupUser('1000', 'other.test')).toBeUndefined();
    expect(dir.lookupUser('5551000', 'example.test')).toBeUndefined();
    expect(dir.lookupUser('5551000', 'example.test', { matchAlias: true })?.id).toBe('1000');
    expect(dir.lookupUser('1000')?.domain).toBe('Example.TEST'); // default domain
  });

  it('pointer users: resolved to real users for groups; an orphan pointer stays a pointer', () => {
    expect(dir.groupMembers('sales', 'example.test').map((u) => u.id)).toEqual(['1000']);
    const orphan = dir.lookupUser('4242', 'example.test')!;
    expect(orphan.isPointer).toBe(true);
    expect(orphan.password).toBeUndefined();
    expect(dir.warnings.some((w) => w.includes('pointer user "4242"'))).toBe(true);
  });

  it('cidr attribute, raw attributes, user_data', () => {
    const u = dir.lookupUser('1000', 'example.test')!;
    expect(u.cidrs.map((c) => c.text)).toEqual(['127.0.0.3/32']);
    expect(dir.userData('1000@example.test', 'attr', 'cacheable')).toBe('60000');
    expect(dir.userData('1000@example.test', 'param', 'password')).toBe('pw1000');
    expect(dir.userData('1001@example.test', 'var', 'level')).toBe('group');
    expect(dir.userData('5551000@example.test', 'var', 'level')).toBe('user');
    expect(dir.userData('1001', 'var', 'only_domain')).toBe('d');
    expect(dir.userData('9999@example.test', 'var', 'level')).toBeUndefined();
    expect(dir.userData('1000@example.test', 'var', 'nope')).toBeUndefined();
  });

  it('requireUser throws NOT_FOUND with the FreeSWITCH hint', () => {
    let err: unknown;
    try {
      dir.requireUser('1000', 'nowhere.test');
    } catch (e) {
      err = e;
    }
    expect(isStrowgerError(err, 'NOT_FOUND')).toBe(true);
    expect((err as Error).message).toMatch(/Can't find user \[1000@nowhere\.test\].*domain called 'nowhere\.test'/);
  });

  it('JSON directory with pointers gives the same answers', () => {
    const json = directoryFrom(
      {
        'directory/d.json': JSON.stringify({
          domain: {
            name: 'j.test',
            variables: { level: 'domain' },
            groups: {
              staff: { variables: { level: 'group' }, users: { '1000': { 'number-alias': '77', params: { password: 'p' } } } },
              sales: { users: { '1000': { type: 'pointer' } } },
            },
          },
        }),
      },
      'j.test',
    );
    const u = json.lookupUser('77', 'j.test', { matchAlias: true })!;
    expect([u.id, u.password, u.variables.get('level'), u.groups]).toEqual(['1000', 'p', 'group', ['staff', 'sales']]);
  });

  it('validation: duplicate users, bad a1-hash, bad cidr, bad ids, unknown auth-acl, duplicate domains', () => {
    const files = {
      'directory/bad.xml': `<include>
<domain name="b.test"><users>
  <user id="1"><params><param name="password" value="x"/></params></user>
  <user id="1"><params><param name="password" value="y"/></params></user>
  <user id="2"><params><param name="a1-hash" value="abc"/></params></user>
  <user id="3" cidr="10.0.0.0/99"><params><param name="password" value="z"/></params></user>
  <user id="bad id"/>
  <user id="4"><params><param name="password" value="z"/><param name="auth-acl" value="no-list"/></params></user>
  <user id="5" type="alias"/>
</users></domain>
<domain name="B.TEST"/>
</include>`,
    };
    const c = loadConfigSync({ confDir: makeConf(files), interfaces: FAKE_INTERFACES, logWarnings: false });
    const e = catchConfigError(() => Directory.fromConfig(c.directory, { acls: c.acls }));
    expect(e.code).toBe('CONFIG_INVALID');
    const msgs = (e.details!.errors as ConfigProblem[]).map((p) => `${p.line}: ${p.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^4: user "1@b\.test" is defined twice/),
        expect.stringMatching(/^5: user "2": a1-hash must be 32 hex digits/),
        expect.stringMatching(/^6: user "3": cidr .*invalid prefix length/),
        expect.stringMatching(/^7: user id "bad id" is invalid/),
        expect.stringMatching(/^8: user "4": auth-acl: unknown ACL "no-list"/),
        expect.stringMatching(/^9: user "5": type="alias"/),
        expect.stringMatching(/^11: domain "B\.TEST" is defined twice/),
      ]),
    );
  });

  it('a user with no password and no a1-hash is flagged (allow-empty-password defaults to true)', () => {
    const d = directoryFrom({ 'directory/e.xml': '<domain name="e.test"><users><user id="1"/><user id="2"><params><param name="allow-empty-password" value="false"/></params></user></users></domain>' }, 'e.test');
    expect(d.lookupUser('1')!.allowEmptyPassword).toBe(true);
    expect(d.lookupUser('2')!.allowEmptyPassword).toBe(false);
    expect(d.warnings.filter((w) => w.includes('authenticates without any check'))).toHaveLength(1);
  });
});
