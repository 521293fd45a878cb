/**
 * Location store write rate (one REGISTER = one applyRegister transaction), as ratios against
 * baselines measured in the same run:
 *   - raw better-sqlite3: one prepared INSERT per autocommit transaction, same file settings;
 *   - the in-memory store (what the plan logic costs without SQLite).
 *
 *   npx tsx test/bench/auth-location-store.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MemoryLocationStore } from '../../src/endpoints/sofia/location/memory-store';
import { SqliteLocationStore } from '../../src/endpoints/sofia/location/sqlite-store';
import type { LocationStore, RegisterRequest } from '../../src/endpoints/sofia/location/types';

const N = 3000;
const root = mkdtempSync(join(tmpdir(), 'strowger-bench-loc-'));
const meta = {
  transport: 'UDP', receivedIp: '127.0.0.3', receivedPort: 5062, localIp: '127.0.0.1', localPort: 5060,
  userAgent: 'bench', status: 'Registered(UDP)', nat: false, routeTarget: null, authUsername: null, authRealm: 'example.com',
};

function request(i: number, refresh: boolean): RegisterRequest {
  const u = i % 1000;
  return {
    profile: 'internal', user: `u${u}`, host: 'example.com', callId: `call-${u}`, cseq: refresh ? 2 + Math.floor(i / 1000) : 1,
    contacts: [{ contact: `sip:u${u}@127.0.0.3:${10000 + u}`, expires: 3600 }], policy: 'contact', now: Date.now(), meta,
  };
}

async function storeRate(store: LocationStore): Promise<{ add: number; refresh: number }> {
  let t0 = performance.now();
  for (let i = 0; i < 1000; i++) await store.applyRegister(request(i, false));
  const add = 1000 / ((performance.now() - t0) / 1000);
  // Refreshes: best of 3 rounds (the first also warms the JIT up).
  let refresh = 0;
  for (let round = 0; round < 3; round++) {
    t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const r = await store.applyRegister({ ...request(i, true), cseq: 10 + round * 100 + Math.floor(i / 1000) });
      if (!r.ok) throw new Error(r.reason);
    }
    refresh = Math.max(refresh, N / ((performance.now() - t0) / 1000));
  }
  await store.close();
  return { add, refresh };
}

function rawRate(dir: string, sync: 'NORMAL' | 'FULL'): number {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, user TEXT, contact TEXT, expires INTEGER)');
  const ins = db.prepare('INSERT INTO t (user, contact, expires) VALUES (?, ?, ?)');
  const n = sync === 'FULL' ? 500 : N;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) ins.run(`u${i}`, `sip:u${i}@h`, Date.now());
  const rate = n / ((performance.now() - t0) / 1000);
  db.close();
  return rate;
}

try {
  const rawNormal = rawRate(mkdtempSync(join(root, 'r')), 'NORMAL');
  const rawFull = rawRate(mkdtempSync(join(root, 'f')), 'FULL');
  const mem = await storeRate(new MemoryLocationStore());
  const sqlNormal = await storeRate(SqliteLocationStore.open({ dir: join(root, 'n') }));
  const f = (x: number) => Math.round(x).toString().padStart(8) + '/s';
  console.log(`location store writes (refresh: best of 3 x ${N} over 1000 AORs; one transaction each)`);
  console.log(`  baseline raw sqlite INSERT, WAL NORMAL   ${f(rawNormal)}   1.00x`);
  console.log(`  baseline raw sqlite INSERT, WAL FULL     ${f(rawFull)}   ${(rawFull / rawNormal).toFixed(2)}x (fsync per commit)`);
  console.log(`  memory store applyRegister (refresh)     ${f(mem.refresh)}   ${(mem.refresh / rawNormal).toFixed(2)}x raw`);
  console.log(`  sqlite store applyRegister (add)         ${f(sqlNormal.add)}   ${(sqlNormal.add / rawNormal).toFixed(2)}x raw`);
  console.log(`  sqlite store applyRegister (refresh)     ${f(sqlNormal.refresh)}   ${(sqlNormal.refresh / rawNormal).toFixed(2)}x raw`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
