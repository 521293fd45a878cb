/**
 * Registrations survive kill -9 (security.md §4.3, goal G7). The real server runs as a child
 * process (`node bin/strowger.js start`) on a copy of conf/ whose internal profile has
 * accept-blind-reg on, so that sipp 3.6.1 can register 1,000 distinct users from an injection
 * file: its [authentication] keyword cannot take per-user credentials from the file (a nested
 * [field] inside it is not expanded), and digest is covered by the other tests. Then:
 *   sipp registers 1000 users (Expires 3600) and 10 more (Expires 1) -> kill -9 -> restart ->
 *   the 1000 are all there with the same absolute expiry (the remaining time the server reports
 *   in a query is within ±1 s of what it was told), the 10 short ones were purged on startup.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getParam, parseNameAddr } from '../../../src/sip/message';
import { freePort, runSipp } from '../sip/sipp';
import { makeTestConf, RawUa, startServerProcess, type ServerProcess, type TestConf } from './helpers';

const USERS = 1000;
const SHORT = 10;
let conf: TestConf | undefined;
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
  conf?.remove();
});

function readBindings(dbPath: string): Map<string, number> {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT aor_user, expires_at FROM bindings WHERE profile = ?').all('internal') as Array<{ aor_user: string; expires_at: number }>;
    return new Map(rows.map((r) => [r.aor_user, r.expires_at]));
  } finally {
    db.close();
  }
}

describe('1,000 registrations survive kill -9 and a restart', () => {
  it('all there with their expiries intact (±1 s); expired-while-down purged on startup', async () => {
    conf = makeTestConf({ internal: { 'accept-blind-reg': 'true' } });
    const port = await freePort();
    const sets = { local_ip_v4: '127.0.0.1', internal_sip_port: String(port), external_sip_port: '0', data_dir: conf.data };
    server = await startServerProcess(conf.conf, sets);

    const csv = join(conf.root, 'users.csv');
    const lines = ['SEQUENTIAL'];
    for (let i = 0; i < USERS; i++) lines.push(`${2000 + i};3600`);
    for (let i = 0; i < SHORT; i++) lines.push(`${5000 + i};1`);
    writeFileSync(csv, lines.join('\n') + '\n');
    const r = await runSipp(
      ['-sf', join(__dirname, 'scenarios/register-blind-csv.xml'), '-inf', csv, '-m', String(USERS + SHORT), '-r', '1000', '-l', '200',
        '-i', '127.0.0.1', '-p', String(await freePort()), '-t', 'u1', '-timeout', '30s', '-timeout_error', '-nostdin', `127.0.0.1:${port}`],
      40_000,
    );
    expect(r.code, r.stdout.slice(-1500)).toBe(0);

    const dbPath = join(conf.data, 'sofia_reg_internal.db');
    const before = readBindings(dbPath);
    expect(before.size).toBe(USERS + SHORT);

    await server.kill9();
    const killedAt = Date.now();
    // Let the Expires: 1 bindings run out while the server is down.
    await new Promise((res) => setTimeout(res, 1500));

    server = await startServerProcess(conf.conf, sets);
    console.log(`[registrar-restart] ready ${server.readyMs} ms after spawn (tsx start included), down for ${Date.now() - killedAt} ms`);
    const open = server.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'registration store open' && l.profile === 'internal')!;
    expect(open.purgedOnOpen).toBe(SHORT);

    const after = readBindings(dbPath);
    expect(after.size).toBe(USERS);
    let same = 0;
    for (const [user, exp] of after) if (before.get(user) === exp) same++;
    expect(same).toBe(USERS);

    // Ask the restarted server itself: a query (no Contact) per AOR reports the remaining expiry.
    const ua = await RawUa.open('127.0.0.1', { address: '127.0.0.1', port });
    try {
      const users = [...after.keys()];
      const worst = { delta: 0, user: '' };
      let answered = 0;
      for (let i = 0; i < users.length; i += 50) {
        await Promise.all(
          users.slice(i, i + 50).map(async (user) => {
            const res = await ua.send({ user, contact: null, callId: `q-${user}` });
            expect(res.status).toBe(200);
            const c = res.headers.getAll('contact').map((v) => parseNameAddr(v)!);
            expect(c).toHaveLength(1);
            const reported = Number(getParam(c[0]!.params, 'expires'));
            const expected = (after.get(user)! - Date.now()) / 1000;
            const delta = Math.abs(reported - expected);
            if (delta > worst.delta) Object.assign(worst, { delta, user });
            answered++;
          }),
        );
      }
      console.log(`[registrar-restart] ${answered} queries answered; worst |reported - expected| remaining expiry = ${worst.delta.toFixed(3)} s`);
      expect(answered).toBe(USERS);
      expect(worst.delta).toBeLessThanOrEqual(1);
      for (let i = 0; i < SHORT; i++) {
        const res = await ua.send({ user: String(5000 + i), contact: null, callId: `q-short-${i}` });
        expect(res.headers.getAll('contact')).toEqual([]);
      }
    } finally {
      await ua.close();
    }
  }, 90_000);
});
