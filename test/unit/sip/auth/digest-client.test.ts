import { describe, expect, it } from 'vitest';
import { isStrowgerError } from '../../../../src/util/errors';
import { parseDigestChallenges, parseDigestCredentials } from '../../../../src/sip/auth/auth-header';
import { answerChallenge, selectChallenge } from '../../../../src/sip/auth/digest-client';
import { computeHa1 } from '../../../../src/sip/auth/digest';
import { DigestServer } from '../../../../src/sip/auth/digest-server';

describe('answerChallenge', () => {
  it('reproduces the RFC 2617 §3.5 Authorization from its challenge', () => {
    const challenge =
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"';
    const a = answerChallenge({ challenge, method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle Of Life', cnonce: '0a4f113b', nc: 1 });
    expect(a.credentials).toEqual({
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      response: '6629fae49393a05397450978507c4ef1',
      algorithm: 'MD5',
      cnonce: '0a4f113b',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
      qop: 'auth',
      nc: '00000001',
    });
    expect(parseDigestCredentials(a.header)).toEqual(a.credentials);
  });

  it('reproduces the RFC 7616 §3.9.1 SHA-256 response, picking SHA-256 when listed first', () => {
    const realm = 'http-auth@example.org';
    const nonce = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
    const opaque = 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS';
    const a = answerChallenge({
      challenge: [
        `Digest realm="${realm}", qop="auth, auth-int", algorithm=SHA-256, nonce="${nonce}", opaque="${opaque}"`,
        `Digest realm="${realm}", qop="auth, auth-int", algorithm=MD5, nonce="${nonce}", opaque="${opaque}"`,
      ],
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle of Life',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    });
    expect(a.algorithm).toBe('SHA-256');
    expect(a.credentials.response).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    expect(a.credentials.opaque).toBe(opaque);
  });

  it('skips unsupported algorithms and auth-int-only challenges', () => {
    const chs = parseDigestChallenges([
      'Digest realm="r", nonce="1", algorithm=AKAv1-MD5, qop="auth"',
      'Digest realm="r", nonce="2", algorithm=SHA-256, qop="auth-int"',
      'Digest realm="r", nonce="3", algorithm=MD5, qop="auth"',
    ]);
    expect(selectChallenge(chs)!.challenge.nonce).toBe('3');
    expect(selectChallenge(chs, { algorithms: ['SHA-256'] })).toBeUndefined();
  });

  it('answers an RFC 2069 challenge (no qop) without nc/cnonce', () => {
    const a = answerChallenge({ challenge: 'Digest realm="r", nonce="abc"', method: 'REGISTER', uri: 'sip:r', username: 'u', password: 'p' });
    expect(a.credentials.qop).toBeUndefined();
    expect(a.credentials.nc).toBeUndefined();
    expect(a.credentials.cnonce).toBeUndefined();
  });

  it('with only an MD5 HA1, answers MD5 challenges only', () => {
    const ha1 = computeHa1('MD5', 'u', 'r', 'p');
    const chs = ['Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"', 'Digest realm="r", nonce="n", algorithm=MD5, qop="auth"'];
    const viaHa1 = answerChallenge({ challenge: chs, method: 'REGISTER', uri: 'sip:r', username: 'u', ha1, cnonce: 'c' });
    const viaPw = answerChallenge({ challenge: [chs[1]!], method: 'REGISTER', uri: 'sip:r', username: 'u', password: 'p', cnonce: 'c' });
    expect(viaHa1.algorithm).toBe('MD5');
    expect(viaHa1.credentials.response).toBe(viaPw.credentials.response);
  });

  it('refuses a realm it was not configured for (digest-leak guard, CVE-2021-41158)', () => {
    try {
      answerChallenge({ challenge: 'Digest realm="gw1.test", nonce="n", qop="auth"', method: 'BYE', uri: 'sip:x', username: 'u', password: 'p', expectedRealm: 'other.test' });
      expect.unreachable();
    } catch (e) {
      expect(isStrowgerError(e, 'SIP_AUTH')).toBe(true);
    }
  });

  it('throws typed errors for unusable input', () => {
    const bad: Array<() => unknown> = [
      () => answerChallenge({ challenge: 'Basic realm="x"', method: 'R', uri: 'u', username: 'u', password: 'p' }),
      () => answerChallenge({ challenge: 'Digest realm="r", nonce="n"', method: 'R', uri: 'u', username: 'u' }),
      () => answerChallenge({ challenge: 'Digest realm="r", nonce="n", qop="auth"', method: 'R', uri: 'u', username: 'u', password: 'p', nc: 0 }),
    ];
    for (const f of bad) expect(() => f()).toThrowError(expect.objectContaining({ code: 'SIP_AUTH' }));
  });

  it('interoperates with DigestServer for every algorithm and increasing nc', () => {
    for (const alg of ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const) {
      const server = new DigestServer({ algorithms: [alg] });
      const ch = server.createChallenge({ realm: 'example.com', clientIp: '127.0.0.5' });
      for (let nc = 1; nc <= 3; nc++) {
        const { header } = answerChallenge({ challenge: ch, method: 'INVITE', uri: 'sip:1002@example.com', username: '1001', password: 'pw', nc });
        const r = server.verify({ method: 'INVITE', credentials: header, realm: 'example.com', clientIp: '127.0.0.5', requestUri: 'sip:1002@example.com', password: 'pw' });
        expect([alg, nc, r.outcome]).toEqual([alg, nc, 'ok']);
      }
    }
  });
});
