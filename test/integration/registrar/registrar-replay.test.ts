/**
 * Digest replay variants (a)-(h) of security.md §3.4 on the wire (goal G9): a registrar on a real
 * UDP socket (127.0.0.1, ephemeral port), raw REGISTERs from node sockets bound to 127.0.0.1 and
 * 127.0.0.5. Every variant is rejected and changes no binding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAcls } from '../../../src/config';
import { MemoryLocationStore } from '../../../src/endpoints/sofia/location';
import { ProfileServer } from '../../../src/endpoints/sofia/profile-server';
import { Registrar } from '../../../src/endpoints/sofia/registrar';
import { registrarSettings } from '../../../src/endpoints/sofia/registrar-settings';
import { answerChallenge, parseDigestChallenges, parseDigestCredentials, formatDigestCredentials } from '../../../src/sip/auth';
import type { SipResponse } from '../../../src/sip/message';
import { logger } from '../../../src/util/logger';
import { makeDirectory } from '../../unit/endpoints/sofia/registrar-harness';
import { OffsetClock, RawUa } from './helpers';

const DOMAIN = '127.0.0.1';
const clock = new OffsetClock();
const store = new MemoryLocationStore({ clock });
const acls = builtinAcls('127.0.0.1/32');
const directory = makeDirectory([{ id: '1000', params: { password: '1234' } }], DOMAIN, acls);
let server: ProfileServer;
let registrar: Registrar;
let target: { address: string; port: number };
let ua: RawUa;
let other: RawUa;

function newRegistrar(): Registrar {
  return new Registrar({
    profile: 'internal',
    settings: registrarSettings({ authAlgorithms: ['SHA-256', 'MD5'], forceMatchingUsername: true, authFailMax: 0, nonceTtl: 60 }),
    store,
    directory,
    acls,
    clock,
    logger,
  }).attach(server);
}

beforeAll(async () => {
  server = await ProfileServer.start({ name: 'internal', ip: '127.0.0.1', port: 0 });
  target = { address: '127.0.0.1', port: server.addresses.udp!.port };
  registrar = newRegistrar();
  ua = await RawUa.open('127.0.0.1', target);
  other = await RawUa.open('127.0.0.5', target);
});

afterAll(async () => {
  await ua?.close();
  await other?.close();
  await registrar?.close();
  await server?.close();
});

const challenges = (r: SipResponse) => r.headers.getAll('www-authenticate');
const answer = (r: SipResponse, o: { nc?: number; password?: string; uri?: string; method?: string } = {}) =>
  answerChallenge({ challenge: challenges(r), method: o.method ?? 'REGISTER', uri: o.uri ?? `sip:${DOMAIN}`, username: '1000', password: o.password ?? '1234', nc: o.nc });

/** Runs fn and checks that no binding was added, refreshed or removed meanwhile. */
async function unchanged(fn: () => Promise<void>): Promise<void> {
  const updates = registrar.counters.updates;
  const rows = JSON.stringify(await store.list());
  await fn();
  expect(registrar.counters.updates).toBe(updates);
  expect(JSON.stringify(await store.list())).toBe(rows);
}

