/**
 * The response comparison must go through crypto.timingSafeEqual on equal-length buffers, for a
 * wrong response as well as a right one (no early-exit string comparison on the secret path).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('node:crypto', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:crypto')>();
  return { ...orig, default: orig, timingSafeEqual: vi.fn(orig.timingSafeEqual) };
});

const crypto = await import('node:crypto');
const { DigestServer } = await import('../../../../src/sip/auth/digest-server');
const { answerChallenge } = await import('../../../../src/sip/auth/digest-client');

const spy = vi.mocked(crypto.timingSafeEqual);

describe('constant-time response comparison', () => {
  beforeEach(() => {
    spy.mockClear();
  });

  function run(password: string, algorithm: 'MD5' | 'SHA-256') {
    const server = new DigestServer({ secret: 'k', algorithms: [algorithm] });
    const challenge = server.createChallenge({ realm: 'r', clientIp: '127.0.0.1' });
    const auth = answerChallenge({ challenge, method: 'REGISTER', uri: 'sip:r', username: 'u', password }).header;
    spy.mockClear();
    const res = server.verify({ method: 'REGISTER', credentials: auth, realm: 'r', clientIp: '127.0.0.1', requestUri: 'sip:r', password: 'right' });
    // calls: [0] the nonce MAC (16 bytes), [1] the response (hex digest length)
    const lengths = spy.mock.calls.map(([a, b]) => [(a as Buffer).length, (b as Buffer).length]);
    return { outcome: res.outcome, lengths };
  }

  it.each([
    ['MD5', 32],
    ['SHA-256', 64],
  ] as const)('%s: right and wrong responses both use timingSafeEqual on %d-byte buffers', (alg, len) => {
    const ok = run('right', alg);
    expect(ok.outcome).toBe('ok');
    expect(ok.lengths).toEqual([[16, 16], [len, len]]);
    const bad = run('wrong', alg);
    expect(bad.outcome).toBe('bad-response');
    expect(bad.lengths).toEqual([[16, 16], [len, len]]);
  });
});
