/**
 * Sustained calls per second through the B2BUA with zero failed calls (issue 5), next to what
 * sipp reaches alone (UAC -> UAS directly) in the same run.
 *
 *   sipp -sn uac ──▶ Strowger external profile (no auth) ──▶ public context: bridge
 *                    sofia/external/uas@127.0.0.1:<uas port> ──▶ sipp -sn uas
 *
 * No media (the SDP is negotiated and RTP ports are allocated, but nobody sends RTP), 1 s calls
 * (sipp -d 1000). The server runs as its own process (bin/strowger.js) on a copy of conf/ with
 * the bench dialplan and max-sessions raised. For each rate step sipp places rate x STEP_SEC
 * calls; a step passes when every call succeeded and sipp kept the pace (it finished within
 * STEP_SEC + call duration + slack). The figure is the highest passing rate.
 *
 * Run: npx tsx test/bench/calls-sipp.ts [maxRate]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STEP_SEC = Number(process.env.STEP_SEC ?? 4);
const CALL_MS = 1000;
const MAX_RATE = Number(process.argv[2] ?? 3000);
const RATES = [250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2500, 3000, 4000, 5000, 6000].filter((r) => r <= MAX_RATE);
// Ports: 26900-26999 (this bench's share of the calls tests' range).
const PORT = { internal: 26960, external: 26980, uas: 26990, uac: 26995 };

interface StepResult {
  /** Server CPU (user+system, all threads) per call during the step, µs; -1 when not measured. */
  cpuUsPerCall: number;
  rate: number;
  calls: number;
  ok: number;
  failed: number;
  elapsedSec: number;
  pass: boolean;
}

function run(cmd: string, args: string[], limitMs: number): Promise<{ code: number | null; out: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out = (out + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d) => (out = (out + d.toString()).slice(-20_000)));
    const k = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => {
      clearTimeout(k);
      done({ code, out, ms: Date.now() - t0 });
    });
  });
}

/** sipp's final screen: "Successful call | ... | N" and "Failed call | ... | N" (cumulative column last). */
function counter(out: string, name: string): number {
  const lines = out.split('\n').filter((l) => l.includes(name));
  const last = lines[lines.length - 1];
  if (!last) return -1;
  const nums = last.split('|').map((s) => Number.parseInt(s.trim(), 10)).filter((n) => Number.isFinite(n));
  return nums.length ? nums[nums.length - 1]! : -1;
}

function startUas(port: number): ChildProcess {
  return spawn('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(port), '-nostdin', '-buff_size', String(4 << 20)], { stdio: 'ignore', cwd: tmpdir() });
}

/** utime+stime of a process in clock ticks (USER_HZ, 100/s on Linux), or -1. */
function cpuTicks(pid: number | undefined): number {
  if (pid === undefined) return -1;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return -1;
  }
}

let serverPid: number | undefined;

async function step(rate: number, dest: string, service: string): Promise<StepResult> {
  const calls = rate * STEP_SEC;
  const t0 = cpuTicks(serverPid);
  const limit = (STEP_SEC * 3 + 20) * 1000;
  const r = await run(
    'sipp',
    ['-sn', 'uac', '-i', '127.0.0.1', '-p', String(PORT.uac), '-s', service, '-r', String(rate), '-m', String(calls), '-d', String(CALL_MS),
      '-l', String(rate * 4), '-nostdin', '-buff_size', String(4 << 20), '-timeout', `${STEP_SEC * 3 + 15}s`, '-timeout_error', '-max_socket', '1', dest],
    limit,
  );
  await new Promise((x) => setTimeout(x, CALL_MS + 500)); // the last calls' BYEs
  const t1 = cpuTicks(serverPid);
  const cpuUsPerCall = t0 >= 0 && t1 >= 0 ? Math.round(((t1 - t0) * 10_000) / calls) : -1;
  const ok = counter(r.out, 'Successful call');
  const failed = counter(r.out, 'Failed call');
  const elapsedSec = r.ms / 1000;
  const paced = elapsedSec <= STEP_SEC + CALL_MS / 1000 + Math.max(1.5, STEP_SEC * 0.25);
  return { rate, calls, ok, failed, elapsedSec, cpuUsPerCall, pass: r.code === 0 && ok === calls && failed === 0 && paced };
}

