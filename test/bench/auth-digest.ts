/**
 * Digest verification cost, as ratios against baselines measured in the same run:
 *   - "raw MD5 chain": three createHash('md5') calls (HA1, HA2, response), the irreducible work;
 *   - npm `sip` digest.authenticateRequest on an already-parsed header (peer implementation).
 * Ours takes the header *string* and also checks the HMAC nonce, the uri and the nonce-count.
 * Also prints unknown-user vs wrong-password time (goal G16: should be ~1.0).
 *
 *   npx tsx test/bench/auth-digest.ts
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { answerChallenge } from '../../src/sip/auth/digest-client';
import { DigestServer } from '../../src/sip/auth/digest-server';
import type { DigestAlgorithm } from '../../src/sip/auth/digest';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sipDigest = require('sip/digest') as {
  authenticateRequest(ctx: Record<string, unknown>, rq: unknown, creds: { user: string; password: string }): boolean;
  calculateDigest(ctx: Record<string, unknown>): string;
  calculateUserRealmPasswordHash(u: string, r: string, p: string): string;
};

const N = 20_000;
const ROUNDS = 3;
const REALM = 'example.com';
const URI = 'sip:example.com';

function best(fn: () => number): number {
  let b = Infinity;
  for (let r = 0; r < ROUNDS; r++) b = Math.min(b, fn());
  return b;
}
function timeLoop(n: number, body: (i: number) => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body(i);
  return Number(process.hrtime.bigint() - t0) / n; // ns per op
}
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

// Baseline 1: raw MD5 chain.
const raw = best(() => timeLoop(N, (i) => {
  const ha1 = md5(`1001:${REALM}:pw${i & 7}`);
  md5(`${ha1}:nonce:00000001:c:auth:${md5(`REGISTER:${URI}`)}`);
}));

// Baseline 2: npm sip digest (MD5), headers pre-parsed, server nc increments per call.
const sipNs = best(() => {
  const ctx: Record<string, unknown> = { realm: REALM, nonce: 'abcdef0123456789', nc: 0 };
  const ha1 = sipDigest.calculateUserRealmPasswordHash('1001', REALM, 'pw');
  const rqs = Array.from({ length: N }, (_, i) => {
    const nc = (i + 1).toString(16).padStart(8, '0');
    const response = sipDigest.calculateDigest({ ha1, method: 'REGISTER', nonce: 'abcdef0123456789', nc, cnonce: 'c', qop: 'auth', uri: URI });
    return { method: 'REGISTER', headers: { authorization: [{ scheme: 'Digest', realm: `"${REALM}"`, username: '"1001"', uri: `"${URI}"`, cnonce: '"c"', qop: 'auth', nc, response: `"${response}"` }] } };
  });
  let okCount = 0;
  const ns = timeLoop(N, (i) => {
    delete ctx.ha1;
    if (sipDigest.authenticateRequest(ctx, rqs[i], { user: '1001', password: 'pw' })) okCount++;
  });
  if (okCount !== N) throw new Error(`sip baseline verified ${okCount}/${N}`);
  return ns;
});

function ours(alg: DigestAlgorithm): number {
  return best(() => {
    const server = new DigestServer({ algorithms: [alg], secret: 'bench' });
    const ch = server.createChallenge({ realm: REALM, clientIp: '127.0.0.3' });
    const headers = Array.from({ length: N }, (_, i) => answerChallenge({ challenge: ch, method: 'REGISTER', uri: URI, username: '1001', password: 'pw', nc: i + 1, cnonce: 'c' }).header);
    let okCount = 0;
    const ns = timeLoop(N, (i) => {
      if (server.verify({ method: 'REGISTER', credentials: headers[i]!, realm: REALM, clientIp: '127.0.0.3', requestUri: URI, password: 'pw' }).ok) okCount++;
    });
    if (okCount !== N) throw new Error(`verified ${okCount}/${N}`);
    return ns;
  });
}

const oursMd5 = ours('MD5');
const oursSha = ours('SHA-256');

// G16: unknown user vs wrong password, same inputs.
const server = new DigestServer({ secret: 'bench' });
const ch = server.createChallenge({ realm: REALM, clientIp: '127.0.0.3' });
const guesses = Array.from({ length: 2000 }, (_, i) => answerChallenge({ challenge: ch, method: 'REGISTER', uri: URI, username: '1001', password: `guess${i}`, nc: i + 1 }).header);
const base = { method: 'REGISTER', realm: REALM, clientIp: '127.0.0.3', requestUri: URI };
// Alternate the two so warm-up and machine noise hit both alike; keep the best of 5 each.
let wrongPw = Infinity;
let unknown = Infinity;
for (let r = 0; r < 5; r++) {
  wrongPw = Math.min(wrongPw, timeLoop(guesses.length, (i) => server.verify({ ...base, credentials: guesses[i]!, password: 'pw' })));
  unknown = Math.min(unknown, timeLoop(guesses.length, (i) => server.verifyUnknownUser({ ...base, credentials: guesses[i]! })));
}

const us = (ns: number) => (ns / 1000).toFixed(2).padStart(7) + ' µs';
console.log(`digest verify, ${N} ops x best of ${ROUNDS}`);
console.log(`  baseline raw MD5 chain           ${us(raw)}   1.00x`);
console.log(`  baseline npm sip (MD5, pre-parsed)${us(sipNs)}   ${(sipNs / raw).toFixed(2)}x raw`);
console.log(`  ours verify MD5 (string in)      ${us(oursMd5)}   ${(oursMd5 / raw).toFixed(2)}x raw, ${(oursMd5 / sipNs).toFixed(2)}x npm sip`);
console.log(`  ours verify SHA-256              ${us(oursSha)}   ${(oursSha / raw).toFixed(2)}x raw, ${(oursSha / sipNs).toFixed(2)}x npm sip`);
console.log(`  ours verify/s (SHA-256)          ${Math.round(1e9 / oursSha)}`);
console.log(`G16 unknown user / wrong password: ${(unknown / wrongPw).toFixed(2)}x (${us(unknown)} vs ${us(wrongPw)})`);
