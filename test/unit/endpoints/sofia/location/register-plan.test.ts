import { describe, expect, it } from 'vitest';
import { MAX_EXPIRES_SECONDS, bindingStatus, grantedExpires, remainingSeconds } from '../../../../../src/endpoints/sofia/location/register-plan';
import type { Binding } from '../../../../../src/endpoints/sofia/location/types';

describe('grantedExpires', () => {
  it('RFC 3261 precedence: contact expires param, then Expires header, then the default', () => {
    expect(grantedExpires({ contactExpires: 120, headerExpires: 3600 }).seconds).toBe(120);
    expect(grantedExpires({ headerExpires: 3600 }).seconds).toBe(3600);
    expect(grantedExpires({}).seconds).toBe(300);
    expect(grantedExpires({ contactExpires: 0, headerExpires: 3600 }).seconds).toBe(0);
  });

  it('FreeSWITCH precedence: Expires header first', () => {
    expect(grantedExpires({ contactExpires: 120, headerExpires: 3600 }, { precedence: 'freeswitch' }).seconds).toBe(3600);
    expect(grantedExpires({ contactExpires: 120 }, { precedence: 'freeswitch' }).seconds).toBe(120);
  });

  it('NATed contacts default to 30 s, but their own expiry still wins', () => {
    expect(grantedExpires({ nat: true }).seconds).toBe(30);
    expect(grantedExpires({ nat: true, headerExpires: 600 }).seconds).toBe(600);
    expect(grantedExpires({ nat: true }, { natDefaultSeconds: 45, defaultSeconds: 900 }).seconds).toBe(45);
    expect(grantedExpires({}, { defaultSeconds: 900 }).seconds).toBe(900);
  });

  it('clamps to min/max, flags too-brief, forces, and never clamps a removal', () => {
    expect(grantedExpires({ headerExpires: 10 }, { minSeconds: 60 })).toEqual({ seconds: 60, tooBrief: true });
    expect(grantedExpires({ headerExpires: 7200 }, { maxSeconds: 3600 })).toEqual({ seconds: 3600, tooBrief: false });
    expect(grantedExpires({ headerExpires: 7200 }, { forceSeconds: 120 })).toEqual({ seconds: 120, tooBrief: false });
    expect(grantedExpires({ headerExpires: 0 }, { minSeconds: 60, forceSeconds: 120 })).toEqual({ seconds: 0, tooBrief: false });
  });

  it('ignores unusable numbers and caps at 2^32-1', () => {
    expect(grantedExpires({ contactExpires: Number.NaN, headerExpires: 50 }).seconds).toBe(50);
    expect(grantedExpires({ contactExpires: -1 }).seconds).toBe(300);
    expect(grantedExpires({ headerExpires: 1e12 }).seconds).toBe(MAX_EXPIRES_SECONDS);
    expect(grantedExpires({ headerExpires: 59.9 }).seconds).toBe(59);
  });
});

describe('helpers', () => {
  it('formats FS status strings', () => {
    expect(bindingStatus('udp', false)).toBe('Registered(UDP)');
    expect(bindingStatus('UDP', true)).toBe('Registered(UDP-NAT)');
    expect(bindingStatus('tcp', false)).toBe('Registered(TCP)');
    expect(bindingStatus('WSS', true)).toBe('Registered(WSS-NAT)');
  });

  it('remaining seconds never go negative', () => {
    const b = { expiresAt: 10_000 } as Binding;
    expect(remainingSeconds(b, 0)).toBe(10);
    expect(remainingSeconds(b, 20_000)).toBe(0);
  });
});
