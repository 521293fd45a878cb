/**
 * sipp (a real client) registers to the internal profile of the real server entry (startServer
 * from src/main.ts, the shipped conf/, `--set local_ip_v4=127.0.0.1`, a temp data dir):
 * 1000/1234 gets 401 then 200, a wrong password 403, a query returns the binding, and
 * `Contact: *` with `Expires: 0` removes it. Over UDP and TCP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../src/main';
import { freePort, runSipp } from '../sip/sipp';
import { SHIPPED_CONF } from './helpers';

const SCEN = join(__dirname, 'scenarios');
let server: RunningServer;
let port: number;
let data: string;

beforeAll(async () => {
  data = mkdtempSync(join(tmpdir(), 'strowger-reg-sipp-'));
  server = await startServer({
    confDir: SHIPPED_CONF,
    overrides: { local_ip_v4: '127.0.0.1', internal_sip_port: '0', external_sip_port: '0', data_dir: data },
    logLevel: 'silent',
  });
  port = server.profiles.find((p) => p.name === 'internal')!.addresses.udp!.port;
});

afterAll(async () => {
  await server?.stop();
  rmSync(data, { recursive: true, force: true });
});

async function sipp(scenario: string, o: { password?: string; transport?: 'u1' | 't1'; expires?: number; user?: string } = {}) {
  const local = await freePort();
  const r = await runSipp([
    '-sf', join(SCEN, scenario),
    '-m', '1',
    '-i', '127.0.0.1',
    '-p', String(local),
    '-t', o.transport ?? 'u1',
    '-s', o.user ?? '1000',
    '-au', o.user ?? '1000',
    '-ap', o.password ?? '1234',
    '-key', 'expires', String(o.expires ?? 3600),
    '-timeout', '10s',
    '-timeout_error',
    '-nostdin',
    `127.0.0.1:${port}`,
  ]);
  return { ...r, local };
}

const internal = () => server.registrars.get('internal')!;

describe('sipp registers to the internal profile of the real server', () => {
  it('1000/1234: 401 then 200; the binding is stored with its expiry and found by sofia_contact', async () => {
    const before = internal().counters.challenges;
    const r = await sipp('register-auth.xml');
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    expect(internal().counters.challenges - before).toBe(1);
    const [b] = await internal().store.lookup('1000', '127.0.0.1');
    expect(b).toMatchObject({ contact: `sip:1000@127.0.0.1:${r.local};transport=UDP`, status: 'Registered(UDP)', userAgent: 'sipp', authUsername: '1000' });
    expect(Math.abs(b!.expiresAt - Date.now() - 3_600_000)).toBeLessThan(5_000);
    expect(await server.registrars.resolver.resolve('1000@127.0.0.1')).toBe(`sofia/internal/sip:1000@127.0.0.1:${r.local};transport=UDP`);
  });

  it('a wrong password: 401 then 403, and nothing changes', async () => {
    const rows = await internal().store.count();
    const f0 = internal().counters.forbidden;
    const r = await sipp('register-wrong.xml', { password: 'wrong' });
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    expect(internal().counters.forbidden - f0).toBe(1);
    expect(await internal().store.count()).toBe(rows);
  });

  it('a query (no Contact) returns the binding with ;expires=', async () => {
    const r = await sipp('register-query.xml');
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
  });

  it('Contact: * with Expires: 0 removes it; a query then finds nothing', async () => {
    const r = await sipp('register-unregister.xml');
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    expect(await internal().store.lookup('1000', '127.0.0.1')).toEqual([]);
    expect(await server.registrars.resolver.resolve('1000@127.0.0.1')).toBe('error/user_not_registered');
    const q = await sipp('register-query.xml');
    expect(q.code).toBe(1); // the scenario requires a Contact in the 200
  });

  it('over TCP: Registered(TCP), then removed again', async () => {
    const r = await sipp('register-auth.xml', { transport: 't1', user: '1001' });
    expect(r.code, r.stdout.slice(-1500)).toBe(0);
    const [b] = await internal().store.lookup('1001', '127.0.0.1');
    expect(b).toMatchObject({ status: 'Registered(TCP)', transport: 'TCP' });
    expect((await sipp('register-unregister.xml', { transport: 't1', user: '1001' })).code).toBe(0);
    expect(await internal().store.count()).toBe(0);
  });
});
