/**
 * One suite, both stores: the registrar semantics of RFC 3261 §10.3 and FS multiple-registrations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../../src/util/clock';
import { isStrowgerError } from '../../../../../src/util/errors';
import { MemoryLocationStore } from '../../../../../src/endpoints/sofia/location/memory-store';
import { SqliteLocationStore } from '../../../../../src/endpoints/sofia/location/sqlite-store';
import type { BindingMeta, LocationStore, RegisterOutcome, RegisterRequest } from '../../../../../src/endpoints/sofia/location/types';

const tmpRoot = mkdtempSync(join(tmpdir(), 'strowger-loc-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let dirSeq = 0;

const META: BindingMeta = {
  transport: 'UDP',
  receivedIp: '127.0.0.3',
  receivedPort: 5062,
  localIp: '127.0.0.1',
  localPort: 5060,
  userAgent: 'test-phone/1.0',
  status: 'Registered(UDP)',
  nat: false,
  routeTarget: null,
  authUsername: '1001',
  authRealm: 'example.com',
};

const factories: Array<[string, (clock: FakeClock) => LocationStore]> = [
  ['memory', (clock) => new MemoryLocationStore({ clock })],
  ['sqlite', (clock) => SqliteLocationStore.open({ dir: join(tmpRoot, `s${dirSeq++}`), clock })],
];

describe.each(factories)('%s store', (_name, make) => {
  let clock: FakeClock;
  let store: LocationStore;
  let now: number;
  beforeEach(() => {
    clock = new FakeClock();
    store = make(clock);
    now = clock.wallNow();
  });
  afterEach(async () => {
    await store.close();
  });

  const req = (patch: Partial<RegisterRequest> & Pick<RegisterRequest, 'contacts'>): RegisterRequest => ({
    profile: 'internal',
    user: '1001',
    host: 'example.com',
    callId: 'call-a',
    cseq: 1,
    policy: 'contact',
    now,
    meta: META,
    ...patch,
  });
  const ok = (o: RegisterOutcome) => {
    if (!o.ok) throw new Error(`rejected: ${o.reason}`);
    return o;
  };
  const contacts = (o: RegisterOutcome) => ok(o).bindings.map((b) => b.contact).sort();

  it('adds a binding with every field stored', async () => {
    const o = ok(await store.applyRegister(req({ contacts: [{ contact: 'sip:1001@127.0.0.3:5062;transport=udp', expires: 300, q: 0.7 }] })));
    expect(o.added).toHaveLength(1);
    const [b] = await store.lookup('1001', 'EXAMPLE.com');
    expect(b).toMatchObject({
      ...META,
      profile: 'internal',
      user: '1001',
      host: 'example.com',
      contact: 'sip:1001@127.0.0.3:5062;transport=udp',
      callId: 'call-a',
      cseq: 1,
      expiresAt: now + 300_000,
      q: 0.7,
      createdAt: now,
      updatedAt: now,
    });
    expect(typeof b!.id).toBe('number');
    expect(await store.count()).toBe(1);
  });

  it('refreshes in place (same id), updating CSeq and expiry', async () => {
    const first = ok(await store.applyRegister(req({ contacts: [{ contact: 'sip:a', expires: 300 }] }))).added[0]!;
    clock.advance(60_000);
    now = clock.wallNow();
    const o = ok(await store.applyRegister(req({ cseq: 2, contacts: [{ contact: 'sip:a', expires: 600 }] })));
    expect(o.added).toEqual([]);
    expect(o.refreshed.map((b) => [b.id, b.cseq, b.expiresAt, b.createdAt, b.updatedAt])).toEqual([[first.id, 2, now + 600_000, first.createdAt, now]]);
  });

  it('RFC 3261 §10.3 step 7: same Call-ID with CSeq not higher fails and changes nothing', async () => {
    ok(await store.applyRegister(req({ cseq: 5, contacts: [{ contact: 'sip:a', expires: 300 }] })));
    for (const cseq of [5, 4]) {
      const o = await store.applyRegister(req({ cseq, contacts: [{ contact: 'sip:a', expires: 0 }] }));
      expect(o).toMatchObject({ ok: false, reason: 'out-of-order', status: 500 });
    }
    // a delayed request must not add contacts either when it also touches an existing one
    const mixed = await store.applyRegister(req({ cseq: 3, contacts: [{ contact: 'sip:b', expires: 300 }, { contact: 'sip:a', expires: 300 }] }));
    expect(mixed.ok).toBe(false);
    expect((await store.list()).map((b) => [b.contact, b.cseq])).toEqual([['sip:a', 5]]);
  });

  it('a different Call-ID replaces the binding regardless of CSeq (UA rebooted)', async () => {
    ok(await store.applyRegister(req({ cseq: 50, contacts: [{ contact: 'sip:a', expires: 300 }] })));
    const o = ok(await store.applyRegister(req({ callId: 'call-b', cseq: 1, contacts: [{ contact: 'sip:a', expires: 300 }] })));
    expect(o.bindings.map((b) => [b.contact, b.callId, b.cseq])).toEqual([['sip:a', 'call-b', 1]]);
  });

  it('expires 0 removes one contact and keeps the others', async () => {
    ok(await store.applyRegister(req({ contacts: [{ contact: 'sip:a', expires: 300 }, { contact: 'sip:b', expires: 300 }] })));
    const o = ok(await store.applyRegister(req({ cseq: 2, contacts: [{ contact: 'sip:a', expires: 0 }] })));
    expect(o.removed.map((b) => b.contact)).toEqual(['sip:a']);
    expect(contacts(o)).toEqual(['sip:b']);
  });

  it('a query (no Contact) returns the bindings unchanged', async () => {
    ok(await store.applyRegister(req({ contacts: [{ contact: 'sip:a', expires: 300 }] })));
    const o = ok(await store.applyRegister(req({ cseq: 1, callId: 'other', contacts: [] })));
    expect(contacts(o)).toEqual(['sip:a']);
    expect(o.added.length + o.refreshed.length + o.removed.length).toBe(0);
  });

  it('Contact "*" with expiry 0 removes all; otherwise 400', async () => {
    ok(await store.applyRegister(req({ contacts: [{ contact: 'sip:a', expires: 300 }, { contact: 'sip:b', expires: 300 }] })));
    expect(await store.applyRegister(req({ cseq: 2, contacts: [{ contact: '*', expires: 300 }] }))).toMatchObject({ ok: false, reason: 'invalid-wildcard', status: 400 });
    expect(await store.applyRegister(req({ cseq: 2, contacts: [{ contact: '*', expires: 0 }, { contact: 'sip:c', expires: 0 }] }))).toMatchObject({ ok: false, status: 400 });
    expect(await store.applyRegister(req({ cseq: 1, contacts: [{ contact: '*', expires: 0 }] }))).toMatchObject({ ok: false, reason: 'out-of-order' });
    const o = ok(await store.applyRegister(req({ cseq: 2, contacts: [{ contact: '*', expires: 0 }] })));
    expect(o.removed).toHaveLength(2);
    expect(o.bindings).toEqual([]);
    expect(await store.count()).toBe(0);
  });

  it("policy 'off': a new REGISTER replaces every row of the user", async () => {
    ok(await store.applyRegister(req({ policy: 'off', contacts: [{ contact: 'sip:phone1', expires: 300 }] })));
    const o = ok(await store.applyRegister(req({ policy: 'off', callId: 'call-b', contacts: [{ contact: 'sip:phone2', expires: 300 }] })));
    expect(contacts(o)).toEqual(['sip:phone2']);
    expect(o.removed.map((b) => b.contact)).toEqual(['sip:phone1']);
  });

  it("policy 'contact': one row per distinct contact", async () => {
    ok(await store.applyRegister(req({ contacts: [{ contact: 'sip:phone1', expires: 300 }] })));
    ok(await store.applyRegister(req({ callId: 'call-b', contacts: [{ contact: 'sip:phone2', expires: 300 }] })));
    const o = ok(await store.applyRegister(req({ callId: 'call-b', cseq: 2, contacts: [{ contact: 'sip:phone2', expires: 300 }] })));
    expect(contacts(o)).toEqual(['sip:phone1', 'sip:phone2']);
  });

  it("policy 'call-id': one row per Call-ID; a new contact under the same Call-ID replaces the old", async () => {
    ok(await store.applyRegister(req({ policy: 'call-id', contacts: [{ contact: 'sip:phone1', expires: 300 }] })));
    ok(await store.applyRegister(req({ policy: 'call-id', callId: 'call-b', contacts: [{ contact: 'sip:phone2', expires: 300 }] })));
    // phone1 changes its contact (new IP) but keeps its Call-ID
    const o = ok(await store.applyRegister(req({ policy: 'call-id', cseq: 2, contacts: [{ contact: 'sip:phone1-new-ip', expires: 300 }] })));
    expect(contacts(o)).toEqual(['sip:phone1-new-ip', 'sip:phone2']);
    expect(o.removed.map((b) => b.contact)).toEqual(['sip:phone1']);
  });

  it('max bindings per AOR: over the limit is 403 and changes nothing; refreshes still work', async () => {
    const max = { maxBindings: 2 };
    ok(await store.applyRegister(req({ ...max, contacts: [{ contact: 'sip:1', expires: 300 }] })));
    ok(await store.applyRegister(req({ ...max, callId: 'b', contacts: [{ contact: 'sip:2', expires: 300 }] })));
    expect(await store.applyRegister(req({ ...max, callId: 'c', contacts: [{ contact: 'sip:3', expires: 300 }] }))).toMatchObject({
      ok: false,
      reason: 'too-many-bindings',
      status: 403,
    });
    expect(await store.count()).toBe(2);
    ok(await store.applyRegister(req({ ...max, callId: 'b', cseq: 2, contacts: [{ contact: 'sip:2', expires: 300 }] })));
    // replacing one contact by another in the same request stays within the limit
    ok(await store.applyRegister(req({ ...max, callId: 'b', cseq: 3, contacts: [{ contact: 'sip:2', expires: 0 }, { contact: 'sip:3', expires: 300 }] })));
    expect((await store.list()).map((b) => b.contact).sort()).toEqual(['sip:1', 'sip:3']);
  });

  it('expired rows do not count or block, and are cleaned by the next update', async () => {
    ok(await store.applyRegister(req({ maxBindings: 1, cseq: 9, contacts: [{ contact: 'sip:old', expires: 10 }] })));
    clock.advance(11_000);
    now = clock.wallNow();
    expect(await store.lookup('1001', 'example.com')).toEqual([]);
    const o = ok(await store.applyRegister(req({ maxBindings: 1, cseq: 1, contacts: [{ contact: 'sip:new', expires: 300 }] })));
    expect(contacts(o)).toEqual(['sip:new']);
    expect(o.removed.map((b) => b.contact)).toEqual(['sip:old']);
  });

  it('profiles are separate for updates; lookup spans them unless asked', async () => {
    ok(await store.applyRegister(req({ policy: 'off', contacts: [{ contact: 'sip:int', expires: 300 }] })));
    ok(await store.applyRegister(req({ policy: 'off', profile: 'external', callId: 'x', contacts: [{ contact: 'sip:ext', expires: 300 }] })));
    expect((await store.lookup('1001', 'example.com')).map((b) => b.contact).sort()).toEqual(['sip:ext', 'sip:int']);
    expect((await store.lookup('1001', 'example.com', { profile: 'external' })).map((b) => b.contact)).toEqual(['sip:ext']);
    expect(await store.count('internal')).toBe(1);
    expect((await store.list('external')).map((b) => b.contact)).toEqual(['sip:ext']);
    expect(await store.removeAor('1001', 'EXAMPLE.COM', 'internal')).toBe(1);
    expect(await store.count()).toBe(1);
    expect(await store.removeAor('1001', 'example.com')).toBe(1);
    expect(await store.count()).toBe(0);
  });

  it('lookup orders by q, then most recent; users are case-sensitive', async () => {
    ok(await store.applyRegister(req({ contacts: [{ contact: 'sip:low', expires: 300, q: 0.1 }, { contact: 'sip:none', expires: 300 }] })));
    clock.advance(1000);
    now = clock.wallNow();
    ok(await store.applyRegister(req({ callId: 'z', contacts: [{ contact: 'sip:mid', expires: 300, q: 0.5 }, { contact: 'sip:none2', expires: 300 }] })));
    expect((await store.lookup('1001', 'example.com')).map((b) => b.contact)).toEqual(['sip:none2', 'sip:none', 'sip:mid', 'sip:low']);
    expect(await store.lookup('1001', 'example.com', { now: now + 300_000 })).toEqual([]);
    expect(await store.lookup('USER1001', 'example.com')).toEqual([]);
  });

  it('purgeExpired deletes exactly the expired rows and returns them', async () => {
    ok(await store.applyRegister(req({ contacts: [{ contact: 'sip:10', expires: 10 }, { contact: 'sip:20', expires: 20 }, { contact: 'sip:30', expires: 30 }] })));
    expect((await store.purgeExpired(now + 20_000)).map((b) => b.contact).sort()).toEqual(['sip:10', 'sip:20']);
    expect((await store.list()).map((b) => b.contact)).toEqual(['sip:30']);
    expect(await store.purgeExpired(now + 20_000)).toEqual([]);
  });

  it('low-level add / refresh / remove', async () => {
    const b = await store.add({
      ...META,
      profile: 'internal',
      user: 'u',
      host: 'H.example',
      contact: 'sip:u@x',
      callId: 'c',
      cseq: 1,
      expiresAt: now + 1000,
      q: null,
      nat: true,
      routeTarget: 'sip:127.0.0.9:40000',
    });
    expect(b).toMatchObject({ host: 'h.example', nat: true, routeTarget: 'sip:127.0.0.9:40000', q: null, createdAt: now });
    clock.advance(5);
    const r = await store.refresh(b.id, { expiresAt: now + 9000, cseq: 2, status: 'Registered(UDP-NAT)' });
    expect(r).toMatchObject({ id: b.id, expiresAt: now + 9000, cseq: 2, status: 'Registered(UDP-NAT)', updatedAt: now + 5, createdAt: now });
    expect(await store.refresh(99_999, { cseq: 3 })).toBeUndefined();
    expect(await store.remove(b.id)).toBe(true);
    expect(await store.remove(b.id)).toBe(false);
  });

  it('close is idempotent and later calls reject with a typed error', async () => {
    await store.close();
    await store.close();
    await expect(store.count()).rejects.toSatisfy((e: unknown) => isStrowgerError(e, 'LOCATION_STORE'));
    await expect(store.applyRegister(req({ contacts: [] }))).rejects.toSatisfy((e: unknown) => isStrowgerError(e, 'LOCATION_STORE'));
  });
});
