/**
 * Group commit in the SQLite location store: the REGISTERs handed in during one turn of the event
 * loop share one transaction; each promise resolves after the COMMIT (the row is then visible to
 * another connection, i.e. in the WAL); a failing request fails alone; other methods see the
 * waiting REGISTERs first (call order).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteLocationStore } from '../../../../../src/endpoints/sofia/location/sqlite-store';
import type { RegisterRequest } from '../../../../../src/endpoints/sofia/location/types';
import { FakeClock } from '../../../../../src/util/clock';
import { isStrowgerError } from '../../../../../src/util/errors';

const root = mkdtempSync(join(tmpdir(), 'strowger-group-commit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const clock = new FakeClock();
const meta = {
  transport: 'UDP', receivedIp: '192.0.2.7', receivedPort: 5062, localIp: '127.0.0.1', localPort: 5060,
  userAgent: 'test', status: 'Registered(UDP)', nat: false, routeTarget: null, authUsername: null, authRealm: null,
};

function reg(user: string, cseq = 1, extra: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    profile: 'internal', user, host: 'example.com', callId: `call-${user}`, cseq,
    contacts: [{ contact: `sip:${user}@192.0.2.7:5062`, expires: 600 }], policy: 'contact', now: clock.wallNow(), meta, ...extra,
  };
}

let n = 0;
function open(): { store: SqliteLocationStore; dir: string } {
  const dir = join(root, `s${n++}`);
  return { store: SqliteLocationStore.open({ dir, clock }), dir };
}

describe('SqliteLocationStore group commit', () => {
  it('REGISTERs of one turn share one commit; each resolves with its own outcome', async () => {
    const { store } = open();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => store.applyRegister(reg(`u${i}`))));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes.map((o) => (o.ok ? o.added[0]!.user : ''))).toEqual(Array.from({ length: 20 }, (_, i) => `u${i}`));
    expect(store.commitStats).toMatchObject({ commits: 1, registers: 20, largestBatch: 20 });
    expect(await store.count()).toBe(20);
    await store.close();
  });

  it('requests in one batch see each other: a refresh after an add in the same turn updates it', async () => {
    const { store } = open();
    const [a, b, c] = await Promise.all([store.applyRegister(reg('u1', 1)), store.applyRegister(reg('u1', 2)), store.applyRegister(reg('u1', 2))]);
    expect(a.ok && a.added).toHaveLength(1);
    expect(b.ok && b.refreshed).toHaveLength(1);
    // Same Call-ID, CSeq not higher (RFC 3261 §10.3 step 7): refused, as it would be one by one.
    expect(c.ok).toBe(false);
    expect(!c.ok && c.reason).toBe('out-of-order');
    const rows = await store.list();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.cseq).toBe(2);
    await store.close();
  });

  it('resolves only once committed: another connection sees the row', async () => {
    const { store } = open();
    const o = await store.applyRegister(reg('u1'));
    expect(o.ok).toBe(true);
    const other = new Database(store.path, { readonly: true });
    try {
      expect(other.prepare('SELECT aor_user FROM bindings').pluck().all()).toEqual(['u1']);
    } finally {
      other.close();
    }
    await store.close();
  });

  it('a request that breaks the batch fails alone; the others are committed', async () => {
    const { store } = open();
    const bad = reg('bad', 1, { meta: { ...meta, userAgent: { not: 'bindable' } as unknown as string } });
    const settled = await Promise.allSettled([store.applyRegister(reg('u1')), store.applyRegister(bad), store.applyRegister(reg('u2'))]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const err = (settled[1] as PromiseRejectedResult).reason;
    expect(isStrowgerError(err, 'LOCATION_STORE')).toBe(true);
    expect((await store.list()).map((b) => b.user).sort()).toEqual(['u1', 'u2']);
    expect(store.commitStats.retriedAlone).toBe(3);
    await store.close();
  });

  it('other methods apply the waiting REGISTERs first (call order is kept)', async () => {
    const { store } = open();
    const p1 = store.applyRegister(reg('u1'));
    // Not awaited: lookup must still see it, and removeAor must remove it (not be undone by it).
    expect(await store.lookup('u1', 'example.com')).toHaveLength(1);
    const p2 = store.applyRegister(reg('u2'));
    expect(await store.removeAor('u2', 'example.com')).toBe(1);
    await Promise.all([p1, p2]);
    expect((await store.list()).map((b) => b.user)).toEqual(['u1']);
    await store.close();
  });

  it('close() commits what waits; later REGISTERs reject with LOCATION_STORE', async () => {
    const { store, dir } = open();
    const p = store.applyRegister(reg('u1'));
    await store.close();
    expect((await p).ok).toBe(true);
    await expect(store.applyRegister(reg('u2'))).rejects.toSatisfy((e: unknown) => isStrowgerError(e, 'LOCATION_STORE'));
    const again = SqliteLocationStore.open({ dir, clock });
    expect((await again.list()).map((b) => b.user)).toEqual(['u1']);
    await again.close();
  });

  it('returned rows equal what is stored (no read-back after write)', async () => {
    const { store } = open();
    const o1 = await store.applyRegister(reg('u1', 1, { contacts: [{ contact: 'sip:u1@192.0.2.7:5062', expires: 600, q: 0.5 }] }));
    const o2 = await store.applyRegister(reg('u1', 2, { contacts: [{ contact: 'sip:u1@192.0.2.7:5062', expires: 300, q: 1 }] }));
    expect(o1.ok && o2.ok).toBe(true);
    if (!o1.ok || !o2.ok) return;
    expect(await store.get(o1.added[0]!.id)).toEqual(o2.refreshed[0]);
    expect(o2.bindings).toEqual(await store.lookup('u1', 'example.com'));
    await store.close();
  });
});
