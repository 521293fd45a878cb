/**
 * Fixed-rate REGISTER load for profiling (not a benchmark: no baseline, no ratio). Starts the real
 * server (startServer, copy of conf/, internal profile) in this process and drives it with one sipp
 * run at -r RATE for SECONDS, the same scenario as register-sipp.ts. Run it under a profiler:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx test/bench/register-load.ts [rate] [seconds]
 *
 * Prints sipp's outcome and the server CPU per registration.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../src/main';
import { REGISTER_UAC_SCENARIO, sippStat } from './register-sipp-scenario';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RATE = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 5);
const USERS = 5000;

const work = mkdtempSync(join(tmpdir(), 'strowger-reg-load-'));
const conf = join(work, 'conf');
cpSync(join(ROOT, 'conf'), conf, { recursive: true });
const internalXml = join(conf, 'sip_profiles', 'internal.xml');
writeFileSync(
  internalXml,
  readFileSync(internalXml, 'utf8')
    .replace('<param name="inbound-reg-force-matching-username" value="true"/>', '<param name="inbound-reg-force-matching-username" value="false"/>')
    .replace('<param name="registration-db" value="sofia_reg_internal.db"/>', `<param name="registration-db" value="${process.env.REG_DB ?? 'sofia_reg_internal.db'}"/>`),
);
writeFileSync(join(work, 'uac.xml'), REGISTER_UAC_SCENARIO);
writeFileSync(join(work, 'users.csv'), ['SEQUENTIAL', ...Array.from({ length: USERS }, (_, i) => `${2000 + i}`)].join('\n') + '\n');

async function main(): Promise<void> {
  const server = await startServer({
    confDir: conf,
    overrides: { local_ip_v4: '127.0.0.1', internal_sip_port: '25130', external_sip_port: '25131', data_dir: join(work, 'data') },
    logLevel: 'error',
  });
  try {
    const calls = RATE * SECONDS;
    const cpu0 = process.cpuUsage();
    // Event-loop stalls (GC pauses, synchronous SQLite checkpoints...): the longest gap seen.
    let lastTick = performance.now();
    let worstStallMs = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstStallMs = Math.max(worstStallMs, now - lastTick - 10);
      lastTick = now;
    }, 10);
    const out = await new Promise<{ code: number | null; text: string }>((res) => {
      const p = spawn(
        'sipp',
        ['-sf', 'uac.xml', '-inf', 'users.csv', '-au', '1000', '-ap', '1234', '-r', String(RATE), '-m', String(calls), '-l', String(Math.max(200, RATE)),
          '-i', '127.0.0.1', '-p', '25135', '-t', 'u1', '-timeout', `${SECONDS + 20}s`, '-timeout_error', '-nostdin', '-recv_timeout', '5000', '127.0.0.1:25130'],
        { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.stderr.on('data', (d) => (text += d));
      const kill = setTimeout(() => p.kill('SIGKILL'), (SECONDS + 30) * 1000);
      p.on('close', (code) => {
        clearTimeout(kill);
        res({ code, text });
      });
    });
    const cpu = process.cpuUsage(cpu0);
    clearInterval(ticker);
    console.log(`longest event-loop stall: ${worstStallMs.toFixed(0)} ms`);
    const stack = server.profiles.find((p) => p.name === 'internal')!.stack;
    const mem = process.memoryUsage();
    console.log(
      `server at the end: ${stack.transactions.liveServer} live server transactions (${stack.transactions.liveCompactServer} compact Completed), ` +
        `heap ${(mem.heapUsed / 1e6).toFixed(0)} MB, rss ${(mem.rss / 1e6).toFixed(0)} MB`,
    );
    const store = server.registrars.get('internal')?.store as
      | { commitStats?: { commits: number; registers: number; largestBatch: number; slowestFlushMs: number } }
      | undefined;
    if (store?.commitStats) {
      const c = store.commitStats;
      console.log(
        `location store: ${c.registers} REGISTERs in ${c.commits} commits (mean batch ${(c.registers / Math.max(1, c.commits)).toFixed(1)}, largest ${c.largestBatch}, slowest ${c.slowestFlushMs.toFixed(1)} ms)`,
      );
    }
    const ok = sippStat(out.text, 'Successful call');
    console.log(`register-load -r ${RATE} x ${SECONDS}s: ${ok}/${calls} ok, ${sippStat(out.text, 'Failed call')} failed, ${sippStat(out.text, 'Call Rate').toFixed(0)}/s (sipp exit ${out.code}); server CPU ${((cpu.user + cpu.system) / Math.max(1, ok)).toFixed(0)} µs per registration (user ${(cpu.user / Math.max(1, ok)).toFixed(0)}, system ${(cpu.system / Math.max(1, ok)).toFixed(0)})`);
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
