/**
 * sofia_contact and routing targets from registrations (freeswitch-behaviour.md §1.6, §7.2), the
 * NAT decision (§1.3) as a pure function, and the profile -> registrar settings mapping.
 */
import { describe, expect, it } from 'vitest';
import { builtinAcls, parseAclRefs } from '../../../../src/config';
import { Core } from '../../../../src/core';
import { MemoryLocationStore, type Binding, type NewBinding } from '../../../../src/endpoints/sofia/location';
import { detectRegisterNat, natRouteTarget } from '../../../../src/endpoints/sofia/nat';
import { Registrar } from '../../../../src/endpoints/sofia/registrar';
import { registrarSettings } from '../../../../src/endpoints/sofia/registrar-settings';
import {
  parseSofiaDialTarget,
  registerSofiaContactApi,
  registrationTarget,
  sofiaDialString,
  SofiaContactResolver,
  USER_NOT_REGISTERED,
} from '../../../../src/endpoints/sofia/sofia-contact';
import { parseNameAddr, parseVia } from '../../../../src/sip/message';
import { FakeClock } from '../../../../src/util/clock';
import { logger } from '../../../../src/util/logger';
import { makeDirectory } from './registrar-harness';

const clock = new FakeClock();
const NOW = clock.wallNow();

function binding(over: Partial<NewBinding> = {}): NewBinding {
  return {
    profile: 'internal',
    user: '1000',
    host: 'example.test',
    contact: 'sip:1000@192.0.2.7:5062',
    callId: 'c1',
    cseq: 1,
    expiresAt: NOW + 300_000,
    q: null,
    transport: 'UDP',
    receivedIp: '192.0.2.7',
    receivedPort: 5062,
    localIp: '127.0.0.1',
    localPort: 5060,
    userAgent: 'ua',
    status: 'Registered(UDP)',
    nat: false,
    routeTarget: null,
    authUsername: '1000',
    authRealm: 'example.test',
    ...over,
  };
}

function asBinding(b: NewBinding, id = 1): Binding {
  return { ...b, id, createdAt: NOW, updatedAt: NOW };
}

function registrarFor(profile: string, store: MemoryLocationStore, lateMargin = 60): Registrar {
  return new Registrar({
    profile,
    settings: registrarSettings({ expiresLateMargin: lateMargin }),
    store,
    directory: makeDirectory([]),
    acls: builtinAcls('192.0.2.0/24'),
    clock,
    logger,
  });
}

describe('dial strings and routing targets', () => {
  it('a plain binding: sofia/<profile>/<contact>, sent to the contact host:port', () => {
    const b = asBinding(binding());
    expect(sofiaDialString(b)).toBe('sofia/internal/sip:1000@192.0.2.7:5062');
    expect(registrationTarget(b)).toMatchObject({ protocol: 'UDP', address: '192.0.2.7', port: 5062, nat: false, localIp: '127.0.0.1', localPort: 5060 });
  });

  it('a NATed binding carries fs_nat/fs_path; requests go to the route target; the dial string reads back', () => {
    const b = asBinding(binding({ contact: 'sip:1000@10.0.0.5:5060', nat: true, routeTarget: natRouteTarget('UDP', '203.0.113.9', 31337), status: 'Registered(UDP-NAT)' }));
    const dial = sofiaDialString(b);
    expect(dial).toBe('sofia/internal/sip:1000@10.0.0.5:5060;fs_nat=yes;fs_path=%3Csip%3A203.0.113.9%3A31337%3Btransport%3Dudp%3E');
    expect(registrationTarget(b)).toMatchObject({ protocol: 'UDP', address: '203.0.113.9', port: 31337, nat: true });
    expect(parseSofiaDialTarget(dial)).toEqual({ profile: 'internal', uri: 'sip:1000@10.0.0.5:5060', fsPath: 'sip:203.0.113.9:31337;transport=udp' });
    expect(parseSofiaDialTarget('sofia/internal/sip:1000@192.0.2.7')).toEqual({ profile: 'internal', uri: 'sip:1000@192.0.2.7' });
    expect(parseSofiaDialTarget('user/1000')).toBeUndefined();
  });

  it('transport: the contact param wins, else the REGISTER transport; sips defaults to 5061 over TCP', () => {
    expect(registrationTarget(asBinding(binding({ contact: 'sip:1000@192.0.2.7;transport=tcp' }))).protocol).toBe('TCP');
    expect(registrationTarget(asBinding(binding({ contact: 'sip:1000@192.0.2.7', transport: 'TCP' })))).toMatchObject({ protocol: 'TCP', port: 5060 });
    expect(registrationTarget(asBinding(binding({ contact: 'sips:1000@192.0.2.7' })))).toMatchObject({ protocol: 'TCP', port: 5061 });
  });

  it('a NAT contact with URI headers keeps them after the fs_* params', () => {
    const b = asBinding(binding({ contact: 'sip:u@10.0.0.5?Route=%3Csip:x%3E', nat: true, routeTarget: 'sip:203.0.113.9:1;transport=udp' }));
    expect(sofiaDialString(b)).toMatch(/^sofia\/internal\/sip:u@10\.0\.0\.5;fs_nat=yes;fs_path=[^?]+\?Route=%3Csip:x%3E$/);
  });
});

