/**
 * Abuse tests on the wire (security.md §3.3; goals G15, G16): a registrar on a real UDP socket,
 * node sockets bound to distinct loopback addresses.
 *
 * - Brute force: the attacker at 127.0.0.66 sends 1,000 svcrack-style REGISTERs for 1001 with
 *   wrong passwords (valid digest format); after 5 failures in 60 s it is banned for 300 s and at
 *   most 5 guesses are ever evaluated; 1001 at 127.0.0.3 keeps registering; the right password
 *   from the banned address is refused until the ban expires, then accepted.
 * - Enumeration: an unknown user and a wrong password look the same (status, header names) and
 *   take the same time (median of interleaved samples, printed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAcls } from '../../../src/config';
import { MemoryLocationStore } from '../../../src/endpoints/sofia/location';
import { ProfileServer } from '../../../src/endpoints/sofia/profile-server';
import { Registrar } from '../../../src/endpoints/sofia/registrar';
import { registrarSettings, type RegistrarSettings } from '../../../src/endpoints/sofia/registrar-settings';
import { answerChallenge, parseDigestChallenges } from '../../../src/sip/auth';
import type { SipResponse } from '../../../src/sip/message';
import { logger } from '../../../src/util/logger';
import { makeDirectory } from '../../unit/endpoints/sofia/registrar-harness';
import { headerNames, OffsetClock, RawUa } from './helpers';

const DOMAIN = '127.0.0.1';
const acls = builtinAcls('127.0.0.1/32');
const directory = makeDirectory(
  [
    { id: '1000', params: { password: '1234' } },
    { id: '1001', params: { password: 'correct-horse' } },
  ],
  DOMAIN,
  acls,
);

interface Rig {
  clock: OffsetClock;
  server: ProfileServer;
  registrar: Registrar;
  target: { address: string; port: number };
  close(): Promise<void>;
}

async function rig(settings: Partial<RegistrarSettings>): Promise<Rig> {
  const clock = new OffsetClock();
  const server = await ProfileServer.start({ name: 'internal', ip: '127.0.0.1', port: 0 });
  const store = new MemoryLocationStore({ clock });
  const registrar = new Registrar({
    profile: 'internal',
    settings: registrarSettings({ authAlgorithms: ['MD5'], forceMatchingUsername: true, ...settings }),
    store,
    directory,
    acls,
    clock,
    logger,
  }).attach(server);
  return {
    clock,
    server,
    registrar,
    target: { address: '127.0.0.1', port: server.addresses.udp!.port },
    async close() {
      await registrar.close();
      await server.close();
      await store.close();
    },
  };
}

describe('brute-force throttle (G15)', () => {
  let r: Rig;
  let attacker: RawUa;
  let legit: RawUa;
  beforeAll(async () => {
    r = await rig({ authFailMax: 5, authFailWindow: 60, authBanTime: 300, logAuthFailures: false });
    attacker = await RawUa.open('127.0.0.66', r.target);
    legit = await RawUa.open('127.0.0.3', r.target);
  });
  afterAll(async () => {
    await attacker?.close();
    await legit?.close();
    await r?.close();
  });

  it('1,000 guesses from 127.0.0.66: ≤ 5 evaluated, the rest 403; 1001 at 127.0.0.3 unaffected; the ban expires on time', async () => {
    const auth = r.registrar.auth.counters;
    let legitChecks = 0;
    let challenge: SipResponse | undefined;
    let nc = 1;
    const statuses = new Map<number, number>();
    let attackerChecks = 0;
    for (let i = 0; i < 1000; i++) {
      if (!challenge) {
        const c = await attacker.send({ user: '1001', expires: 600 });
        statuses.set(c.status, (statuses.get(c.status) ?? 0) + 1);
        if (c.status === 401) challenge = c;
        continue;
      }
      const before = auth.verifications;
      const guess = answerChallenge({ challenge: challenge.headers.getAll('www-authenticate'), method: 'REGISTER', uri: `sip:${DOMAIN}`, username: '1001', password: `guess-${i}`, nc: nc++ });
      const res = await attacker.send({ user: '1001', expires: 600, authorization: guess.header });
      attackerChecks += auth.verifications - before;
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 401) challenge = res;
      if (i % 100 === 50) {
        const ok = await legit.register({ user: '1001', password: 'correct-horse', expires: 600 });
        legitChecks++;
        expect(ok.final.status).toBe(200);
      }
    }
    console.log(`[registrar-abuse] attacker: ${attackerChecks} guesses evaluated of 1000 requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}; legit registrations: ${legitChecks} x 200`);
    expect(attackerChecks).toBeLessThanOrEqual(5);
    expect(statuses.get(403)).toBeGreaterThanOrEqual(990);
    expect(statuses.get(200)).toBeUndefined();
    expect(r.registrar.throttle!.isBanned('127.0.0.66')).toBe(true);
    expect(r.registrar.throttle!.isBanned('127.0.0.3')).toBe(false);

    // The right password from the banned address: refused until the ban (300 s) is over.
    expect((await attacker.register({ user: '1001', password: 'correct-horse', expires: 600 })).final.status).toBe(403);
    r.clock.offsetMs += 295_000;
    expect((await attacker.register({ user: '1001', password: 'correct-horse', expires: 600 })).final.status).toBe(403);
    r.clock.offsetMs += 10_000;
    expect((await attacker.register({ user: '1001', password: 'correct-horse', expires: 600 })).final.status).toBe(200);
  }, 60_000);
});

describe('no user enumeration (G16)', () => {
  let r: Rig;
  let ua: RawUa;
  beforeAll(async () => {
    r = await rig({ authFailMax: 0 });
    ua = await RawUa.open('127.0.0.1', r.target);
  });
  afterAll(async () => {
    await ua?.close();
    await r?.close();
  });

  async function attempt(user: string): Promise<{ first: SipResponse; final: SipResponse; ms: number }> {
    const first = await ua.send({ user, expires: 600 });
    const a = answerChallenge({ challenge: first.headers.getAll('www-authenticate'), method: 'REGISTER', uri: `sip:${DOMAIN}`, username: user, password: 'not-the-password' });
    const t0 = process.hrtime.bigint();
    const final = await ua.send({ user, expires: 600, authorization: a.header });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { first, final, ms };
  }

  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)]!;
  };

  it('unknown user and wrong password: same codes, same header names, same timing (median of 300 interleaved samples)', async () => {
    const SAMPLES = 300;
    const known: number[] = [];
    const unknown: number[] = [];
    const shapes = new Set<string>();
    for (let i = 0; i < 20; i++) await attempt(i % 2 ? '1000' : '4242'); // warm-up
    for (let i = 0; i < SAMPLES; i++) {
      for (const [user, out] of i % 2 ? ([['1000', known], ['4242', unknown]] as const) : ([['4242', unknown], ['1000', known]] as const)) {
        const a = await attempt(user);
        expect(a.first.status).toBe(401);
        expect(a.final.status).toBe(403);
        expect(parseDigestChallenges(a.first.headers.getAll('www-authenticate'))).toHaveLength(1);
        shapes.add(`${a.first.status} ${a.first.reason} ${headerNames(a.first).join(',')} | ${a.final.status} ${a.final.reason} ${headerNames(a.final).join(',')}`);
        out.push(a.ms);
      }
    }
    expect(shapes.size).toBe(1);
    const mk = median(known);
    const mu = median(unknown);
    console.log(
      `[registrar-abuse] enumeration: median 403 round trip wrong password ${mk.toFixed(3)} ms, unknown user ${mu.toFixed(3)} ms, delta ${Math.abs(mk - mu).toFixed(3)} ms (bound 2 ms, ${SAMPLES} samples each)`,
    );
    expect(Math.abs(mk - mu)).toBeLessThan(2);
    expect(r.registrar.auth.counters.unknownUser).toBeGreaterThanOrEqual(SAMPLES);
  }, 60_000);
});
