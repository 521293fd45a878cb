/**
 * baresip 1.0.0 (a real phone stack) registers to the internal profile of the real server
 * (startServer, shipped conf/, temp data dir): the binding appears with baresip's contact and
 * user agent, and disappears when baresip quits (it unregisters with Expires 0).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Binding } from '../../../src/endpoints/sofia/location';
import { startServer, type RunningServer } from '../../../src/main';
import { freePort } from '../sip/sipp';
import { SHIPPED_CONF } from './helpers';

let server: RunningServer;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strowger-reg-baresip-'));
  server = await startServer({
    confDir: SHIPPED_CONF,
    overrides: { local_ip_v4: '127.0.0.1', internal_sip_port: '0', external_sip_port: '0', data_dir: join(dir, 'data') },
    logLevel: 'silent',
  });
  port = server.profiles.find((p) => p.name === 'internal')!.addresses.udp!.port;
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T | undefined> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

describe('baresip registers to the internal profile', () => {
  it('1000/1234 with regint=60: bound with its contact and user agent; unbound when baresip quits', async () => {
    const bsDir = join(dir, 'baresip');
    const sipPort = await freePort();
    mkdirSync(bsDir);
    writeFileSync(join(bsDir, 'accounts'), `<sip:1000@127.0.0.1:${port}>;auth_pass=1234;regint=60\n`);
    writeFileSync(
      join(bsDir, 'config'),
      [`sip_listen 127.0.0.1:${sipPort}`, 'net_interface 127.0.0.1', 'module_path /usr/lib/baresip/modules', 'module g711.so', 'module_app account.so', ''].join('\n'),
    );
    const child = spawn('baresip', ['-f', bsDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    child.stderr.on('data', (d) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const hardKill = setTimeout(() => child.kill('SIGKILL'), 15_000);
    try {
      const internal = server.registrars.get('internal')!;
      const b = await waitFor<Binding>(async () => (await internal.store.lookup('1000', '127.0.0.1'))[0], 8000);
      expect(b, out).toBeDefined();
      expect(b!.userAgent).toMatch(/^baresip v1\.0\.0/);
      expect(b!.contact).toContain(`@127.0.0.1:${sipPort}`);
      expect(b!.status).toBe('Registered(UDP)');
      expect(b!.authUsername).toBe('1000');
      expect(Math.round((b!.expiresAt - Date.now()) / 1000)).toBeGreaterThan(50);
      expect(internal.counters.challenges).toBeGreaterThanOrEqual(1);

      child.kill('SIGTERM');
      const gone = await waitFor(async () => ((await internal.store.lookup('1000', '127.0.0.1')).length === 0 ? true : undefined), 5000);
      expect(gone, out).toBe(true);
    } finally {
      clearTimeout(hardKill);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  });
});
