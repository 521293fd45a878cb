import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/util/clock';
import { parseDigestChallenges, parseDigestCredentials, formatDigestCredentials } from '../../../../src/sip/auth/auth-header';
import { answerChallenge } from '../../../../src/sip/auth/digest-client';
import { computeHa1, computeResponse } from '../../../../src/sip/auth/digest';
import { DigestServer, isCredentialFailure, type DigestServerOptions } from '../../../../src/sip/auth/digest-server';

const REALM = 'example.com';
const RURI = 'sip:example.com';
const IP = '127.0.0.3';
const USER = '1001';
const PASS = 's3cret-1001';

function setup(opts: DigestServerOptions = {}) {
  const clock = new FakeClock();
  const server = new DigestServer({ secret: 'test-secret-0123456789', clock, ...opts });
  const challenge = (o: { ip?: string; realm?: string } = {}) => server.createChallenge({ realm: o.realm ?? REALM, clientIp: o.ip ?? IP });
  const answer = (headers: string[], o: { nc?: number; uri?: string; method?: string; password?: string; username?: string; cnonce?: string } = {}) =>
    answerChallenge({
      challenge: headers,
      method: o.method ?? 'REGISTER',
      uri: o.uri ?? RURI,
      username: o.username ?? USER,
      password: o.password ?? PASS,
      nc: o.nc,
      cnonce: o.cnonce ?? 'c0ffee',
    }).header;
  const verify = (credentials: string, o: { ip?: string; ruri?: string; method?: string; password?: string; realm?: string } = {}) =>
    server.verify({
      method: o.method ?? 'REGISTER',
      credentials,
      realm: o.realm ?? REALM,
      clientIp: o.ip ?? IP,
      requestUri: o.ruri ?? RURI,
      password: o.password ?? PASS,
    }).outcome;
  return { clock, server, challenge, answer, verify };
}

