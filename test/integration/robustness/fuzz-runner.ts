/**
 * Wire fuzz runner (brief 14 §1; security.md §5 G3/G5 smoke size). Runs INSIDE a loopback-only
 * network namespace (netns.ts): fuzzed Vias name hosts like 192.0.2.x and nothing may leave.
 *
 *   startServer() (the real composition root: conf/ copy, --set overrides, registrars)
 *     internal 127.0.0.1:5060, external 127.0.0.1:5080
 *   127.0.0.9  ── N seeded mutations over UDP (paced in batches until the server has read them)
 *   127.0.0.10 ── K authenticated REGISTERs for 1000-1019 with fuzzed Contact/Expires/To/headers
 *                 (register-fuzz.ts: the digest is computed after the mutation, so they reach the
 *                 registrar's bindings and the SQLite location store)
 *             ── M mutations over TCP (1..10 per connection, random write chunking, 8 at a time)
 *   127.0.0.3  ── OPTIONS probes during and after (UDP), one OPTIONS over TCP at the end
 *
 * Env: ROBUST_SEED (default: random, printed first), ROBUST_UDP_N (5000), ROBUST_AUTH_N (1000), ROBUST_TCP_N (1000),
 * ROBUST_ONLY=udp:A-B or tcp:A-B (replay only those inputs of the seed's stream).
 * Output: `ROBUST_SEED n`, `FUZZ_BATCH proto a b` before each batch (the last one printed
 * names the batch in flight if the process dies), then one `ROBUST_RESULT {json}` line.
 * No uncaughtException/unhandledRejection handler is installed: a crash must kill the process.
 */
import { createConnection } from 'node:net';
import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startServer } from '../../../src/main';
import type { TcpTransport } from '../../../src/sip/transport/tcp';
import type { StackCounters } from '../../../src/sip/stack';
import { parseMessage } from '../../../src/sip/message';
import { LegitUac, type Outcome } from './legit-uac';
import { loadCorpus, mutationAt, rngFor } from './mutate';
import { authRegisterAt } from './register-fuzz';
import { bindUdp, fdCount, fdKinds, memoryAfterGc, statusAndCallId, tcpOptions, tempConf, udpSocketDrops, until, UdpProber, type ProbeResult } from './wire';

const SERVER_IP = '127.0.0.1';
const PORTS = { internal: 5060, external: 5080 };
const ATTACKER = '127.0.0.9';
const PROBER = '127.0.0.3';
const BATCH = 50;
/**
 * Bytes sent but not yet read by the server before the sender waits. SO_RCVBUF is ~208 KiB but is
 * charged by skb truesize (a 64 KB datagram costs far more than 64 KB), so at most one big
 * datagram may be unread at a time.
 */
const MAX_UNREAD_BYTES = 48_000;
const PROBE_EVERY = 500;
const TCP_OFFSET = 1_000_000;

function envInt(name: string, def: number): number {
  const v = process.env[name];
  return v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : def;
}

function onlyRange(proto: 'udp' | 'tcp'): [number, number] | undefined {
  const v = process.env.ROBUST_ONLY;
  if (!v || !v.startsWith(`${proto}:`)) return v ? [1, 0] : undefined;
  const [a, b] = v.slice(proto.length + 1).split('-').map(Number);
  return [a!, b ?? a!];
}

export interface FuzzResult {
  seed: number;
  udp: { sent: number; bytes: number; perTarget: Record<string, number>; framesIn: number; kernelDrops: number; slowestBatchMs: number; slowestBatch: [number, number]; responses: number };
  auth: { sent: number; challenges: number; statuses: Record<string, number>; reasons: Record<string, number>; unanswered: number; bindingsAfter: number; legitRegister: Outcome; lookup1001: number };
  tcp: { inputs: number; connections: number; closedByServer: number; responses: number; leftOpen: number; probe: ProbeResult };
  probes: { during: ProbeResult[]; after: ProbeResult[] };
  counters: Record<string, StackCounters>;
  overload: number;
  /** Call handling reached by fuzzed INVITEs: sofia counters per profile, live channels/legs at the end, how long stop() took. */
  calls: { sofia: Record<string, Record<string, number>>; sessionsAtEnd: number; legsAtEnd: number; sessionsAfterStop: number; stopMs: number };
  /** before/after: server running (after holds RTP pairs pooled by sofia between calls); initial/afterStop: no server. */
  fd: { initial: number; before: number; after: number; afterStop: number; kindsBefore: Record<string, number>; kindsAfter: Record<string, number> };
  memory: { before: number; after: number; heapBefore: number; heapAfter: number };
  eventLoopMaxMs: number;
  elapsedMs: number;
}

