import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AUTH_HEADER_LIMITS,
  findDigestCredentials,
  formatDigestChallenge,
  formatDigestCredentials,
  parseAuthItems,
  parseDigestChallenges,
  parseDigestCredentials,
} from '../../../../src/sip/auth/auth-header';

describe('parseAuthItems', () => {
  it('reads quoted strings, tokens and case-insensitive names', () => {
    const [item] = parseAuthItems('Digest REALM="a b", Nonce=abc,qop="auth,auth-int" ,  algorithm = SHA-256');
    expect(item!.scheme).toBe('Digest');
    expect(item!.params.get('realm')).toBe('a b');
    expect(item!.params.get('nonce')).toBe('abc');
    expect(item!.params.get('qop')).toBe('auth,auth-int');
    expect(item!.params.get('algorithm')).toBe('SHA-256');
    expect(item!.quoted.has('realm')).toBe(true);
    expect(item!.quoted.has('nonce')).toBe(false);
  });

  it('unescapes quoted-pairs', () => {
    const [item] = parseAuthItems('Digest realm="say \\"hi\\" \\\\ back"');
    expect(item!.params.get('realm')).toBe('say "hi" \\ back');
  });

  it('splits several challenges in one header value', () => {
    const items = parseAuthItems('Basic realm="x", Digest realm="r", nonce="n1", Newauth realm="z", type=1');
    expect(items.map((i) => i.scheme)).toEqual(['Basic', 'Digest', 'Newauth']);
    expect(items[1]!.params.get('nonce')).toBe('n1');
    expect(items[2]!.params.get('type')).toBe('1');
  });

  it('reads token68 credentials (Basic) and a following challenge', () => {
    const items = parseAuthItems('Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==, Digest realm="r", nonce="n"');
    expect(items[0]!.token68).toBe('QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    expect(items[1]!.params.get('realm')).toBe('r');
  });

  it.each([
    ['unterminated quote', 'Digest realm="abc'],
    ['duplicate param', 'Digest realm="a", realm="b"'],
    ['duplicate param, different case', 'Digest response="a", RESPONSE="b"'],
    ['missing value', 'Digest realm='],
    ['trailing comma', 'Digest realm="a",'],
    ['garbage after value', 'Digest realm="a" nonce="b"'],
    ['no space after scheme', 'Digest,realm="a"x'],
    ['bare CR inside quotes', 'Digest realm="a\rb"'],
    ['leading separator', '=Digest realm="a"'],
  ])('rejects %s', (_name, value) => {
    expect(parseAuthItems(value)).toEqual([]);
  });

  it('bounds value length, params and items', () => {
    expect(parseAuthItems('Digest realm="' + 'a'.repeat(AUTH_HEADER_LIMITS.maxValueLength) + '"')).toEqual([]);
    const many = Array.from({ length: AUTH_HEADER_LIMITS.maxParams + 1 }, (_, i) => `p${i}=x`).join(', ');
    expect(parseAuthItems('Digest ' + many)).toEqual([]);
    const items = Array.from({ length: AUTH_HEADER_LIMITS.maxItems + 1 }, (_, i) => `S${i} a=b`).join(', ');
    expect(parseAuthItems(items)).toEqual([]);
  });

  it('stays linear on hostile input (no backtracking)', () => {
    const hostile = [
      'Digest ' + ',"'.repeat(4000),
      'Digest realm="' + '\\"'.repeat(3000),
      'Digest ' + 'a=b, '.repeat(1600),
      'Digest ' + ' '.repeat(8000),
      'Digest ' + '=;<,'.repeat(2000),
    ];
    for (const h of hostile) {
      const t0 = performance.now();
      parseAuthItems(h.slice(0, AUTH_HEADER_LIMITS.maxValueLength));
      expect(performance.now() - t0).toBeLessThan(50);
    }
  });
});

describe('digest challenges', () => {
  it('parses one challenge per line and several per line, preserving order', () => {
    const chs = parseDigestChallenges([
      'Digest realm="example.com", nonce="n1", algorithm=SHA-256, qop="auth"',
      'Digest realm="example.com", nonce="n1", algorithm=MD5, qop="auth", stale=TRUE, opaque="op"',
    ]);
    expect(chs).toHaveLength(2);
    expect(chs[0]).toMatchObject({ realm: 'example.com', nonce: 'n1', algorithm: 'SHA-256', qop: ['auth'], stale: false });
    expect(chs[1]).toMatchObject({ algorithm: 'MD5', stale: true, opaque: 'op' });
  });

  it('defaults algorithm to MD5 and qop to none (RFC 2069 server)', () => {
    const [ch] = parseDigestChallenges('Digest realm="r", nonce="n"');
    expect(ch).toMatchObject({ algorithm: 'MD5', qop: [], stale: false });
  });

  it('skips other schemes and challenges lacking realm or nonce', () => {
    const chs = parseDigestChallenges(['Basic realm="x"', 'Digest realm="only"', 'Digest nonce="n", realm="ok", qop="auth-int, auth"']);
    expect(chs).toHaveLength(1);
    expect(chs[0]!.qop).toEqual(['auth-int', 'auth']);
  });

  it('round-trips through the formatter', () => {
    const v = formatDigestChallenge({ realm: 'a "quoted" realm', nonce: 'abc/+=', algorithm: 'SHA-256', qop: ['auth'], opaque: 'o', stale: true });
    expect(v).toBe('Digest realm="a \\"quoted\\" realm", nonce="abc/+=", opaque="o", stale=TRUE, algorithm=SHA-256, qop="auth"');
    const [ch] = parseDigestChallenges(v);
    expect(ch).toMatchObject({ realm: 'a "quoted" realm', nonce: 'abc/+=', algorithm: 'SHA-256', qop: ['auth'], opaque: 'o', stale: true });
  });

  it('the formatter drops control characters (no header injection)', () => {
    const v = formatDigestChallenge({ realm: 'evil\r\nX-Injected: 1', nonce: 'n' });
    expect(v).not.toMatch(/[\r\n]/);
    expect(parseDigestChallenges(v)[0]!.realm).toBe('evilX-Injected: 1');
  });
});

describe('digest credentials', () => {
  const wire =
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
    'uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", ' +
    'response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"';

  it('parses the RFC 2617 §3.5 Authorization header', () => {
    expect(parseDigestCredentials(wire)).toEqual({
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
      response: '6629fae49393a05397450978507c4ef1',
      opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    });
  });

  it('unknown scheme means no credentials (RFC 4475 §3.3.7 regaut01)', () => {
    // The header line from the archived message bytes (../shared/fixtures), scanned without regex.
    const file = resolve(__dirname, '../../../../../shared/fixtures/rfc4475/regaut01.dat');
    expect(existsSync(file)).toBe(true);
    const value = readFileSync(file, 'latin1')
      .split('\r\n')
      .find((l) => l.toLowerCase().startsWith('authorization:'))!
      .slice('authorization:'.length)
      .trim();
    expect(value).toBe('NoOneKnowsThisScheme opaque-data=here');
    expect(parseAuthItems(value).map((i) => i.scheme)).toEqual(['NoOneKnowsThisScheme']);
    expect(parseDigestCredentials(value)).toBeUndefined();
    expect(findDigestCredentials([value])).toBeUndefined();
    expect(parseDigestCredentials('')).toBeUndefined();
    expect(parseDigestCredentials('Digest')).toEqual({});
  });

  it('picks the credentials for a realm among several lines', () => {
    const lines = ['Digest username="a", realm="other", nonce="1"', 'Digest username="b", realm="mine", nonce="2"'];
    expect(findDigestCredentials(lines, 'mine')!.username).toBe('b');
    expect(findDigestCredentials(lines)!.username).toBe('a');
    expect(findDigestCredentials(lines, 'none')).toBeUndefined();
  });

  it('formats with qop/nc/algorithm unquoted and parses back', () => {
    const c = parseDigestCredentials(wire)!;
    const out = formatDigestCredentials({ ...c, algorithm: 'MD5' });
    expect(out).toContain('qop=auth, nc=00000001');
    expect(out).toContain('algorithm=MD5');
    expect(parseDigestCredentials(out)).toEqual({ ...c, algorithm: 'MD5' });
  });
});
