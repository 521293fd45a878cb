/**
 * Goal G7 at store level: bindings survive kill -9 and a restart with their expiry intact;
 * bindings that expired while the process was down are purged on open.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../../src/util/clock';
import { SqliteLocationStore } from '../../../../../src/endpoints/sofia/location/sqlite-store';

const here = dirname(fileURLToPath(import.meta.url));
const tmpRoot = mkdtempSync(join(tmpdir(), 'strowger-restart-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

function runWriterAndKill(dir: string, long: number, short: number, shortMs: number): Promise<{ base: number; killedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures/write-bindings.ts'), dir, String(long), String(short), String(shortMs)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STROWGER_LOG_LEVEL: 'silent' },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer timed out; stderr: ${err}`));
    }, 15_000);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.indexOf('READY ');
      if (m >= 0 && out.indexOf('\n', m) > 0) {
        const base = Number(out.slice(m + 6, out.indexOf('\n', m)));
        // No graceful shutdown: the process dies between one write and the next tick.
        child.kill('SIGKILL');
        const killedAt = Date.now();
        child.once('exit', (_code, signal) => {
          clearTimeout(timer);
          if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${signal}`));
          else resolve({ base, killedAt });
        });
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        clearTimeout(timer);
        reject(new Error(`writer exited early (${code}); stderr: ${err}`));
      }
    });
  });
}

describe('SQLite location store across restarts', () => {
  it('1000 bindings survive SIGKILL with their remaining expiry (±1 s); expired-while-down ones are purged', async () => {
    const dir = join(tmpRoot, 'kill9');
    const { base } = await runWriterAndKill(dir, 1000, 20, 300);
    expect(existsSync(join(dir, 'location.db'))).toBe(true);
    // let the 20 short-lived bindings expire "while down"
    await new Promise((r) => setTimeout(r, 350));
    const t0 = Date.now();
    const store = SqliteLocationStore.open({ dir });
    const openMs = Date.now() - t0;
    try {
      expect(store.purgedOnOpen).toBe(20);
      expect(await store.count()).toBe(1000);
      const now = Date.now();
      let checked = 0;
      for (let i = 0; i < 1000; i++) {
        const [b] = await store.lookup(`u${i}`, 'example.com');
        expect(b, `u${i}`).toBeDefined();
        expect(b!.contact).toBe(`sip:u${i}@127.0.0.3:${10000 + i}`);
        expect(b!.cseq).toBe(i + 1);
        const expectedRemaining = base + (60 + i) * 1000 - now;
        const remaining = b!.expiresAt - now;
        expect(Math.abs(remaining - expectedRemaining)).toBeLessThanOrEqual(1000);
        checked++;
      }
      expect(checked).toBe(1000);
      expect(openMs).toBeLessThan(2000); // G7: ready < 2 s
    } finally {
      await store.close();
    }
  }, 30_000);

  it('a fresh store object on the same file sees the same bindings; purge on open uses the clock', async () => {
    const dir = join(tmpRoot, 'reopen');
    const clock = new FakeClock(Date.now());
    const a = SqliteLocationStore.open({ dir, clock });
    const base = clock.wallNow();
    for (let i = 0; i < 10; i++) {
      await a.add({
        profile: 'internal', user: `r${i}`, host: 'example.com', contact: `sip:r${i}@h`, callId: `c${i}`, cseq: 1,
        expiresAt: base + (i + 1) * 60_000, q: i / 10, transport: 'TCP', receivedIp: '127.0.0.3', receivedPort: 40000 + i,
        localIp: '127.0.0.1', localPort: 5060, userAgent: 'ua', status: 'Registered(TCP)', nat: i % 2 === 0,
        routeTarget: i % 2 === 0 ? `sip:127.0.0.3:${40000 + i};transport=tcp` : null, authUsername: `r${i}`, authRealm: 'example.com',
      });
    }
    const before = await a.list();
    await a.close();
    clock.advance(5 * 60_000); // r0..r4 expire while "down"
    const b = SqliteLocationStore.open({ dir, clock });
    try {
      expect(b.purgedOnOpen).toBe(5);
      expect(await b.list()).toEqual(before.slice(5));
    } finally {
      await b.close();
    }
  });

  it('creates a missing data directory and reports unusable paths with a typed error', () => {
    const dir = join(tmpRoot, 'deep/er/dir');
    const s = SqliteLocationStore.open({ dir, fileName: 'x.db' });
    expect(existsSync(join(dir, 'x.db'))).toBe(true);
    void s.close();
    // a path below a regular file, and one below /proc (where Node 20's recursive mkdirSync spins)
    expect(() => SqliteLocationStore.open({ dir: join(dir, 'x.db', 'sub') })).toThrowError(expect.objectContaining({ code: 'LOCATION_STORE' }));
    expect(() => SqliteLocationStore.open({ dir: '/proc/strowger-nope/a' })).toThrowError(expect.objectContaining({ code: 'LOCATION_STORE' }));
  });
});
