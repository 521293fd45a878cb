/**
 * Relay cost per RTP packet: our media plane (two RtpSessions + MediaBridge in relay mode: parse,
 * latch check, RFC 3550 stats, header rewrite, send) against
 *   - a minimal Node dgram relay (same two-socket setup, just forward), in this process;
 *   - a minimal C epoll relay (recvfrom/sendto), compiled here with gcc, in a child process.
 * Traffic comes from a C generator in another child process: PCMU-sized RTP (172 bytes), at most
 * WINDOW packets in flight, loopback only. The figure is the relay process's CPU time per packet
 * forwarded (process.cpuUsage for the in-process relays, getrusage in the C relay), the median of
 * ROUNDS interleaved rounds. Throughput (packets/s, wall) is printed for information.
 *
 * Run: npx tsx test/bench/media-relay.ts        (env MEDIA_BENCH_PACKETS / MEDIA_BENCH_ROUNDS)
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { MediaBridge, PortAllocator, RtpSession } from '../../src/media';
import { setLogLevel } from '../../src/util/logger';

const PACKETS = Number(process.env.MEDIA_BENCH_PACKETS ?? 20000);
const ROUNDS = Number(process.env.MEDIA_BENCH_ROUNDS ?? 3);
const WINDOW = 32;
const IP = '127.0.0.1';

const C_SOURCE = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static int udp_bind(int port) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in a; memset(&a, 0, sizeof a);
  a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(0x7f000001);
  if (bind(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("bind"); exit(1); }
  return s;
}
static int port_of(int s) {
  struct sockaddr_in a; socklen_t l = sizeof a; getsockname(s, (struct sockaddr *)&a, &l);
  return ntohs(a.sin_port);
}
static struct sockaddr_in to_port(int port) {
  struct sockaddr_in a; memset(&a, 0, sizeof a);
  a.sin_family = AF_INET; a.sin_port = htons(port); a.sin_addr.s_addr = htonl(0x7f000001);
  return a;
}
static long long now_us(void) {
  struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

/* relay <sinkPort>: forward every datagram from the in socket to sinkPort from the out socket.
   A 1-byte datagram ends it; it prints forwarded count and CPU microseconds. */
static int relay(int sinkPort) {
  int in = udp_bind(0), out = udp_bind(0);
  fcntl(in, F_SETFL, O_NONBLOCK);
  struct sockaddr_in sink = to_port(sinkPort);
  printf("port %d\n", port_of(in)); fflush(stdout);
  int ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = in };
  epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev);
  unsigned char buf[2048]; long long fwd = 0;
  for (;;) {
    struct epoll_event evs[4];
    int n = epoll_wait(ep, evs, 4, -1);
    if (n < 0 && errno == EINTR) continue;
    for (;;) {
      ssize_t r = recvfrom(in, buf, sizeof buf, 0, NULL, NULL);
      if (r < 0) break;
      if (r == 1) {
        struct rusage ru; getrusage(RUSAGE_SELF, &ru);
        long long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
        printf("done %lld %lld\n", fwd, cpu); fflush(stdout);
        return 0;
      }
      sendto(out, buf, r, 0, (struct sockaddr *)&sink, sizeof sink);
      fwd++;
    }
  }
}

/* gen: prints "ports <tx> <rx>", then per stdin line "run <relayPort> <count> <window>" sends count
   RTP packets (<= window in flight) and prints "done <received> <elapsed_us>". */
