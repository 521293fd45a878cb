/**
 * Wire-level robustness (security.md §5 G3/G5 smoke, G6, G17, G4/G19 media; brief 14): "bad input is
 * expected input" — a malformed or abusive packet gets a clear error or a counted drop, never a
 * crash. Each part runs in its own process inside a network namespace with only loopback
 * (netns.ts), so nothing a fuzzed Via or SDP names can leave the machine and fixed ports cannot
 * collide with other tests:
 *   1. fuzz-runner.ts        seeded mutations over UDP and TCP against the real startServer()
 *   2. flood-runner.ts       20k unique OPTIONS/REGISTERs, blast and windowed, legit UAC alongside
 *   3. tcp-abuse-runner.ts   1000 idle/slowloris/slow-body/ping-only/quiet connections from one IP,
 *                            then one connection pipelining 30k requests without reading
 *   4. rtp-garbage-runner.ts garbage from latched peers and a stranger into live media sessions
 * The fuzz and RTP seeds are random per run and printed; replay with ROBUST_SEED=<seed>.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloodPhase, FloodResult } from './flood-runner';
import type { FuzzResult } from './fuzz-runner';
import { describeRun, runInNetns, type RunnerOutput } from './netns';
import type { RtpGarbageResult } from './rtp-garbage-runner';
import type { AbuseKind, TcpAbuseResult } from './tcp-abuse-runner';

const REPLAY = (runner: string) => `ROBUST_SEED=SEED unshare -n sh -c 'ip link set lo up && exec node --expose-gc --import tsx test/integration/robustness/${runner}'`;

/**
 * Error-level log lines that the fuzz can trigger and that are understood (handled, not crashes),
 * kept visible here until fixed. Anything else at error level fails the run.
 */
const KNOWN_ERROR_LOGS: Array<{ why: string; match: (l: { msg?: string; mod?: string; err?: { message?: string } }) => boolean }> = [
  // (empty) An INVITE toward a registered IPv6 contact on an IPv4-only profile used to log at
  // error level; it is now a warning ('destination unreachable from this profile') and a 502.
];

function unexpectedErrorLogs(run: RunnerOutput<unknown>): string[] {
  return run.errorLogs.filter((line) => {
    const l = JSON.parse(line) as Parameters<(typeof KNOWN_ERROR_LOGS)[number]['match']>[0];
    const known = KNOWN_ERROR_LOGS.find((k) => k.match(l));
    if (known) console.log(`[robustness] known error log (${known.why})`);
    return !known;
  });
}

/** Exit 0, a result, nothing on stderr (where Node reports an uncaught exception or unhandled rejection), no unexpected error logs. */
function expectCleanRun(name: string, run: RunnerOutput<unknown>, replay?: string): void {
  const why = describeRun(name, run, replay);
  expect(run.status, why).toBe(0);
  expect(run.result, why).toBeDefined();
  expect(run.stderr, why).toBe('');
  expect(unexpectedErrorLogs(run), why).toEqual([]);
}

