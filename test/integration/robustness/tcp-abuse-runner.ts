/**
 * TCP abuse runner (brief 14 §3; security.md §5 G17). Runs inside a loopback-only network
 * namespace (netns.ts).
 *
 *   server: in-process (in-process-server.ts) with short stream timeouts: a message (or a new
 *           connection's first message) must complete within MESSAGE_TIMEOUT_MS, a connection
 *           with no traffic is closed after IDLE_TIMEOUT_MS, at most PER_IP_CAP inbound
 *           connections per source address
 *   127.0.0.66 tcp-abuser.mjs (own process): ATTEMPTS connections at once, idle / slowloris
 *              (one header byte every 200 ms) / slow body (one body byte every 200 ms) / keep-alive
 *              pings but no message / one OPTIONS then silence
 *   127.0.0.3  a legit OPTIONS over a new TCP connection while the abuse is going on, and after
 * then, alone:
 *   127.0.0.67 one connection writing 30k OPTIONS at once and never reading a response (the server
 *              must stop reading from it rather than queue its answers without bound)
 *
 * Reads in this process (= the server's): open connections every 10 ms, /proc/self/fd before and
 * after, the TCP transport's counters. Output: one `ROBUST_RESULT {json}` line.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { TcpTransport } from '../../../src/sip/transport/tcp';
import type { TransportCounters } from '../../../src/sip/transport/types';
import { startInProcess } from './in-process-server';
import { fdCount, memoryAfterGc, sleep, tcpOptions, tempConf, until, type ProbeResult } from './wire';

const SERVER_IP = '127.0.0.1';
export const MESSAGE_TIMEOUT_MS = 1000;
export const IDLE_TIMEOUT_MS = 1500;
export const PER_IP_CAP = 100;
const ATTEMPTS = Number(process.env.ROBUST_TCP_ATTEMPTS || 1000);
/** Requests the non-reading pipeliner (127.0.0.67) writes in one go. */
export const PIPELINE_N = 30_000;

export type AbuseKind = 'idle' | 'slowloris' | 'slowbody' | 'pinger' | 'quiet';

export interface AbuserReport {
  attempts: number;
  connected: number;
  errors: number;
  closedByServer: Record<AbuseKind, number[]>;
  /** When the server closed each quiet connection that had its OPTIONS answered (accepted, not refused). */
  quietAnsweredClosedMs: number[];
  openAtDeadline: Record<AbuseKind, number>;
  pipeline: { sent: number; closedByServerMs: number | null };
  elapsedMs: number;
}

export interface TcpAbuseResult {
  limits: { messageTimeoutMs: number; idleTimeoutMs: number; perIpCap: number; attempts: number; deadlineMs: number };
  abuser: AbuserReport;
  server: { counters: TransportCounters; peakOpen: number; openAfter: number };
  /** Phase 2, the pipeliner alone: requests read from it, reads paused, heap growth after GC once paused, event-loop stall, a legit OPTIONS meanwhile. */
  pipeline: { sent: number; requestsRead: number; readsPaused: number; heapGrowthMb: number; rssGrowthMb: number; eventLoopMaxMs: number; legit: ProbeResult; closed: boolean; fdAfter: number };
  legit: { during: ProbeResult[]; after: ProbeResult };
  fd: { before: number; peak: number; after: number };
}

function runAbuser(env: Record<string, string>): Promise<AbuserReport> {
  const script = resolve(fileURLToPath(new URL('.', import.meta.url)), 'tcp-abuser.mjs');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('ABUSE_RESULT '));
      if (!line) fail(new Error(`abuser exited ${code} without a result: ${out.slice(0, 500)}`));
      else done(JSON.parse(line.slice(13)) as AbuserReport);
    });
  });
}

