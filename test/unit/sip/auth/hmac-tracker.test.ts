import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from '../../../../src/sip/auth/hmac';
import { NonceSigner } from '../../../../src/sip/auth/nonce';
import { NonceCountTracker } from '../../../../src/sip/auth/nonce-tracker';

describe('HmacSha256', () => {
  it('equals createHmac for keys shorter than, equal to and longer than the block, and any message length', () => {
    for (const keyLen of [1, 16, 32, 63, 64, 65, 200]) {
      const key = Buffer.alloc(keyLen);
      for (let i = 0; i < keyLen; i++) key[i] = (i * 37 + keyLen) & 0xff;
      const h = new HmacSha256(key);
      for (const msgLen of [0, 1, 55, 56, 64, 300, 5000]) {
        const msg = Buffer.alloc(msgLen);
        for (let i = 0; i < msgLen; i++) msg[i] = (i * 11 + 3) & 0xff;
        expect(h.digest(msg).toString('hex')).toBe(createHmac('sha256', key).update(msg).digest('hex'));
      }
    }
  });

  it('RFC 4231 test case 2', () => {
    const h = new HmacSha256(Buffer.from('Jefe'));
    expect(h.digest(Buffer.from('what do ya want for nothing?')).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});

describe('NonceSigner MAC', () => {
  it('is HMAC-SHA256(secret, label 0 body 0 realm 0 ip) truncated to 16 bytes, for long and non-ASCII realms too', () => {
    const secret = Buffer.from('a secret of some length');
    const signer = new NonceSigner(secret, Buffer.from([1, 2, 3, 4]));
    for (const [realm, ip] of [['example.com', '192.0.2.1'], ['r'.repeat(2000), undefined], ['réalm-ü-\u{1F600}', '2001:db8::1'], ['lone\uD800surrogate', 'x']] as const) {
      const nonce = signer.issue(realm, ip, 1_700_000_000_000);
      const raw = Buffer.from(nonce, 'base64url');
      const body = raw.subarray(0, 18);
      const expected = createHmac('sha256', secret)
        .update(Buffer.from('strowger-nonce-v1\0', 'latin1'))
        .update(body)
        .update('\0' + realm + '\0' + (ip ?? ''), 'utf8')
        .digest()
        .subarray(0, 16);
      expect(raw.subarray(18).equals(expected)).toBe(true);
      expect(signer.check(nonce, realm, ip, 1_700_000_000_500, 60_000).kind).toBe('valid');
      expect(signer.check(nonce, realm + 'x', ip, 1_700_000_000_500, 60_000).kind).toBe('invalid');
    }
  });
});

describe('NonceCountTracker', () => {
  it('accepts increasing nc, refuses replays, and a no-qop use makes the nonce single-use', () => {
    const t = new NonceCountTracker(10, 60_000);
    expect(t.check(1, 1)).toBe('ok');
    t.commit(1, 0, 1, 0);
    expect(t.check(1, 1)).toBe('replay');
    expect(t.check(1, 2)).toBe('ok');
    expect(t.check(1, undefined)).toBe('replay');
    t.commit(2, 0, undefined, 0);
    expect(t.check(2, undefined)).toBe('replay');
    expect(t.check(2, 5)).toBe('replay');
  });

  it('evicts the least recently used entry at capacity and reports evicted nonces as unknown', () => {
    const t = new NonceCountTracker(3, 60_000);
    t.commit(1, 0, 1, 0);
    t.commit(2, 0, 1, 0);
    t.commit(3, 0, 1, 0);
    t.commit(1, 0, 2, 0); // 1 becomes the most recently used: 2 is now the oldest
    t.commit(4, 0, 1, 0);
    expect(t.size).toBe(3);
    expect(t.evicted).toBe(1);
    expect(t.check(2, 2)).toBe('unknown'); // evicted: history unknown
    expect(t.check(1, 2)).toBe('replay'); // kept, with its count
    expect(t.check(1, 3)).toBe('ok');
    expect(t.check(3, 2)).toBe('ok');
    // Below the watermark (2) and never tracked: unknown; above it: ok.
    expect(t.check(0, 1)).toBe('unknown');
    expect(t.check(5, 1)).toBe('ok');
  });

  it('stays bounded and exact under many commits (no entry lost, the watermark only rises)', () => {
    const t = new NonceCountTracker(100, 60_000);
    for (let seq = 1; seq <= 10_000; seq++) {
      t.commit(seq, 0, 1, 0);
      if (seq % 3 === 0) t.commit(seq - 1, 0, 2, 0);
      expect(t.size).toBeLessThanOrEqual(100);
    }
    expect(t.check(10_000, 1)).toBe('replay');
    expect(t.check(9_998, 2)).toBe('replay'); // 9999 % 3 === 0: 9998 got nc 2
    expect(t.check(9_998, 3)).toBe('ok');
    expect(t.check(1, 2)).toBe('unknown');
  });

  it('drops entries older than the TTL from the old end as commits come', () => {
    const t = new NonceCountTracker(1000, 1000);
    for (let seq = 1; seq <= 5; seq++) t.commit(seq, 0, 1, 0);
    t.commit(6, 2000, 1, 2000); // entries issued at 0 are past the TTL at 2000
    expect(t.size).toBe(1);
    expect(t.evicted).toBe(0); // expiry is not eviction: no watermark
    expect(t.check(1, 2)).toBe('ok');
    t.clear();
    expect(t.size).toBe(0);
    t.commit(7, 2000, 1, 2000);
    expect(t.check(7, 1)).toBe('replay');
  });
});
