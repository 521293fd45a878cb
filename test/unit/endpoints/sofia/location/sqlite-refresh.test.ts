/**
 * A REGISTER refresh writes either the short column set (same phone, same address: new Call-ID,
 * CSeq, expiry) or the whole row (anything else changed). Both must land in the file: checked by
 * reopening the store and reading the row back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteLocationStore } from '../../../../../src/endpoints/sofia/location/sqlite-store';
import type { RegisterRequest } from '../../../../../src/endpoints/sofia/location/types';

const root = mkdtempSync(join(tmpdir(), 'strowger-refresh-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T0 = Date.now();
function req(callId: string, cseq: number, now: number, over: Partial<RegisterRequest['meta']> = {}, q: number | null = null): RegisterRequest {
  return {
    profile: 'internal', user: '1000', host: 'example.com', callId, cseq, now, policy: 'contact', maxBindings: 0,
    contacts: [{ contact: 'sip:1000@192.0.2.7:5062', expires: 600, q }],
    meta: {
      transport: 'UDP', receivedIp: '192.0.2.7', receivedPort: 5062, localIp: '127.0.0.1', localPort: 5060, userAgent: 'phone/1',
      status: 'Registered(UDP)', nat: false, routeTarget: null, authUsername: '1000', authRealm: 'example.com', ...over,
    },
  } as RegisterRequest;
}

async function reread(dir: string) {
  const s = SqliteLocationStore.open({ dir });
  try {
    return await s.list('internal');
  } finally {
    await s.close();
  }
}

describe('SQLite store: REGISTER refresh persistence', () => {
  it('a refresh with only a new Call-ID, CSeq, q and expiry is stored (short UPDATE)', async () => {
    const dir = join(root, 'short');
    const s = SqliteLocationStore.open({ dir });
    const first = await s.applyRegister(req('a', 1, T0));
    expect(first.ok).toBe(true);
    const r = await s.applyRegister(req('b', 7, T0 + 5000, {}, 0.5));
    expect(r.ok && r.refreshed.length).toBe(1);
    await s.close();
    const rows = await reread(dir);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ callId: 'b', cseq: 7, q: 0.5, expiresAt: T0 + 5000 + 600_000, updatedAt: T0 + 5000, userAgent: 'phone/1', receivedPort: 5062 });
    expect(rows[0]!.createdAt).toBe(T0);
  });

  it('a refresh that changes the source address, user agent, NAT state or auth identity rewrites the whole row', async () => {
    const changes: Array<Partial<RegisterRequest['meta']>> = [
      { receivedPort: 40000 },
      { receivedIp: '198.51.100.9' },
      { userAgent: 'phone/2' },
      { nat: true, status: 'Registered(UDP-NAT)', routeTarget: 'sip:198.51.100.9:40000' },
      { authUsername: 'alias', authRealm: 'other.example.com' },
      { transport: 'TCP', localPort: 5070 },
    ];
    for (const [i, over] of changes.entries()) {
      const dir = join(root, `full-${i}`);
      const s = SqliteLocationStore.open({ dir });
      await s.applyRegister(req('a', 1, T0));
      const r = await s.applyRegister(req('a', 2, T0 + 1000, over));
      expect(r.ok && r.refreshed.length).toBe(1);
      if (r.ok) expect(r.bindings[0]).toMatchObject(over);
      await s.close();
      const rows = await reread(dir);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ ...over, callId: 'a', cseq: 2, expiresAt: T0 + 1000 + 600_000 });
    }
  });
});
