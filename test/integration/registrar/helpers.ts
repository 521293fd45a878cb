/**
 * Helpers for the registrar's wire tests: a raw UDP user agent bound to a chosen loopback address,
 * throw-away copies of conf/ with edited profile params, the real server as a child process (for
 * kill -9), and a clock whose wall time can be moved forward.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { answerChallenge } from '../../../src/sip/auth';
import { getCallId, getCSeq, parseMessage, type SipResponse } from '../../../src/sip/message';
import { realClock, type Clock } from '../../../src/util/clock';

export const ROOT = resolve(__dirname, '../../..');
export const SHIPPED_CONF = join(ROOT, 'conf');

/** Real time plus an offset the test moves forward (nonce expiry, ban expiry). */
export class OffsetClock implements Clock {
  offsetMs = 0;
  now(): number {
    return realClock.now() + this.offsetMs;
  }
  wallNow(): number {
    return realClock.wallNow() + this.offsetMs;
  }
  setTimeout(fn: () => void, ms: number) {
    return realClock.setTimeout(fn, ms);
  }
}

let uaSeq = 0;

export interface RegisterText {
  user?: string;
  domain?: string;
  requestUri?: string;
  contact?: string | null;
  expires?: number;
  authorization?: string;
  callId?: string;
  cseq?: number;
  method?: string;
}

/** A SIP user agent that sends raw requests over UDP from a chosen loopback address. */
export class RawUa {
  private readonly waiters = new Map<string, (r: SipResponse) => void>();
  private cseqNo = 1;
  readonly callId: string;

  private constructor(
    readonly socket: Socket,
    readonly address: string,
    readonly port: number,
    readonly server: { address: string; port: number },
  ) {
    this.callId = `raw-${process.pid}-${++uaSeq}@${address}`;
    socket.on('message', (m) => {
      const r = parseMessage(m);
      if (!r.ok || r.msg.type !== 'response' || r.msg.status < 200) return;
      const key = `${getCallId(r.msg)}|${getCSeq(r.msg)?.seq}`;
      const w = this.waiters.get(key);
      if (w) {
        this.waiters.delete(key);
        w(r.msg);
      }
    });
  }

  static open(address: string, server: { address: string; port: number }): Promise<RawUa> {
    return new Promise((res, rej) => {
      const s = createSocket('udp4');
      s.once('error', rej);
      s.bind(0, address, () => res(new RawUa(s, address, s.address().port, server)));
    });
  }

  nextCSeq(): number {
    return this.cseqNo++;
  }

  text(o: RegisterText = {}): { text: string; callId: string; cseq: number } {
    const user = o.user ?? '1000';
    const domain = o.domain ?? this.server.address;
    const callId = o.callId ?? this.callId;
    const cseq = o.cseq ?? this.nextCSeq();
    const method = o.method ?? 'REGISTER';
    const lines = [
      `${method} ${o.requestUri ?? `sip:${domain}`} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};branch=z9hG4bK${Math.random().toString(16).slice(2)}${cseq};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${domain}>;tag=${Math.random().toString(16).slice(2, 10)}`,
      `To: <sip:${user}@${domain}>`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      'User-Agent: raw-ua',
    ];
    if (o.contact !== null) lines.push(`Contact: ${o.contact ?? `<sip:${user}@${this.address}:${this.port}>`}`);
    if (o.expires !== undefined) lines.push(`Expires: ${o.expires}`);
    if (o.authorization) lines.push(`Authorization: ${o.authorization}`);
    lines.push('Content-Length: 0', '', '');
    return { text: lines.join('\r\n'), callId, cseq };
  }