describe('1. wire fuzz against the real server (startServer, both profiles)', () => {
  let run: RunnerOutput<FuzzResult>;
  let r: FuzzResult;
  beforeAll(async () => {
    run = await runInNetns<FuzzResult>('fuzz-runner.ts', {}, 120_000);
    console.log(`[robustness] fuzz seed ${run.seed} (replay: ROBUST_SEED=${run.seed})`);
    r = run.result!;
  }, 130_000);

  it('the server survived every input: exit 0, no uncaught exception/unhandled rejection, no error log line', () => {
    expectCleanRun('fuzz', run, REPLAY('fuzz-runner.ts'));
    expect(r.udp.sent).toBe(5000);
    expect(r.tcp.inputs).toBe(1000);
  });

  it('every UDP datagram reached the server (paced: no kernel drops) and the counters account for each one', () => {
    const why = `seed ${r.seed}`;
    expect(r.udp.kernelDrops, why).toBe(0);
    // 5000 fuzz datagrams + the probes from 127.0.0.3 (10 during, 5 after).
    expect(r.udp.framesIn, why).toBe(r.udp.sent + r.probes.during.length + r.probes.after.length);
    for (const [name, c] of Object.entries(r.counters)) {
      const udp = Object.entries(c.transports).find(([k]) => k.startsWith('UDP'))![1];
      const tcp = Object.entries(c.transports).find(([k]) => k.startsWith('TCP'))![1];
      // Transport layer: every frame (a datagram, a framed TCP message, or the head of a stream
      // whose framing broke) is a keep-alive, a parsed message, or a counted parse error.
      expect(udp.framesIn - udp.keepAlivesIn + tcp.framesIn + tcp.framingErrors, `${name} ${why}`).toBe(c.messagesIn + c.parseErrors);
      expect(c.messagesIn, `${name} ${why}`).toBe(c.requestsIn + c.responsesIn);
      // Responses: none of ours were pending, so each is refused (§8.1.3.3) or stray.
      expect(c.responsesIn, `${name} ${why}`).toBe(c.responsesDropped + c.strayResponses);
      // Requests: refused stateless, a new transaction, absorbed, or an ACK (an ACK that repeats
      // into a Confirmed INVITE transaction counts both as matched and as absorbed).
      const routed = c.invalidRequests + c.serverTransactionsCreated + c.retransmissionsAbsorbed + c.strayAcks + c.acksMatched;
      expect(routed + r.overload, `${name} ${why}`).toBeGreaterThanOrEqual(c.requestsIn);
      expect(routed - c.acksMatched, `${name} ${why}`).toBeLessThanOrEqual(c.requestsIn);
      expect(c.parseErrors, `${name} ${why}`).toBeGreaterThan(500);
    }
  });

  it('authenticated REGISTERs with fuzzed Contact/Expires/To reached the registrar; every one was answered; 1001 still registers', () => {
    const a = r.auth;
    const why = `seed ${r.seed} ${JSON.stringify(a.reasons)}`;
    expect(a.sent, why).toBe(1000);
    expect(a.unanswered, why).toBe(0);
    // Past digest auth into the bindings (not just rejected by the parser).
    expect(a.statuses['200'] ?? 0, why).toBeGreaterThanOrEqual(100);
    expect(a.legitRegister.ok, JSON.stringify(a.legitRegister)).toBe(true);
    expect(a.lookup1001).toBeGreaterThanOrEqual(1);
  });

  it('fuzzed INVITEs reached call handling on both profiles; stop() then ends every channel promptly', () => {
    const invites = Object.values(r.calls.sofia).reduce((n, c) => n + (c.invites ?? 0), 0);
    console.log(`[robustness] calls: ${JSON.stringify(r.calls)}`);
    expect(invites).toBeGreaterThan(20);
    expect(r.calls.sessionsAfterStop).toBe(0);
    expect(r.calls.stopMs).toBeLessThan(5000);
  });

  it('OPTIONS from 127.0.0.3 got 200 throughout, and within 200 ms after the fuzz', () => {
    expect(r.probes.during.every((p) => p.ok), JSON.stringify(r.probes.during)).toBe(true);
    expect(r.probes.after.every((p) => p.ok), JSON.stringify(r.probes.after)).toBe(true);
    const fast = r.probes.after.filter((p) => p.ms <= 200).length;
    expect(fast, JSON.stringify(r.probes.after)).toBeGreaterThanOrEqual(3);
  });

  it('TCP: every fuzz connection ended, the server closed exactly those whose framing broke, a TCP OPTIONS still works', () => {
    const framingErrors = Object.values(r.counters).reduce((n, c) => n + Object.entries(c.transports).filter(([k]) => k.startsWith('TCP')).reduce((m, [, t]) => m + t.framingErrors, 0), 0);
    expect(r.tcp.leftOpen).toBe(0);
    expect(r.tcp.closedByServer).toBe(framingErrors);
    expect(r.tcp.probe.ok).toBe(true);
    for (const c of Object.values(r.counters)) {
      const tcp = Object.entries(c.transports).find(([k]) => k.startsWith('TCP'))![1];
      expect(tcp.connectionsOpened).toBe(tcp.connectionsClosed);
    }
    // While running, sofia keeps released RTP port pairs bound for reuse (port-pool.ts, up to 1024
    // pairs): calls the fuzz set up may leave some. Once stopped, every fd the server opened is closed.
    console.log(`[robustness] fds: ${JSON.stringify({ ...r.fd, kindsBefore: undefined, kindsAfter: undefined })}`);
    expect(r.fd.afterStop).toBeLessThanOrEqual(r.fd.initial);
  });
});