async function main(): Promise<void> {
  const seed = envInt('ROBUST_SEED', (Date.now() ^ (process.pid << 8)) >>> 0) >>> 0;
  process.stdout.write(`ROBUST_SEED ${seed}\n`);
  const t0 = Date.now();
  const conf = tempConf(PORTS);
  const fdInitial = fdCount();
  const server = await startServer({ confDir: conf.confDir, overrides: conf.overrides, logLevel: 'error', pretty: false });
  const byName = new Map(server.profiles.map((p) => [p.name, p]));
  const targets = [
    { name: 'internal', port: byName.get('internal')!.addresses.udp!.port },
    { name: 'external', port: byName.get('external')!.addresses.udp!.port },
  ];
  const udpFramesIn = () => server.profiles.reduce((n, p) => n + Object.entries(p.stack.counters().transports).filter(([k]) => k.startsWith('UDP')).reduce((m, [, c]) => m + c.framesIn, 0), 0);
  const tcpTransports = () => server.profiles.flatMap((p) => p.stack.transport.list().filter((t) => t.protocol === 'TCP') as unknown as TcpTransport[]);

  const corpus = loadCorpus(`${SERVER_IP}:${PORTS.internal}`, `${ATTACKER}:5060`);
  const attacker = await bindUdp(ATTACKER, 5060);
  let udpResponses = 0;
  attacker.on('message', () => udpResponses++);
  const prober = await UdpProber.open(PROBER, 'probe');
  const internal = { address: SERVER_IP, port: targets[0]!.port };
  const loop = monitorEventLoopDelay({ resolution: 5 });

  // Warm-up: first requests compile the hot paths; then baselines.
  for (let i = 0; i < 5; i++) await prober.probe(internal, 1000);
  const memBefore = await memoryAfterGc();
  const fdBefore = fdCount();
  const kindsBefore = fdKinds();
  const dropsBefore = targets.reduce((n, t) => n + Math.max(0, udpSocketDrops(SERVER_IP, t.port)), 0);
  const framesBefore = udpFramesIn();
  loop.enable();

  // ---------------------------------------------------------------- UDP
  const udpN = envInt('ROBUST_UDP_N', 5000);
  const udpOnly = onlyRange('udp');
  const during: ProbeResult[] = [];
  const perTarget: Record<string, number> = { internal: 0, external: 0 };
  let sent = 0;
  let bytes = 0;
  let probesSent = 0;
  let slowest = { ms: 0, batch: [0, 0] as [number, number] };
  let unreadBytes = 0;
  let authFrames = 0;
  const serverDrops = () => targets.reduce((n, t) => n + Math.max(0, udpSocketDrops(SERVER_IP, t.port)), 0) - dropsBefore;
  // A datagram the kernel dropped anyway is counted there: waiting for it would only stall.
  const caughtUp = async () => {
    await until(() => udpFramesIn() - framesBefore + serverDrops() >= sent + probesSent + authFrames, 5000, 1);
    unreadBytes = 0;
  };
  for (let start = 0; start < udpN; start += BATCH) {
    const end = Math.min(udpN, start + BATCH) - 1;
    process.stdout.write(`FUZZ_BATCH udp ${start} ${end}\n`);
    const batchStart = performance.now();
    for (let i = start; i <= end; i++) {
      if (udpOnly && (i < udpOnly[0] || i > udpOnly[1])) continue;
      const m = mutationAt(corpus, seed, i);
      const target = targets[rngFor(seed ^ 0x5a5a, i).int(2)]!;
      // Keep the unread bytes well under the server socket's receive buffer (no kernel drops).
      if (unreadBytes > 0 && unreadBytes + m.bytes.length > MAX_UNREAD_BYTES) await caughtUp();
      await new Promise<void>((res) => attacker.send(m.bytes, target.port, SERVER_IP, () => res()));
      unreadBytes += m.bytes.length;
      sent++;
      bytes += m.bytes.length;
      perTarget[target.name]!++;
    }
    // Pace: the next batch goes out once the server has read this one (no kernel drops).
    await caughtUp();
    const ms = performance.now() - batchStart;
    if (ms > slowest.ms) slowest = { ms, batch: [start, end] };
    if ((end + 1) % PROBE_EVERY === 0) {
      during.push(await prober.probe(internal, 1000));
      probesSent++;
    }
  }
  const after: ProbeResult[] = [];
  for (let i = 0; i < 5; i++) {
    after.push(await prober.probe(internal, 200));
    probesSent++;
  }
  await until(() => udpFramesIn() - framesBefore >= sent + probesSent, 2000);

  // ---------------------------------------------------------------- authenticated REGISTER
  const authN = envInt('ROBUST_AUTH_N', 1000);
  const regSock = await bindUdp('127.0.0.10', 5060);
  const statuses: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  const answered = new Set<string>();
  let challengeWaiter: ((h: string[]) => void) | undefined;
  regSock.on('message', (m) => {
    const sc = statusAndCallId(m);
    if (!sc?.callId || sc.status < 200) return;
    if (sc.callId.startsWith('chal-')) {
      const r = parseMessage(m);
      if (r.ok && sc.status === 401) challengeWaiter?.(r.msg.headers.getAll('www-authenticate'));
      return;
    }
    if (answered.has(sc.callId)) return;
    answered.add(sc.callId);
    statuses[sc.status] = (statuses[sc.status] ?? 0) + 1;
    const t = m.toString('latin1');
    const reason = `${sc.status} ${t.slice(12, t.indexOf('\r\n'))}`;
    if (reasons[reason] !== undefined || Object.keys(reasons).length < 40) reasons[reason] = (reasons[reason] ?? 0) + 1;
  });
  let authSent = 0;
  let challenges = 0;
  const challenge = (k: number): Promise<string[]> =>
    new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('no 401 challenge for the REGISTER fuzz')), 2000);
      challengeWaiter = (h) => {
        clearTimeout(t);
        res(h);
      };
      challenges++;
      authFrames++;
      const text =
        `REGISTER sip:${SERVER_IP} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.10:5060;branch=z9hG4bKchal${k}x${seed};rport\r\n` +
        `From: <sip:1000@${SERVER_IP}>;tag=c\r\nTo: <sip:1000@${SERVER_IP}>\r\nCall-ID: chal-${k}-${seed}\r\nCSeq: 1 REGISTER\r\n` +
        `Max-Forwards: 70\r\nContact: <sip:1000@127.0.0.10:5060>\r\nContent-Length: 0\r\n\r\n`;
      regSock.send(text, internal.port, SERVER_IP);
    });
  for (let start = 0; start < authN; start += BATCH) {
    const end = Math.min(authN, start + BATCH) - 1;
    process.stdout.write(`FUZZ_BATCH auth ${start} ${end}\n`);
    const ch = await challenge(start);
    for (let i = start; i <= end; i++) {
      const input = authRegisterAt(seed, i, { server: `${SERVER_IP}:${internal.port}`, client: '127.0.0.10:5060', challenge: ch, nc: i - start + 1, password: '1234' });
      if (unreadBytes > 0 && unreadBytes + input.bytes.length > MAX_UNREAD_BYTES) await caughtUp();
      await new Promise<void>((res) => regSock.send(input.bytes, internal.port, SERVER_IP, () => res()));
      unreadBytes += input.bytes.length;
      authSent++;
      authFrames++;
    }
    await caughtUp();
  }
  await until(() => answered.size >= authSent, 2000, 5);
  regSock.close();
  const registrar = server.registrars.stores[server.profiles.findIndex((p) => p.name === 'internal')]!;
  const bindingsAfter = await registrar.count();
  // A clean REGISTER for 1001 from another address still works, and its binding can be looked up.
  const legitUac = await LegitUac.open(PROBER, internal, { T1: 500, T2: 4000 });
  const legitRegister = await legitUac.register('1001', '1234', SERVER_IP);
  legitUac.close();
  const lookup1001 = (await registrar.lookup('1001', SERVER_IP)).length;
  probesSent += legitUac.datagramsSent;
  await until(() => udpFramesIn() - framesBefore >= sent + probesSent + authSent + challenges, 2000);
  const udpFrames = udpFramesIn() - framesBefore - authSent - challenges - legitUac.datagramsSent;
  const kernelDrops = serverDrops();

  // ---------------------------------------------------------------- TCP
  const tcpN = envInt('ROBUST_TCP_N', 1000);
  const tcpOnly = onlyRange('tcp');
  const groups: number[][] = [];
  for (let i = 0; i < tcpN; ) {
    const size = rngFor(seed ^ 0x7c7c, i).range(1, 10);
    const g: number[] = [];
    for (let k = 0; k < size && i < tcpN; k++, i++) if (!tcpOnly || (i >= tcpOnly[0] && i <= tcpOnly[1])) g.push(i);
    if (g.length) groups.push(g);
  }
  let connections = 0;
  let closedByServer = 0;
  let tcpResponses = 0;
  let tcpInputs = 0;
  const runGroup = (g: number[]): Promise<void> =>
    new Promise((done) => {
      const r = rngFor(seed ^ 0x3c3c, g[0]!);
      const target = targets[r.int(2)]!;
      const payload = Buffer.concat(g.map((i) => mutationAt(corpus, seed, TCP_OFFSET + i).bytes));
      tcpInputs += g.length;
      connections++;
      let idle: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = (byServer: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(idle);
        clearTimeout(hard);
        if (byServer) closedByServer++;
        sock.destroy();
        done();
      };
      const rearm = () => {
        clearTimeout(idle);
        idle = setTimeout(() => finish(false), 150);
      };
      const hard = setTimeout(() => finish(false), 3000);
      const sock = createConnection({ host: SERVER_IP, port: target.port, localAddress: ATTACKER });
      sock.on('connect', () => {
        // Random write chunking exercises the stream framer's reassembly.
        let off = 0;
        while (off < payload.length) {
          const n = r.chance(0.7) ? payload.length - off : r.range(1, Math.max(1, Math.min(2000, payload.length - off)));
          sock.write(payload.subarray(off, off + n));
          off += n;
        }
        rearm();
      });
      sock.on('data', (d) => {
        const t = d.toString('latin1');
        for (let i = t.indexOf('SIP/2.0 '); i >= 0; i = t.indexOf('SIP/2.0 ', i + 1)) tcpResponses++;
        rearm();
      });
      sock.on('end', () => finish(true));
      sock.on('error', () => finish(true));
      sock.on('close', () => finish(true));
    });
  for (let k = 0; k < groups.length; k += 8) {
    process.stdout.write(`FUZZ_BATCH tcp ${groups[k]![0]} ${groups[Math.min(groups.length, k + 8) - 1]!.at(-1)}\n`);
    await Promise.all(groups.slice(k, k + 8).map(runGroup));
  }
  const tcpProbe = await tcpOptions(internal, PROBER, 1000);
  await until(() => tcpTransports().every((t) => t.connectionCount === 0), 3000);
  const leftOpen = tcpTransports().reduce((n, t) => n + t.connectionCount, 0);
  loop.disable();

  attacker.close();
  prober.close();
  await sleepMs(50);
  const fdAfter = fdCount();
  const kindsAfter = fdKinds();
  const memAfter = await memoryAfterGc();
  const counters: Record<string, StackCounters> = {};
  for (const p of server.profiles) counters[p.name] = p.stack.counters();
  const overload = server.profiles.reduce((n, p) => n + p.stack.transactions.counters.overload, 0);
  const sofia: Record<string, Record<string, number>> = {};
  for (const p of server.calls.handling.profiles) sofia[p.name] = { ...p.counters };
  const sessionsAtEnd = server.calls.core.sessionCount;
  const legsAtEnd = server.calls.handling.profiles.reduce((n, p) => n + p.legCount, 0);
  const stopStarted = Date.now();
  await server.stop();
  const stopMs = Date.now() - stopStarted;
  const sessionsAfterStop = server.calls.core.sessionCount;
  await sleepMs(50);
  const fdAfterStop = fdCount();
  rmSync(conf.baseDir, { recursive: true, force: true });

  const result: FuzzResult = {
    seed,
    udp: { sent, bytes, perTarget, framesIn: udpFrames, kernelDrops, slowestBatchMs: Math.round(slowest.ms), slowestBatch: slowest.batch, responses: udpResponses },
    auth: { sent: authSent, challenges, statuses, reasons, unanswered: authSent - answered.size, bindingsAfter, legitRegister, lookup1001 },
    tcp: { inputs: tcpInputs, connections, closedByServer, responses: tcpResponses, leftOpen, probe: tcpProbe },
    probes: { during, after },
    counters,
    overload,
    calls: { sofia, sessionsAtEnd, legsAtEnd, sessionsAfterStop, stopMs },
    fd: { initial: fdInitial, before: fdBefore, after: fdAfter, afterStop: fdAfterStop, kindsBefore, kindsAfter },
    memory: { before: memBefore.rssMb, after: memAfter.rssMb, heapBefore: memBefore.heapUsedMb, heapAfter: memAfter.heapUsedMb },
    eventLoopMaxMs: Math.round(loop.max / 1e6),
    elapsedMs: Date.now() - t0,
  };
  process.stdout.write(`ROBUST_RESULT ${JSON.stringify(result)}\n`);
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(`ROBUST_ERROR ${String(err?.stack ?? err)}\n`);
    process.exit(1);
  },
);