async function ladder(label: string, dest: string, service: string): Promise<{ best: number; steps: StepResult[] }> {
  const steps: StepResult[] = [];
  let best = 0;
  for (const rate of RATES) {
    const s = await step(rate, dest, service);
    steps.push(s);
    const cpu = s.cpuUsPerCall >= 0 ? `, server CPU ${(s.cpuUsPerCall / 1000).toFixed(2)} ms/call` : '';
    console.log(`${label.padEnd(10)} ${String(rate).padStart(5)} calls/s x ${STEP_SEC}s: ${s.ok}/${s.calls} ok, ${s.failed} failed, ${s.elapsedSec.toFixed(1)} s${cpu} ${s.pass ? 'PASS' : 'FAIL'}`);
    if (!s.pass) break;
    best = rate;
    await new Promise((r) => setTimeout(r, 1500)); // let the previous step's calls drain
  }
  return { best, steps };
}

function optionsAnswered(port: number): Promise<boolean> {
  return new Promise((done) => {
    const sock = createSocket('udp4');
    const t = setTimeout(() => {
      sock.close();
      done(false);
    }, 400);
    sock.on('message', () => {
      clearTimeout(t);
      sock.close();
      done(true);
    });
    sock.bind(0, '127.0.0.1', () => {
      const p = (sock.address() as { port: number }).port;
      const msg = `OPTIONS sip:127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${p};branch=z9hG4bK${Date.now()}\r\nFrom: <sip:bench@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ${Date.now()}@bench\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
      sock.send(msg, port, '127.0.0.1');
    });
  });
}

async function startServer(dir: string): Promise<{ child: ChildProcess; ready: Promise<void> }> {
  const conf = join(dir, 'conf');
  cpSync(join(ROOT, 'conf'), conf, { recursive: true });
  writeFileSync(
    join(conf, 'dialplan/public.xml'),
    `<include><context name="public">
  <extension name="bench"><condition field="destination_number" expression="^bench$">
    <action application="bridge" data="sofia/external/uas@127.0.0.1:${PORT.uas}"/>
  </condition></extension>
</context></include>\n`,
  );
  const sw = join(conf, 'autoload_configs/switch.conf.xml');
  writeFileSync(sw, readFileSync(sw, 'utf8').replace('name="max-sessions" value="1000"', 'name="max-sessions" value="100000"'));
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/strowger.js'), 'start', '--conf', conf, '--json', '--log-level', 'warn', '--set', 'local_ip_v4=127.0.0.1',
      '--set', `internal_sip_port=${PORT.internal}`, '--set', `external_sip_port=${PORT.external}`, '--set', `data_dir=${join(dir, 'data')}`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const ready = (async () => {
    // Up when the external profile answers an OPTIONS.
    for (let i = 0; i < 60; i++) {
      if (await optionsAnswered(PORT.external)) return;
      await new Promise((x) => setTimeout(x, 500));
    }
    throw new Error('server did not start');
  })();
  return { child, ready };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-calls-'));
  let uas: ChildProcess | undefined;
  let server: ChildProcess | undefined;
  try {
    console.log(`calls-sipp: ${STEP_SEC} s per rate step, ${CALL_MS} ms calls, no media, rates ${RATES.join(', ')}`);
    // Baseline: sipp UAC -> sipp UAS directly.
    uas = startUas(PORT.uas);
    await new Promise((r) => setTimeout(r, 500));
    const base = await ladder('sipp only', `127.0.0.1:${PORT.uas}`, 'uas');
    // Through the B2BUA.
    const s = await startServer(dir);
    server = s.child;
    await s.ready;
    serverPid = server.pid;
    // Warm-up (JIT, first-call module work), not counted.
    const warm = await step(RATES[0]!, `127.0.0.1:${PORT.external}`, 'bench');
    console.log(`warm-up    ${RATES[0]} calls/s: ${warm.ok}/${warm.calls} ok (not counted)`);
    const b2bua = await ladder('B2BUA', `127.0.0.1:${PORT.external}`, 'bench');
    console.log('');
    console.log(`sipp alone (UAC->UAS):        ${base.best} calls/s${base.best === RATES[RATES.length - 1] ? ' (top of the ladder)' : ''}`);
    console.log(`through Strowger (B2BUA):     ${b2bua.best} calls/s, zero failed calls`);
    console.log(`ratio B2BUA / sipp alone:     ${base.best ? (b2bua.best / base.best).toFixed(2) : 'n/a'}`);
    console.log(`target now >= 1000 calls/s:   ${b2bua.best >= 1000 ? 'met' : 'NOT met'}`);
  } finally {
    uas?.kill('SIGKILL');
    server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