async function main(): Promise<void> {
  const conf = tempConf({ internal: 5060, external: 5080 });
  const server = await startInProcess({
    confDir: conf.confDir,
    overrides: conf.overrides,
    stack: { stream: { messageTimeoutMs: MESSAGE_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS, maxConnectionsPerIp: PER_IP_CAP } },
    profiles: ['internal'],
  });
  const internal = server.profile('internal');
  const addr = { address: SERVER_IP, port: internal.addresses.tcp!.port };
  const tcp = internal.stack.transport.list().find((t) => t.protocol === 'TCP') as unknown as TcpTransport;

  // Warm-up, then the baseline once the warm-up connection is gone.
  await tcpOptions(addr, '127.0.0.3', 2000);
  await until(() => tcp.connectionCount === 0, 2000);
  await sleep(20);
  const fdBefore = fdCount();
  const counters0 = { ...tcp.counters };

  let peakOpen = 0;
  let peakFd = 0;
  const sampler = setInterval(() => {
    peakOpen = Math.max(peakOpen, tcp.connectionCount);
    peakFd = Math.max(peakFd, fdCount());
  }, 10);

  const deadlineMs = MESSAGE_TIMEOUT_MS + IDLE_TIMEOUT_MS + 2000;
  const abuse = runAbuser({ TARGET_IP: SERVER_IP, TARGET_PORT: String(addr.port), SOURCE_IP: '127.0.0.66', ATTEMPTS: String(ATTEMPTS), DRIP_MS: '200', DEADLINE_MS: String(deadlineMs) });
  // Legit requests while the abusive connections are open (before and after the message timeout).
  const during: ProbeResult[] = [];
  for (const at of [300, MESSAGE_TIMEOUT_MS + 300]) {
    await sleep(at - (during.length ? 300 : 0));
    during.push(await tcpOptions(addr, '127.0.0.3', 1000));
  }
  const abuser = await abuse;
  const after = await tcpOptions(addr, '127.0.0.3', 1000);
  await until(() => tcp.connectionCount === 0, 2000);
  await sleep(50);
  clearInterval(sampler);
  const fdAfter = fdCount();
  const c = tcp.counters;
  const counters = Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v - counters0[k as keyof TransportCounters]])) as unknown as TransportCounters;
  const openAfter = tcp.connectionCount;

  // ---- phase 2: a peer that pipelines requests and never reads the answers
  const requests0 = internal.stack.counters().requestsIn;
  const paused0 = tcp.counters.readsPaused;
  const memBefore = await memoryAfterGc();
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const pipe = runAbuser({ TARGET_IP: SERVER_IP, TARGET_PORT: String(addr.port), ATTEMPTS: '0', PIPELINE_N: String(PIPELINE_N), PIPELINE_SOURCE: '127.0.0.67', DEADLINE_MS: '9000' });
  const legitPipe = await tcpOptions(addr, '127.0.0.3', 3000);
  // Either the server stopped reading from the pipeliner, or it read everything (unbounded queue).
  await until(() => tcp.counters.readsPaused > paused0 || internal.stack.counters().requestsIn - requests0 >= PIPELINE_N, 8000);
  await sleep(100);
  const memPaused = await memoryAfterGc();
  const requestsRead = internal.stack.counters().requestsIn - requests0 - (legitPipe.ok ? 1 : 0);
  const pipeReport = await pipe;
  loop.disable();
  const closed = await until(() => tcp.connectionCount === 0, 2000);
  await sleep(50);
  const pipeline = {
    sent: pipeReport.pipeline.sent,
    requestsRead,
    readsPaused: tcp.counters.readsPaused - paused0,
    heapGrowthMb: memPaused.heapUsedMb - memBefore.heapUsedMb,
    rssGrowthMb: memPaused.rssMb - memBefore.rssMb,
    eventLoopMaxMs: Math.round(loop.max / 1e6),
    legit: legitPipe,
    closed,
    fdAfter: fdCount(),
  };
  await server.stop();
  rmSync(conf.baseDir, { recursive: true, force: true });

  const result: TcpAbuseResult = {
    limits: { messageTimeoutMs: MESSAGE_TIMEOUT_MS, idleTimeoutMs: IDLE_TIMEOUT_MS, perIpCap: PER_IP_CAP, attempts: ATTEMPTS, deadlineMs },
    abuser,
    server: { counters, peakOpen, openAfter },
    pipeline,
    legit: { during, after },
    fd: { before: fdBefore, peak: peakFd, after: fdAfter },
  };
  process.stdout.write(`ROBUST_RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(`ROBUST_ERROR ${String(err?.stack ?? err)}\n`);
    process.exit(1);
  },
);