describe('SofiaContactResolver', () => {
  it('parses [profile/]user[@domain]', () => {
    expect(SofiaContactResolver.parseSpec('internal/1000@d')).toEqual({ profile: 'internal', user: '1000', domain: 'd' });
    expect(SofiaContactResolver.parseSpec('*/1000@d')).toEqual({ profile: '*', user: '1000', domain: 'd' });
    expect(SofiaContactResolver.parseSpec('1000')).toEqual({ profile: undefined, user: '1000', domain: undefined });
    expect(SofiaContactResolver.parseSpec('')).toBeUndefined();
    expect(SofiaContactResolver.parseSpec('/1000@d')).toBeUndefined();
  });

  it('every binding, comma-joined, best first; none: error/user_not_registered; profile by name, alias or domain', async () => {
    const sInt = new MemoryLocationStore({ clock });
    const sExt = new MemoryLocationStore({ clock });
    await sInt.add(binding({ contact: 'sip:1000@192.0.2.7:5062', q: 0.5 }));
    await sInt.add(binding({ contact: 'sip:1000@192.0.2.8:5062', q: 1 }));
    await sExt.add(binding({ profile: 'external', contact: 'sip:1000@198.51.100.1' }));
    const resolver = new SofiaContactResolver(
      [
        { registrar: registrarFor('internal', sInt), aliases: ['example.test'] },
        { registrar: registrarFor('external', sExt), aliases: [] },
      ],
      'example.test',
    );
    expect(await resolver.resolve('1000@example.test')).toBe('sofia/internal/sip:1000@192.0.2.8:5062,sofia/internal/sip:1000@192.0.2.7:5062');
    expect(await resolver.resolve('1000')).toBe('sofia/internal/sip:1000@192.0.2.8:5062,sofia/internal/sip:1000@192.0.2.7:5062');
    expect(await resolver.resolve('external/1000@example.test')).toBe('sofia/external/sip:1000@198.51.100.1');
    expect((await resolver.resolve('*/1000@example.test')).split(',')).toHaveLength(3);
    expect(await resolver.resolve('1001@example.test')).toBe(USER_NOT_REGISTERED);
    expect(await resolver.resolve('nosuch/1000@example.test')).toBe(USER_NOT_REGISTERED);
    const targets = await resolver.targets('1000', 'example.test');
    expect(targets.map((t) => t.address)).toEqual(['192.0.2.8', '192.0.2.7']);
  });

  it('a binding past its expiry stays routable for the late margin, then not', async () => {
    const store = new MemoryLocationStore({ clock });
    await store.add(binding({ expiresAt: NOW - 30_000 }));
    const resolver = new SofiaContactResolver([{ registrar: registrarFor('internal', store, 60), aliases: [] }], 'example.test');
    expect(await resolver.resolve('1000@example.test')).toBe('sofia/internal/sip:1000@192.0.2.7:5062');
    const strict = new SofiaContactResolver([{ registrar: registrarFor('internal', store, 0), aliases: [] }], 'example.test');
    expect(await strict.resolve('1000@example.test')).toBe(USER_NOT_REGISTERED);
  });

  it('registered as the core API sofia_contact, usable from ${sofia_contact(...)}', async () => {
    const store = new MemoryLocationStore({ clock });
    await store.add(binding());
    const core = new Core({ clock, logger, heartbeatSec: 0 });
    registerSofiaContactApi(core, new SofiaContactResolver([{ registrar: registrarFor('internal', store), aliases: ['example.test'] }], 'example.test'));
    expect(await core.api('sofia_contact */1000@example.test')).toBe('sofia/internal/sip:1000@192.0.2.7:5062');
    expect(await core.expand('${sofia_contact(*/1000@example.test)}')).toBe('sofia/internal/sip:1000@192.0.2.7:5062');
    expect(await core.api('sofia_contact 1999@example.test')).toBe(USER_NOT_REGISTERED);
    await core.close();
  });
});