describe('2. flood of valid requests (G6 scaled: 20k, T1 = 50 ms)', () => {
  let run: RunnerOutput<FloodResult>;
  let blast: FloodPhase;
  let windowed: FloodPhase;
  beforeAll(async () => {
    run = await runInNetns<FloodResult>('flood-runner.ts', {}, 120_000);
    [blast, windowed] = run.result?.phases ?? [];
  }, 130_000);

  it('ran clean', () => {
    expectCleanRun('flood', run);
    expect(blast!.flood.sent).toBe(run.result!.floodN);
    expect(windowed!.flood.sent).toBe(run.result!.floodN);
  });

  it.each(['blast', 'window'] as const)('%s: every datagram was read by the server or counted as a kernel drop; each became a transaction', (mode) => {
    const p = mode === 'blast' ? blast : windowed;
    expect(p.server.framesIn + p.server.kernelDrops, JSON.stringify(p.server)).toBe(p.flood.sent + p.server.legitDatagrams);
    expect(p.server.requestsIn).toBe(p.server.framesIn);
    expect(p.server.created + p.server.overload).toBeGreaterThanOrEqual(p.server.framesIn - p.server.legitDatagrams);
  });

  it.each(['blast', 'window'] as const)('%s: the legit UAC at 127.0.0.3 kept getting answers (>= 99 %% of OPTIONS and digest REGISTERs)', (mode) => {
    const p = mode === 'blast' ? blast : windowed;
    expect(p.legit.total).toBeGreaterThanOrEqual(10);
    expect(p.legit.ok / p.legit.total, JSON.stringify(p.legit)).toBeGreaterThanOrEqual(0.99);
  });

  it('blast: RSS stays under baseline + 50 MB (the kernel drops what the server cannot read)', () => {
    expect(blast.memory.peakRssMb - blast.memory.baseline.rssMb, JSON.stringify(blast.memory)).toBeLessThan(50);
  });

  it.each(['blast', 'window'] as const)('%s: no leak — every transaction ends at Timer J and the heap returns to baseline + 5 MB', (mode) => {
    const p = mode === 'blast' ? blast : windowed;
    expect(p.server.transactionsLeft).toBe(0);
    expect(p.server.drainMs).toBeLessThanOrEqual(run.result!.timerJMs + 1500);
    expect(p.memory.afterDrain.heapUsedMb - p.memory.baseline.heapUsedMb, JSON.stringify(p.memory)).toBeLessThan(5);
  });

  it('window: with every request processed and its transaction alive until Timer J, RSS stays under baseline + 50 MB (G6)', () => {
    // First runs of this test measured ~8 KB of heap per live non-INVITE server transaction
    // (parsed request and response kept until Timer J): +150 MB here. sip/transaction now keeps
    // Completed UDP transactions compact (9b0dd02); this holds it there.
    const m = windowed.memory;
    const perTxKb = ((m.atEnd.heapUsedMb - m.baseline.heapUsedMb) * 1024) / Math.max(1, m.liveAtEnd);
    console.log(`[robustness] window flood: ${m.liveAtEnd} live transactions, ${perTxKb.toFixed(2)} KB heap each, peak RSS +${(m.peakRssMb - m.baseline.rssMb).toFixed(0)} MB`);
    expect(m.liveAtEnd).toBeGreaterThan(5000);
    expect(perTxKb, JSON.stringify(m)).toBeLessThan(2.5);
    expect(m.peakRssMb - m.baseline.rssMb, JSON.stringify(m)).toBeLessThan(50);
  });
});

let tcpAbuse: RunnerOutput<TcpAbuseResult>;

describe('3. TCP abuse (G17): 1000 connections from 127.0.0.66', () => {
  let r: TcpAbuseResult;
  beforeAll(async () => {
    tcpAbuse = await runInNetns<TcpAbuseResult>('tcp-abuse-runner.ts', {}, 60_000);
    r = tcpAbuse.result!;
  }, 70_000);

  it('ran clean; every attempt connected at the TCP level', () => {
    expectCleanRun('tcp-abuse', tcpAbuse);
    expect(r.abuser.connected).toBe(r.limits.attempts);
  });

  it('the per-IP cap holds: never more than the cap open from 127.0.0.66, the rest refused at once', () => {
    const c = r.server.counters;
    const legit = 3; // the legit OPTIONS connections from 127.0.0.3
    expect(r.server.peakOpen).toBeLessThanOrEqual(r.limits.perIpCap + 1);
    expect(c.connectionsOpened - legit + c.connectionsRefused).toBe(r.limits.attempts);
    expect(c.connectionsRefused).toBeGreaterThanOrEqual(r.limits.attempts - 2 * r.limits.perIpCap);
  });

  it('every accepted connection was closed by the server by its message or idle timeout; none was left at the deadline', () => {
    const c = r.server.counters;
    expect(r.abuser.openAtDeadline).toEqual({ idle: 0, slowloris: 0, slowbody: 0, pinger: 0, quiet: 0 });
    expect(r.server.openAfter).toBe(0);
    expect(c.connectionsClosed).toBe(c.connectionsOpened);
    expect(c.idleTimeouts).toBe(c.connectionsOpened - 3);
    // A message (and a new connection's first message) must complete within the message timeout,
    // however slowly its bytes drip in; keep-alive pings are not a message.
    for (const kind of ['idle', 'slowloris', 'slowbody', 'pinger'] as AbuseKind[]) {
      expect(Math.max(...r.abuser.closedByServer[kind]), kind).toBeLessThanOrEqual(r.limits.messageTimeoutMs + 500);
    }
    // One complete request, answered, then silence: the idle timeout, not earlier. (Refused
    // connections are told apart by getting no answer, not by closing fast: under load a refusal
    // has been seen to take over 200 ms to show.)
    const quiet = r.abuser.quietAnsweredClosedMs;
    expect(quiet.length).toBeGreaterThan(0);
    expect(Math.min(...quiet)).toBeGreaterThanOrEqual(r.limits.idleTimeoutMs - 200);
    expect(Math.max(...quiet)).toBeLessThanOrEqual(r.limits.idleTimeoutMs + 500);
  });

  it('a legit TCP OPTIONS from 127.0.0.3 succeeds during and after the abuse; fds return to baseline', () => {
    expect(r.legit.during.map((p) => p.ok)).toEqual([true, true]);
    expect(r.legit.after.ok).toBe(true);
    expect(r.fd.peak).toBeGreaterThan(r.fd.before + r.limits.perIpCap / 2);
    expect(r.fd.after).toBe(r.fd.before);
  });
});

