import { describe, expect, it } from 'vitest';
import { parseDialString, parseVarList, splitTopLevel, MAX_DIAL_LEGS } from '../../../src/core/dial-string';
import { isStrowgerError } from '../../../src/util/errors';

describe('dial string grammar (§6.2)', () => {
  it('parses a single leg', () => {
    const d = parseDialString('sofia/internal/1000@127.0.0.1');
    expect(d.branches).toHaveLength(1);
    expect(d.branches[0]!.failover).toHaveLength(1);
    const leg = d.branches[0]!.failover[0]![0]!;
    expect(leg).toMatchObject({ endpoint: 'sofia', data: 'internal/1000@127.0.0.1', target: 'sofia/internal/1000@127.0.0.1', vars: {} });
  });

  it('parses {} global vars, , simultaneous legs and | failover', () => {
    const d = parseDialString('{ignore_early_media=true,call_timeout=20}user/1000,user/1001|sofia/gateway/gw/5551234');
    const b = d.branches[0]!;
    expect(b.vars).toEqual({ ignore_early_media: 'true', call_timeout: '20' });
    expect(b.failover.map((g) => g.map((l) => l.target))).toEqual([['user/1000', 'user/1001'], ['sofia/gateway/gw/5551234']]);
  });

  it('parses [] per-leg vars (several blocks) without leaking to other legs', () => {
    const d = parseDialString('{a=1}[leg_timeout=5][b=2]user/1000,[leg_timeout=10]user/1001');
    const [l1, l2] = d.branches[0]!.failover[0]!;
    expect(l1!.vars).toEqual({ leg_timeout: '5', b: '2' });
    expect(l2!.vars).toEqual({ leg_timeout: '10' });
    expect(d.branches[0]!.vars).toEqual({ a: '1' });
  });

  it('keeps commas inside quoted values and escaped commas', () => {
    const d = parseDialString("{x='a,b,c',y=1\\,2}[z='p,q']error/user_busy");
    expect(d.branches[0]!.vars).toEqual({ x: 'a,b,c', y: '1,2' });
    expect(d.branches[0]!.failover[0]![0]!.vars).toEqual({ z: 'p,q' });
  });

  it('supports the ^^ separator switch', () => {
    expect(parseVarList('^^:sip_invite_domain=example.com:presence_id=1000@example.com:list=a,b')).toEqual({
      sip_invite_domain: 'example.com',
      presence_id: '1000@example.com',
      list: 'a,b',
    });
    const d = parseDialString('{^^:a=1,2:b=3}sofia/internal/x');
    expect(d.branches[0]!.vars).toEqual({ a: '1,2', b: '3' });
  });

  it('parses <> enterprise vars and :_: branches', () => {
    const d = parseDialString('<ent=1>{g=a}user/1000,user/1001:_:{g=b}user/2000|user/2001');
    expect(d.enterpriseVars).toEqual({ ent: '1' });
    expect(d.branches).toHaveLength(2);
    expect(d.branches[0]!.vars).toEqual({ g: 'a' });
    expect(d.branches[1]!.vars).toEqual({ g: 'b' });
    expect(d.branches[1]!.failover.map((g) => g.map((l) => l.target))).toEqual([['user/2000'], ['user/2001']]);
  });

  it('does not split inside brackets', () => {
    expect(splitTopLevel('[a=1,b=2]x,y', ',')).toEqual(['[a=1,b=2]x', 'y']);
    expect(splitTopLevel('{a=1|2}x|y', '|')).toEqual(['{a=1|2}x', 'y']);
  });

  it('accepts spaces around legs, skips empty legs', () => {
    const d = parseDialString('  user/1000 , ,user/1001 ');
    expect(d.branches[0]!.failover[0]!.map((l) => l.target)).toEqual(['user/1000', 'user/1001']);
  });

  it('lenient: {} at the start of a failover segment applies to its legs', () => {
    const d = parseDialString('user/1000|{leg_timeout=3}user/1001,[leg_timeout=4]user/1002');
    const g = d.branches[0]!.failover[1]!;
    expect(g[0]!.vars).toEqual({ leg_timeout: '3' });
    expect(g[1]!.vars).toEqual({ leg_timeout: '4' });
  });

  it('a leg without a slash has an empty data part', () => {
    const l = parseDialString('loopback').branches[0]!.failover[0]![0]!;
    expect(l).toMatchObject({ endpoint: 'loopback', data: '' });
  });

  it('rejects empty or malformed strings with DIAL_STRING_INVALID', () => {
    for (const bad of ['', '   ', '{a=1}', '{a=1', '[x=1user/1000', '|,']) {
      let err: unknown;
      try {
        parseDialString(bad);
      } catch (e) {
        err = e;
      }
      expect(isStrowgerError(err, 'DIAL_STRING_INVALID'), JSON.stringify(bad)).toBe(true);
    }
  });

  it('bounds the number of legs', () => {
    const many = Array.from({ length: MAX_DIAL_LEGS + 1 }, (_, i) => `user/${i}`).join(',');
    expect(() => parseDialString(many)).toThrow();
    expect(parseDialString(many.split(',').slice(0, MAX_DIAL_LEGS).join(',')).branches[0]!.failover[0]).toHaveLength(MAX_DIAL_LEGS);
  });

  it('handles a long hostile string in linear-ish time', () => {
    const s = '{'.repeat(20000) + 'a';
    const t0 = performance.now();
    expect(() => parseDialString(s)).toThrow();
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

describe('parseDialStringCached', () => {
  it('returns the same (frozen) parse as parseDialString, and still rejects invalid strings', async () => {
    const { parseDialStringCached } = await import('../../../src/core/originate');
    const { parseDialString } = await import('../../../src/core/dial-string');
    const s = "<e=1>{a='x,y'}[b=2]sofia/external/1000@h,user/1001|error/USER_BUSY";
    const first = parseDialStringCached(s);
    expect(first).toEqual(parseDialString(s));
    expect(parseDialStringCached(s)).toBe(first);
    expect(Object.isFrozen(first.branches[0]!.failover[0]![0]!.vars)).toBe(true);
    expect(() => parseDialStringCached('{a=1')).toThrow();
    expect(() => parseDialStringCached('{a=1')).toThrow();
  });
});