static int gen(void) {
  int tx = udp_bind(0), rx = udp_bind(0);
  int big = 4 << 20; setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  fcntl(rx, F_SETFL, O_NONBLOCK);
  printf("ports %d %d\n", port_of(tx), port_of(rx)); fflush(stdout);
  char line[256]; unsigned char pkt[172]; unsigned char rbuf[2048];
  memset(pkt, 0xff, sizeof pkt);
  pkt[0] = 0x80; pkt[1] = 0; pkt[8] = 0x12; pkt[9] = 0x34; pkt[10] = 0x56; pkt[11] = 0x78;
  unsigned seq = 1, ts = 1000;
  while (fgets(line, sizeof line, stdin)) {
    int relayPort, count, window;
    if (sscanf(line, "run %d %d %d", &relayPort, &count, &window) != 3) break;
    struct sockaddr_in dst = to_port(relayPort);
    long long sent = 0, got = 0, written_off = 0, t0 = now_us();
    while (got + written_off < count && now_us() - t0 < 20000000LL) {
      while (sent < count && sent - got - written_off < window) {
        pkt[2] = seq >> 8; pkt[3] = seq; pkt[4] = ts >> 24; pkt[5] = ts >> 16; pkt[6] = ts >> 8; pkt[7] = ts;
        seq = (seq + 1) & 0xffff; ts += 160;
        sendto(tx, pkt, sizeof pkt, 0, (struct sockaddr *)&dst, sizeof dst);
        sent++;
      }
      struct pollfd p = { .fd = rx, .events = POLLIN };
      int n = poll(&p, 1, 50);
      if (n > 0) {
        while (recv(rx, rbuf, sizeof rbuf, 0) > 0) got++;
      } else {
        written_off = sent - got; /* lost in flight: reopen the window */
      }
    }
    printf("done %lld %lld\n", got, now_us() - t0); fflush(stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "relay") == 0) return relay(atoi(argv[2]));
  if (argc >= 2 && strcmp(argv[1], "gen") == 0) return gen();
  fprintf(stderr, "usage: relaybench gen | relay <sinkPort>\n");
  return 2;
}
`;

/** A child process speaking line by line. */
class LineChild {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly rl: Interface;
  private readonly lines: string[] = [];
  private waiter: ((l: string) => void) | undefined;
  constructor(cmd: string, args: string[]) {
    this.proc = spawn(cmd, args);
    this.rl = createInterface({ input: this.proc.stdout });
    this.rl.on('line', (l) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(l);
      } else this.lines.push(l);
    });
    this.proc.stderr.on('data', (d) => process.stderr.write(d));
  }
  next(timeoutMs = 30000): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('child did not answer')), timeoutMs);
      this.waiter = (x) => {
        clearTimeout(t);
        resolve(x);
      };
    });
  }
  send(line: string): void {
    this.proc.stdin.write(line + '\n');
  }
  kill(): void {
    this.proc.kill();
  }
}

interface Result {
  cpuUsPerPacket: number;
  pps: number;
  received: number;
}

function bindSocket(port = 0): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((r) => s.bind(port, IP, () => r(s)));
}

async function runGen(gen: LineChild, relayPort: number): Promise<{ received: number; elapsedUs: number }> {
  gen.send(`run ${relayPort} ${PACKETS} ${WINDOW}`);
  const [tag, got, us] = (await gen.next()).split(' ');
  if (tag !== 'done') throw new Error(`generator said ${tag}`);
  return { received: Number(got), elapsedUs: Number(us) };
}

/** Measure an in-process relay: CPU of this process while the generator runs through it. */
async function inProcess(gen: LineChild, relayPort: number): Promise<Result> {
  const c0 = process.cpuUsage();
  const r = await runGen(gen, relayPort);
  const c = process.cpuUsage(c0);
  return { cpuUsPerPacket: (c.user + c.system) / Math.max(1, r.received), pps: r.received / (r.elapsedUs / 1e6), received: r.received };
}

async function benchOurs(gen: LineChild, genTx: number, sinkPort: number, allocator: PortAllocator): Promise<Result> {
  const a = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
  const b = await RtpSession.create(allocator, { rtcpIntervalMs: 0 });
  const media = { codec: { name: 'PCMU', clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20 }, pt: 0, dtmfPt: 101 };
  a.setMedia(media);
  b.setMedia(media);
  a.setRemote({ address: IP, port: genTx });
  b.setRemote({ address: IP, port: sinkPort });
  const bridge = new MediaBridge(a, b);
  if (bridge.mode !== 'relay') throw new Error('expected relay mode');
  try {
    const r = await inProcess(gen, a.localPort);
    const st = bridge.stats().relay!.aToB;
    if (st.forwarded < r.received) throw new Error(`relay forwarded ${st.forwarded} < received ${r.received}`);
    return r;
  } finally {
    bridge.close(true);
  }
}

async function benchNodeMinimal(gen: LineChild, sinkPort: number): Promise<Result> {
  const inSock = await bindSocket();
  const outSock = await bindSocket();
  inSock.on('message', (m) => outSock.send(m, sinkPort, IP));
  try {
    return await inProcess(gen, inSock.address().port);
  } finally {
    inSock.close();
    outSock.close();
  }
}

async function benchC(gen: LineChild, bin: string, sinkPort: number): Promise<Result> {
  const relay = new LineChild(bin, ['relay', String(sinkPort)]);
  try {
    const [tag, port] = (await relay.next()).split(' ');
    if (tag !== 'port') throw new Error('C relay did not start');
    const r = await runGen(gen, Number(port));
    const stop = await bindSocket();
    stop.send(Buffer.from([0]), Number(port), IP);
    const [done, fwd, cpuUs] = (await relay.next()).split(' ');
    stop.close();
    if (done !== 'done') throw new Error('C relay did not report');
    return { cpuUsPerPacket: Number(cpuUs) / Math.max(1, Number(fwd)), pps: r.received / (r.elapsedUs / 1e6), received: r.received };
  } finally {
    relay.kill();
  }
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  setLogLevel('warn');
  const dir = mkdtempSync(join(tmpdir(), 'strowger-relaybench-'));
  const bin = join(dir, 'relaybench');
  try {
    writeFileSync(join(dir, 'relaybench.c'), C_SOURCE);
    const cc = spawnSync('gcc', ['-O2', '-o', bin, join(dir, 'relaybench.c')], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`gcc failed: ${cc.stderr}`);

    const gen = new LineChild(bin, ['gen']);
    const [tag, tx, rx] = (await gen.next()).split(' ');
    if (tag !== 'ports') throw new Error('generator did not start');
    const genTx = Number(tx);
    const sinkPort = Number(rx);
    const allocator = new PortAllocator({ ip: IP, startPort: 31900, endPort: 31999 });

    // Warm-up (JIT, socket buffers) — not measured.
    await benchOurs(gen, genTx, sinkPort, allocator);
    await benchNodeMinimal(gen, sinkPort);

    const ours: Result[] = [];
    const node: Result[] = [];
    const c: Result[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      ours.push(await benchOurs(gen, genTx, sinkPort, allocator));
      node.push(await benchNodeMinimal(gen, sinkPort));
      c.push(await benchC(gen, bin, sinkPort));
    }
    gen.kill();

    const m = (rs: Result[]): { cpu: number; pps: number; recv: number } => ({
      cpu: median(rs.map((r) => r.cpuUsPerPacket)),
      pps: median(rs.map((r) => r.pps)),
      recv: Math.min(...rs.map((r) => r.received)),
    });
    const o = m(ours);
    const n = m(node);
    const k = m(c);
    const row = (name: string, x: { cpu: number; pps: number; recv: number }): string =>
      `${name.padEnd(28)} ${x.cpu.toFixed(2).padStart(8)} us/pkt CPU   ${Math.round(x.pps).toString().padStart(8)} pkt/s   (min received ${x.recv}/${PACKETS})`;
    console.log(`media relay: ${PACKETS} RTP packets x ${ROUNDS} rounds, window ${WINDOW}, medians`);
    console.log(row('strowger relay (bridge)', o));
    console.log(row('minimal node dgram relay', n));
    console.log(row('minimal C epoll relay', k));
    console.log(`ratio strowger / node-minimal: ${(o.cpu / n.cpu).toFixed(2)}x  (target <= 1.3x)`);
    console.log(`ratio strowger / C:            ${(o.cpu / k.cpu).toFixed(2)}x`);
    console.log(`ratio node-minimal / C:        ${(n.cpu / k.cpu).toFixed(2)}x`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