describe('digest replay variants are rejected on the wire (security.md §3.4)', () => {
  let first: SipResponse;
  let valid: string;

  it('baseline: a fresh answer registers', async () => {
    first = await ua.send({ expires: 600 });
    expect(first.status).toBe(401);
    valid = answer(first).header;
    expect((await ua.send({ expires: 600, authorization: valid })).status).toBe(200);
    expect(await store.count()).toBe(1);
  });

  it('(a) the same Authorization again: 401, not stale', async () => {
    await unchanged(async () => {
      const r = await ua.send({ expires: 600, authorization: valid });
      expect(r.status).toBe(401);
      expect(parseDigestChallenges(challenges(r)).some((c) => c.stale)).toBe(false);
    });
  });

  it('(b) the same nonce with nc not above the last seen: 401', async () => {
    expect((await ua.send({ expires: 600, authorization: answer(first, { nc: 5 }).header })).status).toBe(200);
    await unchanged(async () => {
      expect((await ua.send({ expires: 600, authorization: answer(first, { nc: 5 }).header })).status).toBe(401);
      expect((await ua.send({ expires: 600, authorization: answer(first, { nc: 3 }).header })).status).toBe(401);
    });
    expect((await ua.send({ expires: 600, authorization: answer(first, { nc: 6 }).header })).status).toBe(200);
  });

  it('(c) after the nonce expired: 401 with stale=true (right password)', async () => {
    const ch = await ua.send({ expires: 600 });
    clock.offsetMs += 61_000;
    await unchanged(async () => {
      const r = await ua.send({ expires: 600, authorization: answer(ch).header });
      expect(r.status).toBe(401);
      expect(parseDigestChallenges(challenges(r)).every((c) => c.stale === true)).toBe(true);
    });
  });

  it('(d) the same credentials for another method or another Request-URI: 403', async () => {
    const ch = await ua.send({ expires: 600 });
    await unchanged(async () => {
      // Computed for INVITE, sent in a REGISTER: the response does not match.
      expect((await ua.send({ expires: 600, authorization: answer(ch, { method: 'INVITE' }).header })).status).toBe(403);
      // Computed for sip:127.0.0.1, sent to another Request-URI.
      expect((await ua.send({ expires: 600, requestUri: `sip:${DOMAIN};x=1`, authorization: answer(ch, { nc: 2 }).header })).status).toBe(403);
    });
  });

  it('(e) the same credentials from another source IP (nonce bound to the IP): 401', async () => {
    const ch = await ua.send({ expires: 600 });
    await unchanged(async () => {
      expect((await other.send({ expires: 600, authorization: answer(ch).header })).status).toBe(401);
    });
  });

  it('(f) a nonce never issued, issued for another realm, or tampered: 401', async () => {
    const ch = await ua.send({ expires: 600 });
    const creds = parseDigestCredentials(answer(ch).header)!;
    const forOther = await ua.send({ expires: 600, domain: 'other.test', requestUri: `sip:${DOMAIN}` });
    const otherNonce = parseDigestChallenges(challenges(forOther))[0]!.nonce;
    await unchanged(async () => {
      const never = answerChallenge({ challenge: { ...parseDigestChallenges(challenges(ch))[0]!, nonce: 'bm90LWlzc3VlZC1ieS11cw' }, method: 'REGISTER', uri: `sip:${DOMAIN}`, username: '1000', password: '1234' });
      expect((await ua.send({ expires: 600, authorization: never.header })).status).toBe(401);
      const realm = answerChallenge({ challenge: { ...parseDigestChallenges(challenges(ch))[0]!, nonce: otherNonce }, method: 'REGISTER', uri: `sip:${DOMAIN}`, username: '1000', password: '1234' });
      expect((await ua.send({ expires: 600, authorization: realm.header })).status).toBe(401);
      const n = creds.nonce!;
      const flipped = n.slice(0, 10) + (n[10] === 'A' ? 'B' : 'A') + n.slice(11);
      const tampered = answerChallenge({ challenge: { ...parseDigestChallenges(challenges(ch))[0]!, nonce: flipped }, method: 'REGISTER', uri: `sip:${DOMAIN}`, username: '1000', password: '1234' });
      expect((await ua.send({ expires: 600, authorization: tampered.header })).status).toBe(401);
    });
  });

  it('(g) a nonce issued before a restart: 401 (per-process HMAC secret; a phone just re-answers)', async () => {
    const ch = await ua.send({ expires: 600 });
    await registrar.close();
    registrar = newRegistrar();
    await unchanged(async () => {
      const r = await ua.send({ expires: 600, authorization: answer(ch).header });
      expect(r.status).toBe(401);
      expect(parseDigestChallenges(challenges(r)).some((c) => c.stale)).toBe(false);
    });
    const fresh = await ua.send({ expires: 600 });
    expect((await ua.send({ expires: 600, authorization: answer(fresh).header })).status).toBe(200);
  });

  it('(h) a digest uri that is not the Request-URI (response computed for that uri): 403', async () => {
    const ch = await ua.send({ expires: 600 });
    await unchanged(async () => {
      const a = answer(ch, { uri: 'sip:elsewhere.example' });
      expect(parseDigestCredentials(a.header)!.uri).toBe('sip:elsewhere.example');
      expect((await ua.send({ expires: 600, authorization: a.header })).status).toBe(403);
      // And a uri edited after computing: the response no longer matches either.
      const edited = formatDigestCredentials({ ...parseDigestCredentials(answer(ch, { nc: 2 }).header)!, uri: `sip:${DOMAIN}` + ';x=1' });
      expect((await ua.send({ expires: 600, authorization: edited })).status).toBe(403);
    });
  });
});
