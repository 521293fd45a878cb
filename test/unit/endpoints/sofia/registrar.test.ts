/**
 * The registrar over loop transports with a FakeClock: the REGISTER algorithm of
 * freeswitch-behaviour.md §1.4 step by step, and RFC 3261 §10.3 binding rules on the wire.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseDigestChallenges } from '../../../../src/sip/auth';
import { getParam, parseNameAddr } from '../../../../src/sip/message';
import { contactsOf, DOMAIN, RegistrarRig, type RigOptions } from './registrar-harness';

let rig: RegistrarRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function setup(o: RigOptions = {}): Promise<RegistrarRig> {
  rig = await RegistrarRig.create(o);
  return rig;
}

function expiresOf(contactValue: string): number | undefined {
  const n = parseNameAddr(contactValue);
  const v = n ? getParam(n.params, 'expires') : undefined;
  return typeof v === 'string' ? Number(v) : undefined;
}

describe('challenge and digest (§1.4 steps 5-9)', () => {
  it('no credentials: 401 with SHA-256 then MD5 challenges, qop=auth, realm = To host (auto_to)', async () => {
    const r = await setup();
    const res = await r.ua('127.0.0.5').send();
    expect(res.status).toBe(401);
    const values = res.headers.getAll('www-authenticate');
    expect(values).toHaveLength(2);
    const ch = parseDigestChallenges(values);
    expect(ch.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
    expect(ch.every((c) => c.realm === DOMAIN && c.qop.includes('auth'))).toBe(true);
    expect(ch[0]!.nonce).toBe(ch[1]!.nonce);
    expect(r.registrar.counters.challenges).toBe(1);
    expect(r.events.of('sofia::pre_register')).toHaveLength(1);
    expect(await r.store.count()).toBe(0);
  });

  it('right password: 200 with the binding, expires=300 by default, a Date header; stored as Registered(UDP)', async () => {
    const r = await setup();
    const ua = r.ua('127.0.0.5');
    const { first, final } = await ua.register({ password: '1234' });
    expect(first.status).toBe(401);
    expect(final.status).toBe(200);
    const contacts = contactsOf(final);
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toBe('<sip:1000@127.0.0.5:5062>;expires=300');
    expect(final.headers.get('date')).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    const [b] = await r.store.lookup('1000', DOMAIN);
    expect(b).toMatchObject({
      profile: 'internal',
      contact: 'sip:1000@127.0.0.5:5062',
      status: 'Registered(UDP)',
      nat: false,
      routeTarget: null,
      receivedIp: '127.0.0.5',
      receivedPort: 5062,
      transport: 'UDP',
      authUsername: '1000',
      authRealm: DOMAIN,
      userAgent: 'test-ua/1.0',
    });
    expect(b!.expiresAt - r.clock.wallNow()).toBe(300_000);
    const ev = r.events.of('sofia::register');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.get('profile-name')).toBe('internal');
    expect(ev[0]!.get('status')).toBe('Registered(UDP)');
    expect(ev[0]!.get('expires')).toBe('300');
    expect(ev[0]!.get('network-ip')).toBe('127.0.0.5');
    expect(ev[0]!.get('user_context')).toBe('default'); // user variables ride along
  });

  it('MD5 answers are verified too', async () => {
    const r = await setup();
    const ua = r.ua('127.0.0.5');
    const first = await ua.send();
    const { answerChallenge } = await import('../../../../src/sip/auth');
    const ans = answerChallenge({ challenge: first.headers.getAll('www-authenticate'), method: 'REGISTER', uri: `sip:${DOMAIN}`, username: '1000', password: '1234', algorithms: ['MD5'] });
    expect(ans.algorithm).toBe('MD5');
    expect((await ua.send({ authorization: ans.header })).status).toBe(200);
  });

  it('wrong password and unknown user: both 403 with the same header names, and counted', async () => {
    const r = await setup();
    const wrong = await r.ua('127.0.0.5').register({ password: 'nope' });
    const unknown = await r.ua('127.0.0.6').register({ user: '4242', password: 'nope' });
    expect(wrong.final.status).toBe(403);
    expect(unknown.final.status).toBe(403);
    const names = (res: typeof wrong.final) => res.headers.entries().map(([n]) => n.toLowerCase()).sort();
    expect(names(wrong.final)).toEqual(names(unknown.final));
    expect(wrong.final.reason).toBe(unknown.final.reason);
    expect(r.auth().verifications).toBe(2);
    expect(r.auth().unknownUser).toBe(1);
    expect(r.events.of('sofia::register_failure')).toHaveLength(2);
    expect(await r.store.count()).toBe(0);
  });

  it('an Authorization with an unknown scheme is no credentials: 401 (RFC 4475 regaut01)', async () => {
    const r = await setup();
    const res = await r.ua('127.0.0.5').send({ authorization: 'NoOneKnowsThisScheme opaque-data=here' });
    expect(res.status).toBe(401);
    expect(res.headers.getAll('www-authenticate')).toHaveLength(2);
  });

  it('the same Authorization twice: the replay gets a fresh 401 without stale, no second update', async () => {
    const r = await setup();
    const ua = r.ua('127.0.0.5');
    const { final, authorization } = await ua.register({ password: '1234' });
    expect(final.status).toBe(200);
    const replay = await ua.send({ authorization });
    expect(replay.status).toBe(401);
    expect(parseDigestChallenges(replay.headers.getAll('www-authenticate'))[0]!.stale).toBeFalsy();
    expect(r.registrar.counters.updates).toBe(1);
  });

  it('an expired nonce with the right password: 401 stale=true; with a wrong password: 403', async () => {
    const r = await setup();
    const ua = r.ua('127.0.0.5');
    const first = await ua.send();
    const { answerChallenge } = await import('../../../../src/sip/auth');
    const mk = (password: string) =>
      answerChallenge({ challenge: first.headers.getAll('www-authenticate'), method: 'REGISTER', uri: `sip:${DOMAIN}`, username: '1000', password }).header;
    r.clock.advance(61_000);
    const stale = await ua.send({ authorization: mk('1234') });
    expect(stale.status).toBe(401);
    expect(parseDigestChallenges(stale.headers.getAll('www-authenticate')).every((c) => c.stale === true)).toBe(true);
    expect(r.registrar.counters.staleChallenges).toBe(1);
    expect((await ua.send({ authorization: mk('bad') })).status).toBe(403);
  });

  it('challenge-realm auto_from and a literal realm', async () => {
    let r = await setup({ settings: { challengeRealm: 'auto_from' } });
    const text = r.ua('127.0.0.9').text().replace(`From: <sip:1000@${DOMAIN}>`, 'From: <sip:1000@from.example>');
    const res = await r.ua('127.0.0.5').send(text);
    expect(parseDigestChallenges(res.headers.getAll('www-authenticate'))[0]!.realm).toBe('from.example');
    await r.close();
    r = await setup({ settings: { challengeRealm: 'pbx.example' } });
    const res2 = await r.ua('127.0.0.5').send();
    expect(parseDigestChallenges(res2.headers.getAll('www-authenticate'))[0]!.realm).toBe('pbx.example');
  });

  it('force-register-domain decides the directory domain; the realm may then be anything', async () => {
    const r = await setup({ settings: { forceRegisterDomain: DOMAIN, challengeRealm: 'other.realm' } });
    const { final } = await r.ua('127.0.0.5').register({ password: '1234' });
    expect(final.status).toBe(200);
  });

  it('inbound-reg-force-matching-username: another digest user for this AOR gets 403; off: allowed', async () => {
    let r = await setup({ settings: { forceMatchingUsername: true } });
    expect((await r.ua('127.0.0.5').register({ user: '1000', username: '1001', password: 'secret1001' })).final.status).toBe(403);
    await r.close();
    r = await setup({ settings: { forceMatchingUsername: false } });
    expect((await r.ua('127.0.0.5').register({ user: '1000', username: '1001', password: 'secret1001' })).final.status).toBe(200);
  });

  it('user params: sip-forbid-register and auth-acl refuse with 403, after a correct digest', async () => {
    const r = await setup();
    expect((await r.ua('127.0.0.5').register({ user: '1002', password: 'pw' })).final.status).toBe(403);
    expect((await r.ua('127.0.0.6').register({ user: '1003', password: 'pw' })).final.status).toBe(403);
    expect(r.events.of('sofia::register_failure').map((h) => h.get('reason'))).toEqual(['sip-forbid-register', 'auth-acl']);
    // Neither is a password guess: the throttle does not count them.
    expect(r.registrar.throttle!.failureCount('127.0.0.5')).toBe(0);
  });

  it('a1-hash users verify MD5; a SHA-256 answer is re-challenged with MD5 only', async () => {
    const r = await setup();
    const ua = r.ua('127.0.0.5');
    const { first, final } = await ua.register({ user: '1005', password: 'a1pw' });
    expect(first.status).toBe(401);
    expect(final.status).toBe(401); // answered SHA-256 (the first challenge)
    expect(parseDigestChallenges(final.headers.getAll('www-authenticate')).map((c) => c.algorithm)).toEqual(['MD5']);
    const { answerChallenge } = await import('../../../../src/sip/auth');
    const ans = answerChallenge({ challenge: final.headers.getAll('www-authenticate'), method: 'REGISTER', uri: `sip:${DOMAIN}`, username: '1005', password: 'a1pw' });
    expect((await ua.send({ user: '1005', authorization: ans.header })).status).toBe(200);
  });

  it('allow-empty-password: a user without a secret registers unchecked (FS default); false: 403', async () => {
    const r = await setup();
    expect((await r.ua('127.0.0.5').register({ user: '1006', password: 'anything' })).final.status).toBe(200);
    expect((await r.ua('127.0.0.6').register({ user: '1007', password: 'anything' })).final.status).toBe(403);
  });
});

describe('profile gates (§1.4 steps 1-4)', () => {
  it('disable-register: 403 before anything else', async () => {
    const r = await setup({ settings: { disableRegister: true, acceptBlindReg: true } });
    expect((await r.ua('127.0.0.5').send()).status).toBe(403);
  });

  it('accept-blind-reg: stored without a challenge, no auth username', async () => {
    const r = await setup({ settings: { acceptBlindReg: true } });
    const res = await r.ua('127.0.0.5').send({ user: 'anyone' });
    expect(res.status).toBe(200);
    expect((await r.store.lookup('anyone', DOMAIN))[0]!.authUsername).toBeNull();
  });

  it('apply-register-acl: inside registers without digest, outside gets 403', async () => {
    const { parseAclRefs } = await import('../../../../src/config');
    const r0 = await setup();
    const refs = parseAclRefs('127.0.0.5/32', r0.acls, false);
    await r0.close();
    const r = await setup({ settings: { applyRegisterAcl: refs } });
    expect((await r.ua('127.0.0.5').send()).status).toBe(200);
    expect((await r.ua('127.0.0.6').send()).status).toBe(403);
  });

  it('a To without a user part: 400', async () => {
    const r = await setup({ settings: { acceptBlindReg: true } });
    const ua = r.ua('127.0.0.5');
    const text = ua.text().replace(`To: <sip:1000@${DOMAIN}>`, `To: <sip:${DOMAIN}>`);
    expect((await ua.send(text)).status).toBe(400);
  });
});

describe('bindings (RFC 3261 §10.3)', () => {
  it('a query returns the current bindings and changes nothing; Contact * with Expires 0 removes all', async () => {
    const r = await setup({ settings: { acceptBlindReg: true, multipleRegistrations: 'contact' } });
    const ua = r.ua('127.0.0.5');
    expect((await ua.send({ contact: '<sip:1000@127.0.0.5:5062>', expires: 600 })).status).toBe(200);
    expect((await ua.send({ contact: '<sip:1000@127.0.0.5:5064>', expires: 120 })).status).toBe(200);
    r.clock.advance(10_000);
    const q = await ua.send({ contact: null });
    expect(q.status).toBe(200);
    expect(contactsOf(q).map(expiresOf).sort()).toEqual([110, 590]);
    expect(r.registrar.counters.queries).toBe(1);
    const del = await ua.send({ contact: '*', expires: 0 });
    expect(del.status).toBe(200);
    expect(contactsOf(del)).toEqual([]);
    expect(await r.store.count()).toBe(0);
    expect(r.events.of('sofia::unregister')).toHaveLength(2);
  });

  it('Contact * without Expires: 0, or with other contacts: 400', async () => {
    const r = await setup({ settings: { acceptBlindReg: true } });
    const ua = r.ua('127.0.0.5');
    expect((await ua.send({ contact: '*', expires: 60 })).status).toBe(400);
    expect((await ua.send({ contact: '*' })).status).toBe(400);
    expect((await ua.send({ contact: '*, <sip:a@127.0.0.5>', expires: 0 })).status).toBe(400);
  });

  it('per-contact expires wins over the Expires header; expires=0 removes one contact of several', async () => {
    const r = await setup({ settings: { acceptBlindReg: true, multipleRegistrations: 'contact' } });
    const ua = r.ua('127.0.0.5');
    const res = await ua.send({ contact: '<sip:1000@127.0.0.5:5062>;expires=60, <sip:1000@127.0.0.5:5064>;q=0.5', expires: 900 });
    expect(res.status).toBe(200);
    const byUri = new Map(contactsOf(res).map((c) => [parseNameAddr(c)!.uri.port, c]));
    expect(expiresOf(byUri.get(5062)!)).toBe(60);
    expect(expiresOf(byUri.get(5064)!)).toBe(900);
    expect(byUri.get(5064)).toContain(';q=0.5');
    const rm = await ua.send({ contact: '<sip:1000@127.0.0.5:5062>;expires=0' });
    expect(contactsOf(rm).map((c) => parseNameAddr(c)!.uri.port)).toEqual([5064]);
  });

  it('multiple-registrations off: a new contact replaces the old one', async () => {
    const r = await setup({ settings: { acceptBlindReg: true } });
    await r.ua('127.0.0.5').send();
    const res = await r.ua('127.0.0.6').send();
    expect(contactsOf(res).map((c) => parseNameAddr(c)!.uri.host)).toEqual(['127.0.0.6']);
  });

  it('sip-expires-min: 423 with Min-Expires; sip-expires-max clamps; sip-force-expires replaces', async () => {
    const r = await setup({ settings: { acceptBlindReg: true, expiresMin: 60, expiresMax: 3600 } });
    const ua = r.ua('127.0.0.5');
    const brief = await ua.send({ expires: 30 });
    expect(brief.status).toBe(423);
    expect(brief.headers.get('min-expires')).toBe('60');
    expect(r.registrar.counters.tooBrief).toBe(1);
    const long = await ua.send({ expires: 999_999 });
    expect(expiresOf(contactsOf(long)[0]!)).toBe(3600);
    await r.close();
    const r2 = await setup({ settings: { acceptBlindReg: true, forceExpires: 1800 } });
    expect(expiresOf(contactsOf(await r2.ua('127.0.0.5').send({ expires: 10 }))[0]!)).toBe(1800);
  });

  it('same Call-ID with a CSeq not above the stored one: 500, the binding unchanged', async () => {
    const r = await setup({ settings: { acceptBlindReg: true } });
    const ua = r.ua('127.0.0.5');
    expect((await ua.send({ cseq: 10, expires: 600 })).status).toBe(200);
    const old = await ua.send({ cseq: 9, expires: 60 });
    expect(old.status).toBe(500);
    expect(r.registrar.counters.outOfOrder).toBe(1);
    expect((await r.store.lookup('1000', DOMAIN))[0]!.cseq).toBe(10);
    expect((await ua.send({ cseq: 10, expires: 60 })).status).toBe(500);
    expect((await ua.send({ cseq: 11, expires: 60 })).status).toBe(200);
  });

  it('max-registrations-per-extension (user param): a second contact gets 403', async () => {
    const r = await setup({ settings: { multipleRegistrations: 'contact' } });
    const ua = r.ua('127.0.0.5');
    expect((await ua.register({ user: '1004', password: 'pw', contact: '<sip:1004@127.0.0.5:5062>' })).final.status).toBe(200);
    expect((await ua.register({ user: '1004', password: 'pw', contact: '<sip:1004@127.0.0.5:5070>' })).final.status).toBe(403);
  });

  it('contact-params, uri-params and escaped URI headers survive (RFC 4475 cparam01, cparam02, regescrt)', async () => {
    const r = await setup({ settings: { acceptBlindReg: true, multipleRegistrations: 'contact' } });
    const ua = r.ua('127.0.0.5');
    expect((await ua.send({ contact: 'sip:+19725552222@gw1.example.net;unknownparam' })).status).toBe(200);
    expect((await ua.send({ contact: '<sip:+19725552222@gw1.example.net;unknownparam>' })).status).toBe(200);
    expect((await ua.send({ contact: '<sip:user@example.com?Route=%3Csip:sip.example.com%3E>' })).status).toBe(200);
    const stored = (await r.store.lookup('1000', DOMAIN)).map((b) => b.contact).sort();
    expect(stored).toEqual(
      ['sip:+19725552222@gw1.example.net', 'sip:+19725552222@gw1.example.net;unknownparam', 'sip:user@example.com?Route=%3Csip:sip.example.com%3E'].sort(),
    );
  });

  it('a Contact with another URI scheme is refused (400); too many contacts is 403', async () => {
    const r = await setup({ settings: { acceptBlindReg: true, maxContactsPerRequest: 2, multipleRegistrations: 'contact' } });
    const ua = r.ua('127.0.0.5');
    expect((await ua.send({ contact: '<mailto:a@example.com>' })).status).toBe(400);
    expect((await ua.send({ contact: '<sip:a@127.0.0.5:1>, <sip:a@127.0.0.5:2>, <sip:a@127.0.0.5:3>' })).status).toBe(403);
    expect((await ua.send({ contact: '<sip:a@127.0.0.5:1>;q=2' })).status).toBe(400);
  });
});

describe('NAT (§1.3)', () => {
  async function natRig(extra: RigOptions['settings'] = {}) {
    const { parseAclRefs, builtinAcls } = await import('../../../../src/config');
    const acls = builtinAcls('192.0.2.0/24');
    return setup({
      acls,
      settings: { acceptBlindReg: true, applyNatAcl: parseAclRefs('nat.auto', acls, false), ...extra },
    });
  }

  it('a private Contact from another source: Registered(UDP-NAT), route target = the source, NAT default 30 s', async () => {
    const r = await natRig();
    const res = await r.ua('127.0.0.5').send({ contact: '<sip:1000@10.1.2.3:5060>' });
    expect(res.status).toBe(200);
    expect(expiresOf(contactsOf(res)[0]!)).toBe(30);
    const [b] = await r.store.lookup('1000', DOMAIN);
    expect(b).toMatchObject({ nat: true, status: 'Registered(UDP-NAT)', routeTarget: 'sip:127.0.0.5:5062;transport=udp', contact: 'sip:1000@10.1.2.3:5060' });
    expect(r.events.of('sofia::register')[0]!.get('contact')).toContain('fs_nat=yes');
  });

  it('TCP: Registered(TCP-NAT) and a tcp route target; a public contact is not NAT: Registered(TCP)', async () => {
    const r = await natRig({ multipleRegistrations: 'contact' });
    const ua = r.ua('127.0.0.7', 5070, 'TCP');
    expect((await ua.send({ contact: '<sip:1000@192.168.1.9:5060;transport=tcp>' })).status).toBe(200);
    expect((await ua.send({ contact: '<sip:1000@127.0.0.7:5070;transport=tcp>' })).status).toBe(200);
    const rows = await r.store.lookup('1000', DOMAIN);
    const byHost = new Map(rows.map((b) => [b.contact, b]));
    expect(byHost.get('sip:1000@192.168.1.9:5060;transport=tcp')).toMatchObject({ status: 'Registered(TCP-NAT)', routeTarget: 'sip:127.0.0.7:5070;transport=tcp' });
    expect(byHost.get('sip:1000@127.0.0.7:5070;transport=tcp')).toMatchObject({ status: 'Registered(TCP)', routeTarget: null });
  });

  it('a source inside local-network-acl is never NATed', async () => {
    const { parseAclRefs, builtinAcls } = await import('../../../../src/config');
    const acls = builtinAcls('192.0.2.0/24');
    const r = await setup({
      acls,
      settings: { acceptBlindReg: true, applyNatAcl: parseAclRefs('nat.auto', acls, false), localNetworkAcl: parseAclRefs('loopback.auto', acls, false) },
    });
    await r.ua('127.0.0.5').send({ contact: '<sip:1000@10.1.2.3:5060>' });
    expect((await r.store.lookup('1000', DOMAIN))[0]!.status).toBe('Registered(UDP)');
  });
});

describe('expiry', () => {
  it('the sweep purges bindings past expiry + late margin and fires sofia::expire; routable() honours the margin', async () => {
    const r = await setup({ settings: { acceptBlindReg: true, sweepInterval: 30, expiresLateMargin: 60 } });
    r.registrar.start();
    await r.ua('127.0.0.5').send({ expires: 120 });
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += 10_000) {
        r.clock.advance(10_000);
        await new Promise((res) => setImmediate(res));
      }
    };
    await advance(130_000); // past expiry, inside the margin (sweeps ran at 30 ... 120 s)
    expect(await r.store.count()).toBe(1);
    expect(await r.registrar.routable('1000', DOMAIN)).toHaveLength(1);
    expect(await r.store.lookup('1000', DOMAIN)).toHaveLength(0);
    const q = await r.ua('127.0.0.6').send({ contact: null });
    expect(contactsOf(q)).toEqual([]); // the 200 shows only bindings before their granted expiry
    await advance(60_000); // expiry + 70 s: the sweep at 180 s purges
    expect(await r.store.count()).toBe(0);
    expect(r.registrar.counters.expired).toBe(1);
    const ev = r.events.of('sofia::expire');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.get('user')).toBe('1000');
    expect(await r.registrar.routable('1000', DOMAIN)).toHaveLength(0);
  });

  it('close() stops the sweep and the REGISTER handler; twice is harmless', async () => {
    const r = await setup({ settings: { acceptBlindReg: true } });
    r.registrar.start();
    await r.registrar.close();
    await r.registrar.close();
    expect((await r.ua('127.0.0.5').send()).status).toBe(405);
  });
});
