/**
 * Small wire tools shared by the robustness runners (all run inside a loopback-only network
 * namespace, see netns.ts): UDP/TCP SIP probes with timing, per-socket kernel drop counts, fd and
 * memory readings. Every wait has a deadline.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function bindUdp(address: string, port = 0): Promise<UdpSocket> {
  const s = createSocket('udp4');
  await new Promise<void>((res, rej) => {
    s.once('error', rej);
    s.bind(port, address, () => res());
  });
  s.on('error', () => {});
  return s;
}

/** Wait (bounded) until cond() holds; returns whether it did. */
export async function until(cond: () => boolean, ms: number, step = 2): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(step);
  }
  return true;
}

export interface ProbeResult {
  ok: boolean;
  status?: number;
  ms: number;
}

export function optionsText(id: string, server: string, via: string, transport: 'UDP' | 'TCP' = 'UDP'): string {
  return (
    `OPTIONS sip:probe@${server} SIP/2.0\r\nVia: SIP/2.0/${transport} ${via};branch=z9hG4bK${id};rport\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:probe@${via}>;tag=${id}\r\nTo: <sip:probe@${server}>\r\nCall-ID: ${id}\r\n` +
    `CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
  );
}

/** Status code and Call-ID of a response, by scanning (no full parse needed in the client). */
export function statusAndCallId(buf: Buffer | string): { status: number; callId?: string } | undefined {
  const t = typeof buf === 'string' ? buf : buf.toString('latin1');
  if (!t.startsWith('SIP/2.0 ')) return undefined;
  const status = Number(t.slice(8, 11));
  let callId: string | undefined;
  const end = t.indexOf('\r\n\r\n');
  for (const line of (end < 0 ? t : t.slice(0, end)).split('\r\n')) {
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const n = line.slice(0, c).trim().toLowerCase();
    if (n === 'call-id' || n === 'i') callId = line.slice(c + 1).trim();
  }
  return { status, callId };
}

/** A UDP OPTIONS prober at a fixed source address: one request, one answer, timed. */
export class UdpProber {
  private seq = 0;
  private waiting = new Map<string, (r: { status: number }) => void>();
  private constructor(private readonly sock: UdpSocket, private readonly label: string) {
    sock.on('message', (m) => {
      const r = statusAndCallId(m);
      if (r?.callId && r.status >= 200) this.waiting.get(r.callId)?.({ status: r.status });
    });
  }
  static async open(address: string, label = 'probe'): Promise<UdpProber> {
    return new UdpProber(await bindUdp(address), label);
  }
  get local(): string {
    const a = this.sock.address();
    return `${a.address}:${a.port}`;
  }
  probe(server: { address: string; port: number }, timeoutMs: number): Promise<ProbeResult> {
    const id = `${this.label}-${++this.seq}-${Date.now()}`;
    const started = performance.now();
    return new Promise((res) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        res({ ok: false, ms: performance.now() - started });
      }, timeoutMs);
      this.waiting.set(id, ({ status }) => {
        clearTimeout(t);
        this.waiting.delete(id);
        res({ ok: status === 200, status, ms: performance.now() - started });
      });
      this.sock.send(optionsText(id, `${server.address}:${server.port}`, this.local), server.port, server.address);
    });
  }
  close(): void {
    this.sock.close();
  }
}

/** One OPTIONS over a fresh TCP connection from `localAddress`; closes the connection after. */
export function tcpOptions(server: { address: string; port: number }, localAddress: string, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  return new Promise((res) => {
    let data = '';
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      sock.destroy();
      res(r);
    };
    const sock = createConnection({ host: server.address, port: server.port, localAddress });
    const t = setTimeout(() => finish({ ok: false, ms: performance.now() - started }), timeoutMs);
    sock.on('connect', () => {
      const id = `tcp-probe-${Date.now()}`;
      sock.write(optionsText(id, `${server.address}:${server.port}`, `${localAddress}:${sock.localPort}`, 'TCP'));
    });
    sock.on('data', (d) => {
      data += d.toString('latin1');
      const r = statusAndCallId(data);
      if (r && r.status >= 200) finish({ ok: r.status === 200, status: r.status, ms: performance.now() - started });
    });
    sock.on('error', () => finish({ ok: false, ms: performance.now() - started }));
    sock.on('close', () => finish({ ok: false, ms: performance.now() - started }));
  });
}

/** Open file descriptors of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Open fds of this process by kind ("socket", "anon_inode:[eventpoll]", file paths...), for leak reports. */
export function fdKinds(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    const kind = target.startsWith('socket:') ? 'socket' : target.startsWith('pipe:') ? 'pipe' : target;
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

/** Kernel receive-queue drops of the UDP socket bound to ip:port (/proc/net/udp "drops"), or -1. */
export function udpSocketDrops(ip: string, port: number): number {
  const hexIp = ip
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .reverse()
    .join('')
    .toUpperCase();
  const want = `${hexIp}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === want) return Number(f[f.length - 1]);
  }
  return -1;
}

export interface MemoryReading {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
}

const MB = 1024 * 1024;

/** Memory after full GCs (needs --expose-gc; without it the reading is taken as is). */
export async function memoryAfterGc(): Promise<MemoryReading> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await sleep(20);
  }
  return memoryNow();
}

export function memoryNow(): MemoryReading {
  const m = process.memoryUsage();
  return { rssMb: m.rss / MB, heapUsedMb: m.heapUsed / MB, externalMb: (m.external + m.arrayBuffers) / MB };
}

/** A private copy of conf/ in a temp folder (its data/ stays there) and the overrides for it. */
export function tempConf(ports: { internal: number; external: number }): { baseDir: string; confDir: string; overrides: Record<string, string> } {
  const baseDir = mkdtempSync(join(tmpdir(), 'strowger-robust-'));
  const confDir = join(baseDir, 'conf');
  cpSync(join(REPO, 'conf'), confDir, { recursive: true });
  return {
    baseDir,
    confDir,
    overrides: {
      local_ip_v4: '127.0.0.1',
      internal_sip_port: String(ports.internal),
      external_sip_port: String(ports.external),
      data_dir: join(baseDir, 'data'),
    },
  };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