  /** Sends one request and resolves with its final response (rejects after timeoutMs). */
  send(o: RegisterText | { text: string; callId: string; cseq: number } = {}, timeoutMs = 3000): Promise<SipResponse> {
    const m = 'text' in o && typeof o.text === 'string' ? (o as { text: string; callId: string; cseq: number }) : this.text(o as RegisterText);
    const key = `${m.callId}|${m.cseq}`;
    return new Promise((res, rej) => {
      const t = setTimeout(() => {
        this.waiters.delete(key);
        rej(new Error(`no final response to CSeq ${m.cseq} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(key, (r) => {
        clearTimeout(t);
        res(r);
      });
      this.socket.send(m.text, this.server.port, this.server.address);
    });
  }

  /** REGISTER, then answer the 401 with these credentials. */
  async register(o: RegisterText & { username?: string; password: string }): Promise<{ first: SipResponse; final: SipResponse; authorization?: string }> {
    const first = await this.send(o);
    if (first.status !== 401) return { first, final: first };
    const ans = answerChallenge({
      challenge: first.headers.getAll('www-authenticate'),
      method: 'REGISTER',
      uri: o.requestUri ?? `sip:${o.domain ?? this.server.address}`,
      username: o.username ?? o.user ?? '1000',
      password: o.password,
    });
    const final = await this.send({ ...o, authorization: ans.header });
    return { first, final, authorization: ans.header };
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

/** Header names of a response, lower-case and sorted (for "same header set" checks). */
export function headerNames(r: SipResponse): string[] {
  return r.headers.entries().map(([n]) => n.toLowerCase()).sort();
}

export interface TestConf {
  root: string;
  conf: string;
  data: string;
  remove(): void;
}

/**
 * Copies conf/ into a fresh temp folder (root/conf, data in root/data). `internal` params are set
 * in internal.xml: an existing `<param name="x" .../>` line is replaced, others are added.
 */
export function makeTestConf(o: { internal?: Record<string, string>; files?: Record<string, string> } = {}): TestConf {
  const root = mkdtempSync(join(tmpdir(), 'strowger-reg-it-'));
  const conf = join(root, 'conf');
  cpSync(SHIPPED_CONF, conf, { recursive: true });
  if (o.internal) {
    const p = join(conf, 'sip_profiles', 'internal.xml');
    let xml = readFileSync(p, 'utf8');
    for (const [name, value] of Object.entries(o.internal)) {
      const line = `<param name="${name}" value="${value}"/>`;
      const start = xml.indexOf(`<param name="${name}" `);
      const commented = start > 0 && xml.lastIndexOf('<!--', start) > xml.lastIndexOf('-->', start);
      if (start >= 0 && !commented) {
        const end = xml.indexOf('/>', start) + 2;
        xml = xml.slice(0, start) + line + xml.slice(end);
      } else {
        xml = xml.replace('</settings>', `  ${line}\n  </settings>`);
      }
    }
    writeFileSync(p, xml);
  }
  for (const [rel, text] of Object.entries(o.files ?? {})) writeFileSync(join(conf, rel), text);
  return { root, conf, data: join(root, 'data'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface ServerProcess {
  proc: ChildProcess;
  logs: string[];
  /** Milliseconds from spawn until the internal registrar's store was open. */
  readyMs: number;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** `node bin/strowger.js start` as a child process; resolves once the internal profile's registrar is up. */
export function startServerProcess(confDir: string, sets: Record<string, string>, timeoutMs = 15_000): Promise<ServerProcess> {
  const args = [join(ROOT, 'bin/strowger.js'), 'start', '--conf', confDir, '--json', '--log-level', 'info'];
  for (const [k, v] of Object.entries(sets)) args.push('--set', `${k}=${v}`);
  const t0 = Date.now();
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VITEST: '' } });
  const logs: string[] = [];
  let buf = '';
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return new Promise((resolvePromise, reject) => {
    const killer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server not ready within ${timeoutMs} ms:\n${logs.join('\n').slice(-3000)}`));
    }, timeoutMs);
    const onLine = (line: string) => {
      logs.push(line);
      if (line.includes('"registration store open"') && line.includes('"profile":"internal"')) {
        clearTimeout(killer);
        resolvePromise({
          proc,
          logs,
          readyMs: Date.now() - t0,
          async kill9() {
            proc.kill('SIGKILL');
            await exited;
          },
          async stop() {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
            const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(t);
          },
        });
      }
    };
    const feed = (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    };
    proc.stdout!.on('data', feed);
    proc.stderr!.on('data', feed);
    proc.once('exit', (code) => {
      clearTimeout(killer);
      reject(new Error(`server exited (${code}) before it was ready:\n${logs.join('\n').slice(-3000)}`));
    });
  });
}