describe('NAT decision (pure)', () => {
  const acls = builtinAcls('192.0.2.0/24');
  const natAcl = parseAclRefs('nat.auto', acls, false);
  const contact = (s: string) => [parseNameAddr(s)!];

  it('private contact from a public source: NAT (nat-acl); same address or a public contact: not NAT', () => {
    const p = { natAcl, localNetworkAcl: [], aggressive: false, acls };
    expect(detectRegisterNat({ sourceIp: '203.0.113.9', sourcePort: 5060, contacts: contact('<sip:a@10.0.0.5>') }, p)).toEqual({ nat: true, reason: 'nat-acl' });
    expect(detectRegisterNat({ sourceIp: '10.0.0.5', sourcePort: 5060, contacts: contact('<sip:a@10.0.0.5>') }, p).nat).toBe(false);
    expect(detectRegisterNat({ sourceIp: '203.0.113.9', sourcePort: 5060, contacts: contact('<sip:a@198.51.100.1>') }, p).nat).toBe(false);
    expect(detectRegisterNat({ sourceIp: '203.0.113.9', sourcePort: 5060, contacts: contact('<sip:a@phone.example>') }, p).nat).toBe(false);
    // Source itself private (another RFC 1918 net): FS checks only that the source is outside the NAT ACL.
    expect(detectRegisterNat({ sourceIp: '172.16.0.1', sourcePort: 5060, contacts: contact('<sip:a@10.0.0.5>') }, p).nat).toBe(false);
  });

  it('local-network-acl clears it; aggressive detection compares the Via with the source', () => {
    const local = parseAclRefs('203.0.113.0/24', acls, false);
    expect(
      detectRegisterNat({ sourceIp: '203.0.113.9', sourcePort: 5060, contacts: contact('<sip:a@10.0.0.5>') }, { natAcl, localNetworkAcl: local, aggressive: false, acls }),
    ).toEqual({ nat: false, reason: 'local-network' });
    const agg = { natAcl: [], localNetworkAcl: [], aggressive: true, acls };
    const via = (v: string) => parseVia(v)![0]!;
    expect(detectRegisterNat({ sourceIp: '203.0.113.9', sourcePort: 5060, contacts: [], topVia: via('SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK1') }, agg).nat).toBe(false);
    expect(detectRegisterNat({ sourceIp: '203.0.113.9', sourcePort: 40000, contacts: [], topVia: via('SIP/2.0/UDP 203.0.113.9;branch=z9hG4bK1') }, agg)).toEqual({ nat: true, reason: 'aggressive-via' });
    expect(detectRegisterNat({ sourceIp: '203.0.113.9', sourcePort: 5060, contacts: [], topVia: via('SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1') }, agg).nat).toBe(true);
  });

  it('route targets format IPv6 with brackets', () => {
    expect(natRouteTarget('TCP', '2001:db8::1', 5070)).toBe('sip:[2001:db8::1]:5070;transport=tcp');
  });
});
