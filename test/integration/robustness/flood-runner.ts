/**
 * Flood runner (brief 14 §2; security.md §5 G6 scaled down for CI). Runs inside a loopback-only
 * network namespace (netns.ts).
 *
 *   server: in-process (in-process-server.ts: main.ts's composition with T1 = 50 ms, so the
 *           flood's non-INVITE server transactions end at Timer J = 64·T1 = 3.2 s)
 *   127.0.0.9  udp-flood-sender.mjs (own process): FLOOD_N unique-Call-ID OPTIONS / REGISTERs
 *              for unique users, twice: "blast" (as fast as its socket takes them; the server's
 *              kernel queue overflows) and "window" (48 in flight: as fast as the server answers,
 *              so every request is processed and its transaction lives until Timer J)
 *   127.0.0.3  LegitUac: an OPTIONS or a digest REGISTER for 1001 every 40 ms during the flood,
 *              with RFC 3261 retransmissions
 *
 * Memory is read in this process (the server's): RSS/heap every 25 ms during the flood, and after
 * full GCs (--expose-gc) before the flood and once the transactions have expired.
 * Output: one `ROBUST_RESULT {json}` line.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startInProcess } from './in-process-server';
import { LegitUac, type Outcome } from './legit-uac';
import { memoryAfterGc, memoryNow, percentile, sleep, tempConf, udpSocketDrops, until, type MemoryReading } from './wire';

const SERVER_IP = '127.0.0.1';
const T1 = 50;
const FLOOD_N = Number(process.env.ROBUST_FLOOD_N || 20_000);
const LEGIT_EVERY_MS = 40;

export interface FloodPhase {
  mode: 'blast' | 'window';
  flood: { sent: number; answered?: number; lost?: number; ms: number; pps: number };
  server: { framesIn: number; kernelDrops: number; legitDatagrams: number; requestsIn: number; created: number; overload: number; peakTransactions: number; transactionsLeft: number; drainMs: number };
  legit: { total: number; ok: number; options: number; registers: number; failures: Array<{ kind: string; status?: number }>; p50Ms: number; p99Ms: number; maxMs: number; retransmissions: number };
  memory: { baseline: MemoryReading; peakRssMb: number; peakHeapMb: number; atEnd: MemoryReading; liveAtEnd: number; afterDrain: MemoryReading };
  eventLoop: { p99Ms: number; maxMs: number };
}

export interface FloodResult {
  phases: FloodPhase[];
  timerJMs: number;
  floodN: number;
}

function runSender(env: Record<string, string>): Promise<{ sent: number; answered?: number; lost?: number; ms: number }> {
  const script = resolve(fileURLToPath(new URL('.', import.meta.url)), 'udp-flood-sender.mjs');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('FLOOD_SENT '));
      if (!line) fail(new Error(`flood sender exited ${code} without a result: ${out.slice(0, 500)}`));
      else done(JSON.parse(line.slice(11)) as { sent: number; ms: number });
    });
  });
}

type Server = Awaited<ReturnType<typeof startInProcess>>;

/** One flood (blast: as fast as possible; window: as fast as the server answers) with legit traffic alongside. */
async function floodPhase(mode: 'blast' | 'window', server: Server, uac: LegitUac): Promise<FloodPhase> {
  const stack = server.profile('internal').stack;
  const port = server.profile('internal').addresses.udp!.port;
  const udpKey = `UDP:${SERVER_IP}:${port}`;
  const baseline = await memoryAfterGc();
  const c0 = stack.counters();
  const created0 = c0.serverTransactionsCreated;
  const overload0 = stack.transactions.counters.overload;
  const dropsBefore = udpSocketDrops(SERVER_IP, port);
  const legitBefore = uac.datagramsSent;

  let peakRss = 0;
  let peakHeap = 0;
  let peakTx = 0;
  const sample = () => {
    const m = memoryNow();
    peakRss = Math.max(peakRss, m.rssMb);
    peakHeap = Math.max(peakHeap, m.heapUsedMb);
    peakTx = Math.max(peakTx, stack.counters().serverTransactions);
  };
  const sampler = setInterval(sample, 25);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();

  let flooding = true;
  const floodDone = runSender({
    MODE: mode,
    TARGET_IP: SERVER_IP,
    TARGET_PORT: String(port),
    COUNT: String(FLOOD_N),
    SOURCE_IP: '127.0.0.9',
    VIA_PORT: '5999',
  }).finally(() => {
    flooding = false;
  });
  const legit: Array<Promise<Outcome & { kind: string }>> = [];
  const started = Date.now();
  for (let i = 0; flooding || Date.now() - started < 1000; i++) {
    const kind = i % 2 === 0 ? 'options' : 'register';
    legit.push((kind === 'options' ? uac.options() : uac.register('1001', '1234', SERVER_IP)).then((o) => ({ ...o, kind })));
    await sleep(LEGIT_EVERY_MS);
  }
  const flood = await floodDone;
  const outcomes = await Promise.all(legit);
  loop.disable();
  sample();
  // Memory with the flood's transactions still alive (most are younger than Timer J).
  const atEnd = await memoryAfterGc();
  const liveAtEnd = stack.counters().serverTransactions;

  // Everything the flood created must go away on its own (Timer J).
  const drainStart = Date.now();
  await until(() => stack.counters().serverTransactions === 0, 64 * T1 + 3000, 20);
  const drainMs = Date.now() - drainStart;
  clearInterval(sampler);
  const c1 = stack.counters();
  const afterDrain = await memoryAfterGc();
  const ms = outcomes.map((o) => o.ms);
  return {
    mode,
    flood: { ...flood, pps: Math.round((flood.sent * 1000) / Math.max(1, flood.ms)) },
    server: {
      framesIn: c1.transports[udpKey]!.framesIn - c0.transports[udpKey]!.framesIn,
      kernelDrops: udpSocketDrops(SERVER_IP, port) - dropsBefore,
      legitDatagrams: uac.datagramsSent - legitBefore,
      requestsIn: c1.requestsIn - c0.requestsIn,
      created: c1.serverTransactionsCreated - created0,
      overload: stack.transactions.counters.overload - overload0,
      peakTransactions: peakTx,
      transactionsLeft: c1.serverTransactions,
      drainMs,
    },
    legit: {
      total: outcomes.length,
      ok: outcomes.filter((o) => o.ok).length,
      options: outcomes.filter((o) => o.kind === 'options').length,
      registers: outcomes.filter((o) => o.kind === 'register').length,
      failures: outcomes.filter((o) => !o.ok).map((o) => ({ kind: o.kind, status: o.status })),
      p50Ms: Math.round(percentile(ms, 50) * 10) / 10,
      p99Ms: Math.round(percentile(ms, 99) * 10) / 10,
      maxMs: Math.round(Math.max(...ms)),
      retransmissions: outcomes.reduce((n, o) => n + o.retransmissions, 0),
    },
    memory: { baseline, peakRssMb: peakRss, peakHeapMb: peakHeap, atEnd, liveAtEnd, afterDrain },
    eventLoop: { p99Ms: Math.round(loop.percentile(99) / 1e6), maxMs: Math.round(loop.max / 1e6) },
  };
}

async function main(): Promise<void> {
  const conf = tempConf({ internal: 5060, external: 5080 });
  const server = await startInProcess({ confDir: conf.confDir, overrides: conf.overrides, stack: { timers: { T1, T2: 400, T4: 500 } }, profiles: ['internal'] });
  const internal = server.profile('internal');
  const uac = await LegitUac.open('127.0.0.3', { address: SERVER_IP, port: internal.addresses.udp!.port }, { T1, T2: 400 });
  // Warm-up (JIT, SQLite statements); its few transactions are negligible next to the flood's.
  for (let i = 0; i < 10; i++) {
    await uac.options();
    await uac.register('1001', '1234', SERVER_IP);
  }
  const phases = [await floodPhase('blast', server, uac), await floodPhase('window', server, uac)];
  uac.close();
  await server.stop();
  rmSync(conf.baseDir, { recursive: true, force: true });
  const result: FloodResult = { phases, timerJMs: 64 * T1, floodN: FLOOD_N };
  process.stdout.write(`ROBUST_RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(`ROBUST_ERROR ${String(err?.stack ?? err)}\n`);
    process.exit(1);
  },
);