describe('createChallenge', () => {
  it('offers SHA-256 then MD5 with one shared nonce and qop=auth', () => {
    const { challenge } = setup();
    const headers = challenge();
    expect(headers).toHaveLength(2);
    const chs = parseDigestChallenges(headers);
    expect(chs.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
    expect(chs[0]!.nonce).toBe(chs[1]!.nonce);
    expect(chs.every((c) => c.realm === REALM && c.qop.join() === 'auth' && !c.stale)).toBe(true);
  });

  it('sets stale=TRUE and opaque on request, and honours a per-call algorithm list', () => {
    const { server } = setup();
    const [h] = server.createChallenge({ realm: REALM, stale: true, opaque: 'op1', algorithms: ['MD5'] });
    expect(h).toContain('stale=TRUE');
    expect(parseDigestChallenges(h!)[0]).toMatchObject({ stale: true, opaque: 'op1', algorithm: 'MD5' });
  });

  it('issues a different nonce each time', () => {
    const { challenge } = setup();
    const a = parseDigestChallenges(challenge())[0]!.nonce;
    const b = parseDigestChallenges(challenge())[0]!.nonce;
    expect(a).not.toBe(b);
  });
});

describe('verify', () => {
  it('accepts a correct SHA-256 answer (UAC picks the first challenge)', () => {
    const { challenge, answer, verify } = setup();
    const auth = answer(challenge());
    expect(parseDigestCredentials(auth)!.algorithm).toBe('SHA-256');
    expect(verify(auth)).toBe('ok');
  });

  it('accepts MD5 and SHA-512-256 when offered', () => {
    const { server, answer, verify } = setup({ algorithms: ['SHA-512-256', 'MD5'] });
    const hdrs = server.createChallenge({ realm: REALM, clientIp: IP });
    expect(verify(answer(hdrs))).toBe('ok');
    expect(verify(answer([hdrs[1]!], { nc: 2 }))).toBe('ok');
  });

  it('returns typed failures', () => {
    const { challenge, answer, verify, server } = setup();
    const good = parseDigestCredentials(answer(challenge()))!;
    const fmt = (patch: object) => formatDigestCredentials({ ...good, ...patch });
    expect(verify(answer(challenge(), { password: 'wrong' }))).toBe('bad-response');
    expect(verify(fmt({ response: undefined }))).toBe('missing-fields');
    expect(verify(fmt({ nonce: undefined }))).toBe('missing-fields');
    expect(verify(fmt({ cnonce: undefined }))).toBe('missing-fields');
    expect(verify(fmt({ nc: '1' }))).toBe('missing-fields');
    expect(verify(fmt({ nc: 'zzzzzzzz' }))).toBe('missing-fields');
    expect(verify(fmt({ qop: 'auth-int' }))).toBe('unsupported-qop');
    expect(verify(fmt({ algorithm: 'SHA-1' }))).toBe('unsupported-algorithm');
    expect(verify(fmt({ algorithm: 'SHA-512-256' }))).toBe('unsupported-algorithm'); // not offered
    expect(verify(fmt({ realm: 'other.com' }))).toBe('realm-mismatch');
    expect(verify(fmt({ response: good.response!.slice(0, 32) }))).toBe('bad-response'); // MD5 length for SHA-256
    expect(verify(fmt({ response: 'g'.repeat(64) }))).toBe('bad-response');
    expect(verify('NoOneKnowsThisScheme opaque-data=here')).toBe('missing-fields');
    expect(
      server.verify({ method: 'REGISTER', credentials: answer(challenge()), realm: REALM, clientIp: IP, requestUri: RURI, password: PASS, expectedUsername: '1002' }).outcome,
    ).toBe('username-mismatch');
    expect(
      server.verify({ method: 'REGISTER', credentials: answer(challenge()), realm: REALM, clientIp: IP, requestUri: RURI, password: PASS, opaque: 'x' }).outcome,
    ).toBe('bad-nonce');
  });

  it('verifies against a precomputed MD5 HA1 (FS a1-hash); SHA-256 answers then need their own HA1', () => {
    const { server, challenge, answer } = setup();
    const ha1 = computeHa1('MD5', USER, REALM, PASS);
    const md5Auth = answer([challenge()[1]!]);
    const base = { method: 'REGISTER', realm: REALM, clientIp: IP, requestUri: RURI };
    expect(server.verify({ ...base, credentials: md5Auth, ha1 }).outcome).toBe('ok');
    const shaAuth = answer(challenge());
    expect(server.verify({ ...base, credentials: shaAuth, ha1 }).outcome).toBe('unsupported-algorithm');
    expect(server.verify({ ...base, credentials: shaAuth, ha1: { 'SHA-256': computeHa1('SHA-256', USER, REALM, PASS) } }).outcome).toBe('ok');
    expect(server.verify({ ...base, credentials: answer(challenge()), ha1: { 'SHA-256': 'ab' } }).outcome).toBe('unsupported-algorithm');
  });

  it('accepts the RFC 2069 form (no qop) exactly once', () => {
    const { challenge, verify } = setup();
    const ch = parseDigestChallenges(challenge())[1]!; // MD5
    const ha1 = computeHa1('MD5', USER, REALM, PASS);
    const response = computeResponse({ algorithm: 'MD5', ha1, nonce: ch.nonce, method: 'REGISTER', uri: RURI });
    const auth = formatDigestCredentials({ username: USER, realm: REALM, nonce: ch.nonce, uri: RURI, response, algorithm: 'MD5' });
    expect(verify(auth)).toBe('ok');
    expect(verify(auth)).toBe('replay');
    const { challenge: c2, verify: v2 } = setup({ allowNoQop: false });
    const ch2 = parseDigestChallenges(c2())[1]!;
    const r2 = computeResponse({ algorithm: 'MD5', ha1, nonce: ch2.nonce, method: 'REGISTER', uri: RURI });
    expect(v2(formatDigestCredentials({ username: USER, realm: REALM, nonce: ch2.nonce, uri: RURI, response: r2 }))).toBe('unsupported-qop');
  });

  it('a nonce used with qop cannot be reused without qop', () => {
    const { challenge, answer, verify } = setup();
    const hdrs = challenge();
    expect(verify(answer([hdrs[1]!]))).toBe('ok');
    const ch = parseDigestChallenges(hdrs)[1]!;
    const response = computeResponse({ algorithm: 'MD5', ha1: computeHa1('MD5', USER, REALM, PASS), nonce: ch.nonce, method: 'REGISTER', uri: RURI });
    expect(verify(formatDigestCredentials({ username: USER, realm: REALM, nonce: ch.nonce, uri: RURI, response }))).toBe('replay');
  });

  it('classifies credential failures for the throttle', () => {
    expect(isCredentialFailure('bad-response')).toBe(true);
    expect(isCredentialFailure('username-mismatch')).toBe(true);
    expect(isCredentialFailure('stale')).toBe(false);
    expect(isCredentialFailure('bad-nonce')).toBe(false);
  });
});

describe('replay variants (security.md §3.4)', () => {
  it('(a) the same Authorization replayed unchanged is rejected', () => {
    const { challenge, answer, verify } = setup();
    const auth = answer(challenge());
    expect(verify(auth)).toBe('ok');
    expect(verify(auth)).toBe('replay');
    expect(verify(auth)).toBe('replay');
  });

  it('(b) nonce-count must increase', () => {
    const { challenge, answer, verify } = setup();
    const hdrs = challenge();
    expect(verify(answer(hdrs, { nc: 1 }))).toBe('ok');
    expect(verify(answer(hdrs, { nc: 3 }))).toBe('ok');
    expect(verify(answer(hdrs, { nc: 3, cnonce: 'other' }))).toBe('replay');
    expect(verify(answer(hdrs, { nc: 2 }))).toBe('replay');
    expect(verify(answer(hdrs, { nc: 4 }))).toBe('ok');
  });

  it('(b) a failed attempt does not advance the count (no burning a victim nonce)', () => {
    const { challenge, answer, verify } = setup();
    const hdrs = challenge();
    expect(verify(answer(hdrs, { nc: 0xffffffff, password: 'guess' }))).toBe('bad-response');
    expect(verify(answer(hdrs, { nc: 1 }))).toBe('ok');
  });

  it('(c) an expired nonce with the right password is stale; with a wrong one it is a failure', () => {
    const { clock, challenge, answer, verify, server } = setup({ nonceTtlSeconds: 60 });
    const hdrs = challenge();
    clock.advance(59_000);
    expect(verify(answer(hdrs, { nc: 1 }))).toBe('ok');
    clock.advance(1_000);
    expect(verify(answer(hdrs, { nc: 2 }))).toBe('stale');
    expect(verify(answer(hdrs, { nc: 3, password: 'nope' }))).toBe('bad-response');
    // the re-challenge carries stale=true and its fresh nonce works
    const again = server.createChallenge({ realm: REALM, clientIp: IP, stale: true });
    expect(parseDigestChallenges(again)[0]!.stale).toBe(true);
    expect(verify(answer(again))).toBe('ok');
  });

  it('(d) same credentials on another method or Request-URI are rejected', () => {
    const { challenge, answer, verify } = setup();
    const hdrs = challenge();
    const auth = answer(hdrs, { nc: 1 });
    expect(verify(auth, { method: 'INVITE' })).toBe('bad-response');
    expect(verify(auth, { ruri: 'sip:1002@example.com' })).toBe('uri-mismatch');
    const moved = answer(hdrs, { nc: 1 }).replace(`uri="${RURI}"`, 'uri="sip:1002@example.com"');
    expect(verify(moved, { ruri: 'sip:1002@example.com' })).toBe('bad-response');
    expect(verify(auth)).toBe('ok'); // none of the above consumed nc=1
  });

  it('(e) a nonce bound to one IP is rejected from another', () => {
    const { challenge, answer, verify } = setup();
    const auth = answer(challenge({ ip: '127.0.0.3' }));
    expect(verify(auth, { ip: '127.0.0.66' })).toBe('bad-nonce');
    expect(verify(auth, { ip: '127.0.0.3' })).toBe('ok');
    const loose = setup({ bindNonceToIp: false });
    expect(loose.verify(loose.answer(loose.challenge({ ip: '127.0.0.3' })), { ip: '127.0.0.66' })).toBe('ok');
  });

  it('(f) nonces never issued, issued for another realm, tampered, or signed with another key are rejected', () => {
    const { challenge, answer, verify, server } = setup();
    // never issued: the RFC nonce, and a random string of the right length
    const ha1 = computeHa1('SHA-256', USER, REALM, PASS);
    for (const nonce of ['dcd98b7102dd2f0e8b11d0f600bfb0c093', 'A'.repeat(46), '']) {
      const response = computeResponse({ algorithm: 'SHA-256', ha1, nonce, method: 'REGISTER', uri: RURI, qop: 'auth', nc: '00000001', cnonce: 'c' });
      const auth = formatDigestCredentials({ username: USER, realm: REALM, nonce, uri: RURI, response, algorithm: 'SHA-256', qop: 'auth', nc: '00000001', cnonce: 'c' });
      expect(verify(auth)).toBe('bad-nonce');
    }
    // issued for realm other.com, answered correctly for other.com, presented to example.com
    const otherCh = parseDigestChallenges(server.createChallenge({ realm: 'other.com', clientIp: IP }))[0]!;
    const crossRealm = answerChallenge({ challenge: { ...otherCh, realm: REALM }, method: 'REGISTER', uri: RURI, username: USER, password: PASS, cnonce: 'x' }).header;
    expect(verify(crossRealm)).toBe('bad-nonce');
    // tampered timestamp: flip a byte of issued-at and keep everything else
    const hdrs = challenge();
    const nonce = parseDigestChallenges(hdrs)[0]!.nonce;
    const raw = Buffer.from(nonce, 'base64url');
    raw[8] = raw[8]! ^ 0x01;
    const forged = raw.toString('base64url');
    const tampered = answerChallenge({ challenge: { ...parseDigestChallenges(hdrs)[0]!, nonce: forged }, method: 'REGISTER', uri: RURI, username: USER, password: PASS }).header;
    expect(verify(tampered)).toBe('bad-nonce');
    // signed by a server with another secret
    const foreign = new DigestServer({ secret: 'another-secret' });
    expect(verify(answer(foreign.createChallenge({ realm: REALM, clientIp: IP })))).toBe('bad-nonce');
    // non-canonical base64url of a real nonce (junk characters the decoder would skip)
    const junk = answerChallenge({ challenge: { ...parseDigestChallenges(hdrs)[0]!, nonce: nonce.slice(0, 45) + '!' }, method: 'REGISTER', uri: RURI, username: USER, password: PASS }).header;
    expect(verify(junk)).toBe('bad-nonce');
    expect(verify(answer(hdrs))).toBe('ok');
  });

  it('(g) after a restart: same secret -> stale (never ok); new secret -> bad-nonce', () => {
    const clock = new FakeClock();
    const before = new DigestServer({ secret: 'persisted-secret', clock });
    const hdrs = before.createChallenge({ realm: REALM, clientIp: IP });
    const auth = answerChallenge({ challenge: hdrs, method: 'REGISTER', uri: RURI, username: USER, password: PASS }).header;
    const input = { method: 'REGISTER', credentials: auth, realm: REALM, clientIp: IP, requestUri: RURI, password: PASS };
    expect(before.verify(input).outcome).toBe('ok');
    const afterSameSecret = new DigestServer({ secret: 'persisted-secret', clock });
    expect(afterSameSecret.verify(input).outcome).toBe('stale');
    expect(afterSameSecret.verify(input).outcome).toBe('stale');
    expect(afterSameSecret.verify({ ...input, password: 'wrong' }).outcome).toBe('bad-response');
    const afterNewSecret = new DigestServer({ clock });
    expect(afterNewSecret.verify(input).outcome).toBe('bad-nonce');
  });

  it('(h) digest uri different from the Request-URI is rejected (unless checkUri is off)', () => {
    const { challenge, answer, verify } = setup();
    const auth = answer(challenge(), { uri: 'sip:elsewhere.example' });
    expect(verify(auth, { ruri: RURI })).toBe('uri-mismatch');
    const lax = setup({ checkUri: false });
    expect(lax.verify(lax.answer(lax.challenge(), { uri: 'sip:elsewhere.example' }), { ruri: RURI })).toBe('ok');
  });

  it('(h) case-only differences in the uri are tolerated; a predicate can decide', () => {
    const { challenge, answer, server } = setup();
    const auth = answer(challenge(), { uri: 'SIP:EXAMPLE.COM' });
    const base = { method: 'REGISTER', credentials: auth, realm: REALM, clientIp: IP, password: PASS };
    expect(server.verify({ ...base, requestUri: (u) => u === 'nope' }).outcome).toBe('uri-mismatch');
    expect(server.verify({ ...base, requestUri: RURI }).outcome).toBe('ok');
    expect(server.verify({ ...base }).outcome).toBe('uri-mismatch'); // checkUri on but no R-URI given
  });
});

describe('nonce-count tracking stays bounded', () => {
  it('evicts the oldest nonce and reports evicted nonces as stale, never ok', () => {
    const { challenge, answer, verify, server } = setup({ maxTrackedNonces: 3 });
    const auths = Array.from({ length: 5 }, () => answer(challenge()));
    for (const a of auths) expect(verify(a)).toBe('ok');
    expect(server.trackedNonces).toBe(3);
    // the two evicted nonces: their replays must not pass as first use
    expect(verify(auths[0]!)).toBe('stale');
    expect(verify(auths[1]!)).toBe('stale');
    expect(verify(auths[4]!)).toBe('replay');
    // nonces issued after the eviction are unaffected
    expect(verify(answer(challenge()))).toBe('ok');
  });

  it('drops entries for expired nonces', () => {
    const { clock, challenge, answer, verify, server } = setup({ nonceTtlSeconds: 10 });
    for (let i = 0; i < 5; i++) expect(verify(answer(challenge()))).toBe('ok');
    expect(server.trackedNonces).toBe(5);
    clock.advance(11_000);
    expect(verify(answer(challenge()))).toBe('ok');
    expect(server.trackedNonces).toBe(1);
  });
});

describe('unknown users (anti-enumeration, G16)', () => {
  it('give the same outcome as a wrong password, for every kind of input', () => {
    const { challenge, answer, server, clock } = setup();
    const base = { method: 'REGISTER', realm: REALM, clientIp: IP, requestUri: RURI };
    const cases = [
      answer(challenge(), { username: 'ghost', password: 'x' }),
      answer(challenge(), { username: 'ghost', password: 'x' }).replace('nonce="', 'nonce="Z'),
      'Digest username="ghost"',
    ];
    for (const credentials of cases) {
      const unknown = server.verifyUnknownUser({ ...base, credentials }).outcome;
      const wrongPw = server.verify({ ...base, credentials, password: 'the-real-one' }).outcome;
      expect(unknown).toBe(wrongPw);
    }
    const old = answer(challenge(), { username: 'ghost' });
    clock.advance(120_000);
    expect(server.verifyUnknownUser({ ...base, credentials: old }).outcome).toBe('bad-response');
  });

});
