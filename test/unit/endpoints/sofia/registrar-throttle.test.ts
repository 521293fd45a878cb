/**
 * Brute-force throttle and auth-failure logging as the registrar applies them (security.md §3.3,
 * goal G15; freeswitch-behaviour.md §1.2 log-auth-failures), with a FakeClock.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDigestChallenges } from '../../../../src/sip/auth';
import { RegistrarRig } from './registrar-harness';

let rig: RegistrarRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function capture(): { logger: pino.Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => void out.push(s) });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('brute-force throttle', () => {
  it('5 wrong passwords ban the source: 403 without evaluating, even the right password; another source is unaffected; the ban ends on time', async () => {
    const r = (rig = await RegistrarRig.create({ settings: { authFailMax: 5, authFailWindow: 60, authBanTime: 300 } }));
    const attacker = r.ua('127.0.0.66');
    const legit = r.ua('127.0.0.3');
    for (let i = 0; i < 5; i++) expect((await attacker.register({ user: '1001', password: `guess${i}` })).final.status).toBe(403);
    expect(r.registrar.throttle!.isBanned('127.0.0.66')).toBe(true);
    const evaluated = r.auth().verifications;
    expect(evaluated).toBe(5);

    // During the ban: 100 more guesses, and then the right password: all 403, none evaluated.
    for (let i = 0; i < 100; i++) expect((await attacker.send({ user: '1001', authorization: 'Digest username="1001", realm="example.test", nonce="x", uri="sip:example.test", response="00000000000000000000000000000000"' })).status).toBe(403);
    expect((await attacker.register({ user: '1001', password: 'secret1001' })).final.status).toBe(403);
    expect(r.auth().verifications).toBe(evaluated);
    expect(r.registrar.counters.banned).toBe(101); // the last attempt stopped at its first (credential-less) REGISTER

    // The legitimate user on another address registers throughout.
    expect((await legit.register({ user: '1001', password: 'secret1001' })).final.status).toBe(200);

    // The ban expires after auth-ban-time.
    r.clock.advance(299_000);
    expect((await attacker.register({ user: '1001', password: 'secret1001' })).final.status).toBe(403);
    r.clock.advance(2_000);
    expect((await attacker.register({ user: '1001', password: 'secret1001' })).final.status).toBe(200);
  });

  it('failures older than the window do not add up; challenges, stale and unknown nonces never count', async () => {
    const r = (rig = await RegistrarRig.create({ settings: { authFailMax: 3, authFailWindow: 60, authBanTime: 300 } }));
    const ua = r.ua('127.0.0.66');
    await ua.register({ password: 'bad' });
    await ua.register({ password: 'bad' });
    r.clock.advance(61_000);
    await ua.register({ password: 'bad' });
    expect(r.registrar.throttle!.isBanned('127.0.0.66')).toBe(false);
    for (let i = 0; i < 10; i++) {
      const res = await ua.send({ authorization: 'Digest username="1000", realm="example.test", nonce="forged", uri="sip:example.test", response="0123456789abcdef0123456789abcdef"' });
      expect(res.status).toBe(401);
    }
    expect(r.registrar.throttle!.isBanned('127.0.0.66')).toBe(false);
  });

  it('auth-fail-max 0 turns the throttle off', async () => {
    const r = (rig = await RegistrarRig.create({ settings: { authFailMax: 0 } }));
    expect(r.registrar.throttle).toBeUndefined();
    const ua = r.ua('127.0.0.66');
    for (let i = 0; i < 8; i++) await ua.register({ password: 'bad' });
    expect((await ua.register({ password: '1234' })).final.status).toBe(200);
  });
});

describe('log-auth-failures', () => {
  it("writes FreeSWITCH's fail2ban line with the socket address, user@domain from To; sanitised", async () => {
    const cap = capture();
    const r = (rig = await RegistrarRig.create({ settings: { logAuthFailures: true, authFailMax: 0 }, logger: cap.logger }));
    await r.ua('127.0.0.66').register({ user: '1000', password: 'bad' });
    const msgs = cap.lines().map((l) => l.msg as string);
    expect(msgs).toContain("SIP auth failure (REGISTER) on sofia profile 'internal' for [1000@example.test] from ip 127.0.0.66");
    // A username cannot forge a second line: control characters are escaped.
    const ua = r.ua('127.0.0.67');
    const evil = (auth?: string) => {
      const t = ua.text({ user: '1000', authorization: auth }).replace('To: <sip:1000@example.test>', 'To: <sip:1000%0afrom%20ip%201.2.3.4@example.test>');
      return t;
    };
    const challenge = await ua.send(evil());
    expect(challenge.status).toBe(401);
    const { answerChallenge } = await import('../../../../src/sip/auth');
    const ans = answerChallenge({ challenge: challenge.headers.getAll('www-authenticate'), method: 'REGISTER', uri: 'sip:example.test', username: '1000', password: 'bad' });
    expect((await ua.send(evil(ans.header))).status).toBe(403);
    const last = cap.lines().map((l) => l.msg as string).filter((m) => m.startsWith('SIP auth failure')).pop()!;
    expect(last.endsWith('from ip 127.0.0.67')).toBe(true);
    expect(last).not.toContain('\n');
    expect(last).toContain('[1000\\x0afrom ip 1.2.3.4@example.test]');
  });

  it('off: no line', async () => {
    const cap = capture();
    const r = (rig = await RegistrarRig.create({ settings: { logAuthFailures: false }, logger: cap.logger }));
    await r.ua('127.0.0.66').register({ password: 'bad' });
    expect(cap.lines().filter((l) => String(l.msg).startsWith('SIP auth failure'))).toEqual([]);
  });
});

describe('offered algorithms (rfc8760-auth-algorithms)', () => {
  it('MD5 only (the default): one challenge; a SHA-256 answer is not accepted', async () => {
    const r = (rig = await RegistrarRig.create({ settings: { authAlgorithms: ['MD5'] } }));
    const ua = r.ua('127.0.0.5');
    const first = await ua.send();
    expect(parseDigestChallenges(first.headers.getAll('www-authenticate')).map((c) => c.algorithm)).toEqual(['MD5']);
    const { answerChallenge } = await import('../../../../src/sip/auth');
    const forged = { ...parseDigestChallenges(first.headers.getAll('www-authenticate'))[0]!, algorithm: 'SHA-256' };
    const sha = answerChallenge({ challenge: forged, method: 'REGISTER', uri: 'sip:example.test', username: '1000', password: '1234' });
    expect((await ua.send({ authorization: sha.header })).status).toBe(401);
    expect((await ua.register({ password: '1234' })).final.status).toBe(200);
  });
});
