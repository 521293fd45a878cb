/**
 * Known-answer vectors from security.md §3.4 (RFC 2617 §3.5, RFC 7616 §3.9.1) plus hash-primitive
 * checks for SHA-512/256 and an independent recomputation of the RFC 2069 (no qop) form.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  computeHa1,
  computeResponse,
  digestHexLength,
  hashHex,
  hexDigestsEqual,
  isHex,
  normalizeAlgorithm,
} from '../../../../src/sip/auth/digest';

describe('digest known-answer vectors', () => {
  it('RFC 2617 §3.5 (MD5, qop=auth)', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    expect(
      computeResponse({
        algorithm: 'MD5',
        ha1,
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        method: 'GET',
        uri: '/dir/index.html',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  const rfc7616 = {
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    method: 'GET',
    uri: '/dir/index.html',
    qop: 'auth',
    nc: '00000001',
  };

  it('RFC 7616 §3.9.1 (MD5)', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    expect(computeResponse({ algorithm: 'MD5', ha1, ...rfc7616 })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('RFC 7616 §3.9.1 (SHA-256)', () => {
    const ha1 = computeHa1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    expect(computeResponse({ algorithm: 'SHA-256', ha1, ...rfc7616 })).toBe(
      '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
    );
  });

  it('SHA-512/256 primitive (FIPS 180-4 "abc" vector) and 64-hex responses', () => {
    expect(hashHex('SHA-512-256', 'abc')).toBe('53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
    const ha1 = computeHa1('SHA-512-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    const r = computeResponse({ algorithm: 'SHA-512-256', ha1, ...rfc7616 });
    expect(r).toHaveLength(64);
    const h = (s: string) => createHash('sha512-256').update(s).digest('hex');
    expect(r).toBe(h(`${h('Mufasa:http-auth@example.org:Circle of Life')}:${rfc7616.nonce}:00000001:${rfc7616.cnonce}:auth:${h('GET:/dir/index.html')}`));
  });

  it('RFC 2069 form (no qop): H(HA1:nonce:HA2), recomputed independently', () => {
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const ha1 = md5('Mufasa:testrealm@host.com:Circle Of Life');
    const expected = md5(`${ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:${md5('GET:/dir/index.html')}`);
    expect(computeResponse({ algorithm: 'MD5', ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html' })).toBe(expected);
  });

  it('-sess: HA1 = H(H(A1):nonce:cnonce)', () => {
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const base = md5('u:r:p');
    const sess = md5(`${base}:N:C`);
    const expected = md5(`${sess}:N:00000001:C:auth:${md5('REGISTER:sip:r')}`);
    expect(computeResponse({ algorithm: 'MD5-sess', ha1: base, nonce: 'N', cnonce: 'C', nc: '00000001', qop: 'auth', method: 'REGISTER', uri: 'sip:r' })).toBe(expected);
  });

  it('accepts an upper-case precomputed HA1 (FS a1-hash)', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life').toUpperCase();
    const r = computeResponse({ algorithm: 'MD5', ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' });
    expect(r).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('hashes UTF-8', () => {
    expect(computeHa1('MD5', 'J\u00e4s\u00f8n', 'r', 'p')).toBe(createHash('md5').update(Buffer.from('J\u00e4s\u00f8n:r:p', 'utf8')).digest('hex'));
  });
});

describe('digest helpers', () => {
  it('normalizes algorithm tokens', () => {
    expect(normalizeAlgorithm(undefined)).toBe('MD5');
    expect(normalizeAlgorithm('')).toBe('MD5');
    expect(normalizeAlgorithm('sha-256')).toBe('SHA-256');
    expect(normalizeAlgorithm('Sha-512-256-Sess')).toBe('SHA-512-256-sess');
    expect(normalizeAlgorithm('SHA-1')).toBeUndefined();
    expect(normalizeAlgorithm('AKAv1-MD5')).toBeUndefined();
  });

  it('knows response lengths', () => {
    expect(digestHexLength('MD5')).toBe(32);
    expect(digestHexLength('SHA-256-sess')).toBe(64);
    expect(digestHexLength('SHA-512-256')).toBe(64);
  });

  it('compares hex case-insensitively and rejects other lengths', () => {
    expect(hexDigestsEqual('abcdef', 'ABCDEF')).toBe(true);
    expect(hexDigestsEqual('abcdef', 'abcdee')).toBe(false);
    expect(hexDigestsEqual('abcdef', 'abcdef0')).toBe(false);
  });

  it('isHex', () => {
    expect(isHex('00000001', 8)).toBe(true);
    expect(isHex('0000000g', 8)).toBe(false);
    expect(isHex('\u0010\u0010', 2)).toBe(false);
    expect(isHex('0x000001', 8)).toBe(false);
    expect(isHex('', 0)).toBe(false);
  });
});