describe('3b. TCP backpressure: one peer pipelines 30k OPTIONS and never reads a response', () => {
  let r: TcpAbuseResult['pipeline'];
  let fdBefore: number;
  beforeAll(() => {
    r = tcpAbuse.result!.pipeline;
    fdBefore = tcpAbuse.result!.fd.before;
    console.log(`[robustness] pipeliner: ${r.requestsRead}/${r.sent} requests read, heap +${r.heapGrowthMb.toFixed(1)} MB, event loop max ${r.eventLoopMaxMs} ms`);
  });

  it('the server stops reading from it instead of queueing answers: heap stays bounded (was +111 MB before the fix)', () => {
    expect(r.sent).toBe(30_000);
    expect(r.readsPaused).toBeGreaterThanOrEqual(1);
    expect(r.requestsRead).toBeLessThan(r.sent);
    expect(r.heapGrowthMb).toBeLessThan(20);
  });

  it('others are still served, the connection is closed by the timeouts, fds return to baseline', () => {
    expect(r.legit.ok).toBe(true);
    expect(r.closed).toBe(true);
    expect(r.fdAfter).toBe(fdBefore);
  });
});

describe('4. RTP/RTCP garbage into live media sessions (transcoding PCMU<->opus, relaying PCMU<->PCMU)', () => {
  let run: RunnerOutput<RtpGarbageResult>;
  let r: RtpGarbageResult;
  beforeAll(async () => {
    run = await runInNetns<RtpGarbageResult>('rtp-garbage-runner.ts', {}, 60_000);
    console.log(`[robustness] rtp seed ${run.seed} (replay: ROBUST_SEED=${run.seed})`);
    r = run.result!;
  }, 70_000);

  it('ran clean: no exception from any packet consumer (sinkErrors 0)', () => {
    expectCleanRun('rtp-garbage', run, REPLAY('rtp-garbage-runner.ts'));
    for (const leg of [r.transcode.a, r.transcode.b, r.relay.a, r.relay.b]) expect(leg.in.sinkErrors).toBe(0);
  });

  it('every datagram is counted: accepted or dropped for a reason, RTP and RTCP', () => {
    for (const [name, leg] of Object.entries({ ta: r.transcode.a, tb: r.transcode.b, ra: r.relay.a, rb: r.relay.b })) {
      const why = `${name} seed ${r.seed}`;
      expect(leg.in.datagrams, why).toBe(leg.sentRtp);
      expect(leg.unaccounted, why).toBe(0);
      expect(leg.rtcpSeen, why).toBe(leg.sentRtcp);
      // The garbage reached every stage: header parser, PT check, sequence/SSRC logic, RTCP parser.
      expect(leg.in.droppedMalformed, why).toBeGreaterThan(r.sent.rtpPerLeg / 3);
      expect(leg.in.droppedUnknownPt, why).toBeGreaterThan(0);
      expect(leg.in.ssrcChanges + leg.in.seqJumps, why).toBeGreaterThan(0);
      expect(leg.in.rtcpMalformed, why).toBeGreaterThan(0);
      expect(leg.in.rtcpPackets, why).toBeGreaterThan(0);
    }
  });

  it('after the garbage a clean 440 Hz tone still crosses the transcoder, and relayed payloads arrive byte-identical', () => {
    const t = r.transcode.toneAtB;
    expect(t.active, JSON.stringify(t)).toBeGreaterThanOrEqual((r.transcode.toneFrames - 5) * 0.6);
    expect(t.on440 / t.active, JSON.stringify(t)).toBeGreaterThan(0.85);
    expect(r.relay.identical).toBe(r.relay.expected);
  });
});
