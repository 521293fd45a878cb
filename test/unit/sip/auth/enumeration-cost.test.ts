/**
 * Goal G16 (security.md): an unknown user must cost the server the same work as a wrong password,
 * so response timing cannot enumerate users. Measured structurally (hash operations and the
 * constant-time compare), not with a stopwatch: timing belongs in test/bench/auth-digest.ts.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

/** createHash: hash operations, whether through createHash() or the one-shot crypto.hash(). */
const counts = { createHash: 0, timingSafeEqual: 0 };
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    createHash: (...args: Parameters<typeof real.createHash>) => {
      counts.createHash++;
      return real.createHash(...args);
    },
    // The one-shot form (digest.ts and hmac.ts use it where Node has it): counted the same way.
    hash: (...args: Parameters<typeof real.hash>) => {
      counts.createHash++;
      return (real.hash as (...a: unknown[]) => unknown)(...args);
    },
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      counts.timingSafeEqual++;
      return real.timingSafeEqual(a, b);
    },
  };
});

const { DigestServer } = await import('../../../../src/sip/auth/digest-server');
const { answerChallenge } = await import('../../../../src/sip/auth/digest-client');
const { FakeClock } = await import('../../../../src/util/clock');

const REALM = 'example.com';
const RURI = 'sip:example.com';
const IP = '127.0.0.3';

function work(fn: () => void): { createHash: number; timingSafeEqual: number } {
  counts.createHash = 0;
  counts.timingSafeEqual = 0;
  fn();
  return { ...counts };
}

describe('unknown user vs wrong password: same work (G16)', () => {
  let server: InstanceType<typeof DigestServer>;
  beforeEach(() => {
    server = new DigestServer({ secret: 'test-secret-0123456789', clock: new FakeClock() });
  });

  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    it(`${algorithm}: same number of hash operations and constant-time compares`, () => {
      const credsFor = (username: string) =>
        answerChallenge({
          challenge: server.createChallenge({ realm: REALM, clientIp: IP, algorithms: [algorithm] }),
          method: 'REGISTER',
          uri: RURI,
          username,
          password: 'guess',
          cnonce: 'c0ffee',
        }).header;
      const base = { method: 'REGISTER', realm: REALM, clientIp: IP, requestUri: RURI };
      const ghost = credsFor('ghost');
      const real = credsFor('1000');
      const unknown = work(() => server.verifyUnknownUser({ ...base, credentials: ghost }));
      const wrong = work(() => server.verify({ ...base, credentials: real, password: 'the-real-password' }));
      expect(unknown.createHash).toBeGreaterThan(0);
      expect(unknown.timingSafeEqual).toBeGreaterThanOrEqual(1);
      expect(unknown).toEqual(wrong);
    });
  }
});
