/** Run sipp (v3.6.1) as a bounded child process bound to loopback; resolve with its exit code. */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCENARIOS = resolve(dirname(fileURLToPath(import.meta.url)), 'scenarios');

export interface SippResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runSipp(args: string[], hardLimitMs = 20_000): Promise<SippResult> {
  return new Promise((resolvePromise) => {
    const cwd = mkdtempSync(join(tmpdir(), 'sipp-'));
    const child = spawn('sipp', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.stderr.on('data', (d) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), hardLimitMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** A loopback port free for both UDP and TCP right now (for sipp's -p). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((r) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => r(p));
      });
    });
    const udpFree = await new Promise<boolean>((r) => {
      const u = createSocket('udp4');
      u.once('error', () => r(false));
      u.bind(port, '127.0.0.1', () => u.close(() => r(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port');
}
