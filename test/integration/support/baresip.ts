/**
 * A baresip 1.0.0 user agent driven by a test: a temporary config folder, a time-limited process
 * bound to 127.0.0.1, remote control over ctrl_tcp (JSON in netstrings), and its recordings.
 *
 * baresip facts this relies on (see /work/shared/design/testing-with-real-clients.md):
 *  - account codecs are written name/srate/channels (G722/16000/1); a bare name silently offers
 *    every codec, so the log line "Set audio encoder:" is what tells what was really used;
 *  - audio_source aufile plays a mono 16-bit WAV at ausrc_srate as the microphone; when the file
 *    ends, baresip hangs the call up, so tests make the WAV longer than the call;
 *  - the sndfile filter writes what was received to snd_path/dump-<time>-dec.wav (and what was
 *    sent to ...-enc.wav), finalised when the call ends;
 *  - dial/hangup/quit are commands of the menu module, reachable through ctrl_tcp;
 *  - sip_listen P also binds TCP P+1, so a SIP port needs two free ports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export const BARESIP_MODULE_DIR = '/usr/lib/baresip/modules';

/** Codec names as baresip 1.0.0 writes them in an account's audio_codecs. */
export const BARESIP_CODEC = {
  PCMU: 'PCMU/8000/1',
  PCMA: 'PCMA/8000/1',
  G722: 'G722/16000/1',
  opus: 'opus/48000/2',
} as const;

export interface BaresipOptions {
  /** The account's user part (AOR sip:user@host[:port]). */
  user: string;
  /** Host[:port] of the AOR: the registrar when registering, else only the From domain. Default 127.0.0.1. */
  domain?: string;
  /** Digest password; registers every regint seconds when given with regint > 0. */
  password?: string;
  /** Registration interval in seconds; 0 (default) = no REGISTER. */
  regint?: number;
  /** Offered codecs in order, baresip spelling (see BARESIP_CODEC). */
  codecs: string[];
  /** The microphone: a mono 16-bit WAV at `srate`. */
  sourceWav: string;
  /** ausrc_srate and auplay_srate (use the codec's rate so no resampling happens in baresip). */
  srate: number;
  /** Record received (and sent) audio with the sndfile module; default true. */
  record?: boolean;
  /** Answer incoming calls at once (answermode auto); default true. */
  autoAnswer?: boolean;
  /** Hard limit for the process in seconds (baresip -t, and a SIGKILL shortly after); default 30. */
  timeLimitSec?: number;
  /** Extra "key value" lines appended to config. */
  extraConfig?: string[];
  /** Extra ;param=value account parameters (without the leading ';'). */
  extraAccountParams?: string[];
  /** Print SIP messages to the log (baresip -s), for debugging. */
  sipTrace?: boolean;
}

export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  id?: string;
  param?: string;
  [k: string]: unknown;
}

export interface BaresipResponse {
  ok: boolean;
  data: string;
}

interface Waiter {
  match: (e: BaresipEvent) => boolean;
  resolve: (e: BaresipEvent) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const LOG_CAP = 4 * 1024 * 1024;

/** Remove ANSI colour sequences (ESC [ ... letter) by scanning. */
export function stripAnsi(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) === 0x1b && s[i + 1] === '[') {
      let j = i + 2;
      while (j < s.length && !isAsciiLetter(s.charCodeAt(j))) j++;
      i = j;
      continue;
    }
    out += s[i];
  }
  return out;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** Encode a netstring: "<len>:<bytes>,". */
export function netstring(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body, Buffer.from(',', 'ascii')]);
}

/**
 * Split complete netstrings off the front of `buf`; returns the payloads and the unconsumed rest.
 * Throws on a malformed length prefix (more than 9 digits, or no ':' / ',' where expected).
 */
export function parseNetstrings(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let off = 0;
  for (;;) {
    let i = off;
    let len = 0;
    while (i < buf.length && buf[i]! >= 0x30 && buf[i]! <= 0x39) {
      len = len * 10 + (buf[i]! - 0x30);
      i++;
      if (i - off > 9) throw new Error('netstring length too long');
    }
    if (i >= buf.length) break; // need more bytes
    if (i === off || buf[i] !== 0x3a) throw new Error(`malformed netstring at byte ${off}`);
    const start = i + 1;
    if (start + len + 1 > buf.length) break;
    if (buf[start + len] !== 0x2c) throw new Error(`netstring without ',' at byte ${start + len}`);
    messages.push(buf.toString('utf8', start, start + len));
    off = start + len + 1;
  }
  return { messages, rest: buf.subarray(off) };
}

export class Baresip {
  readonly events: BaresipEvent[] = [];
  private output = '';
  private exited = false;
  private exitCode: number | null = null;
  private readonly exitPromise: Promise<void>;
  private socket: Socket | undefined;
  private rx: Buffer = Buffer.alloc(0);
  private waiters: Waiter[] = [];
  private pending = new Map<string, (r: BaresipResponse) => void>();
  private tokenSeq = 0;
  private stopped = false;
  private readonly hardKill: NodeJS.Timeout;

  private constructor(
    readonly opts: BaresipOptions,
    readonly dir: string,
    readonly recDir: string,
    readonly sipPort: number,
    readonly ctrlPort: number,
    private readonly child: ChildProcess,
    timeLimitSec: number,
  ) {
    const collect = (d: Buffer): void => {
      if (this.output.length < LOG_CAP) this.output += d.toString('utf8');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exited = true;
        this.exitCode = code;
        this.failWaiters(new Error(`baresip ${opts.user} exited (code ${code})`));
        resolve();
      });
    });
    this.hardKill = setTimeout(() => this.kill(), (timeLimitSec + 3) * 1000);
    this.hardKill.unref();
  }

  /** The AOR this instance registers / calls from. */
  get aor(): string {
    return `sip:${this.opts.user}@${this.opts.domain ?? '127.0.0.1'}`;
  }

  /** What baresip printed so far, without colour codes. */
  log(): string {
    return stripAnsi(this.output);
  }

  /** Every "Set audio encoder: ..." (or decoder) line so far, e.g. "G722 16000Hz 1ch". */
  audioCodecs(kind: 'encoder' | 'decoder' = 'encoder'): string[] {
    const marker = `Set audio ${kind}: `;
    const out: string[] = [];
    for (const line of this.log().split('\n')) {
      const at = line.indexOf(marker);
      if (at >= 0) out.push(line.slice(at + marker.length).trim());
    }
    return out;
  }

  /** Received-audio recordings (dump-*-dec.wav), oldest first. */
  receivedRecordings(): string[] {
    return this.recordings('-dec.wav');
  }

  /** Sent-audio recordings (dump-*-enc.wav), oldest first. */
  sentRecordings(): string[] {
    return this.recordings('-enc.wav');
  }

  private recordings(suffix: string): string[] {
    let names: string[];
    try {
      names = readdirSync(this.recDir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.startsWith('dump-') && n.endsWith(suffix))
      .map((n) => join(this.recDir, n))
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  }

  static async start(opts: BaresipOptions): Promise<Baresip> {
    let lastError: Error | undefined;
    // A port found free can be taken before baresip binds it: retry with fresh ports (bounded).
    for (let attempt = 0; attempt < 3; attempt++) {
      const sipPort = await freePort({ span: 2 });
      const ctrlPort = await freePort();
      const ua = Baresip.spawn(opts, sipPort, ctrlPort);
      try {
        await ua.connectControl(8000);
        return ua;
      } catch (err) {
        lastError = new Error(`baresip ${opts.user} did not start: ${(err as Error).message}\n${ua.log().slice(-2000)}`);
        await ua.close();
      }
    }
    throw lastError ?? new Error('baresip did not start');
  }

  private static spawn(opts: BaresipOptions, sipPort: number, ctrlPort: number): Baresip {
    const dir = mkdtempSync(join(tmpdir(), `strowger-baresip-${opts.user}-`));
    const recDir = join(dir, 'rec');
    mkdirSync(recDir);
    const limit = Math.max(5, Math.round(opts.timeLimitSec ?? 30));
    writeFileSync(join(dir, 'config'), baresipConfig(opts, sipPort, ctrlPort, recDir));
    writeFileSync(join(dir, 'accounts'), `${accountLine(opts)}\n`);
    writeFileSync(join(dir, 'contacts'), '');
    // timeout(1) guards against this test process dying without killing baresip; its own
    // process group lets stop() kill both at once.
    const child = spawn('timeout', ['-s', 'KILL', String(limit + 2), 'baresip', '-f', dir, '-t', String(limit), ...(opts.sipTrace ? ['-s'] : [])], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return new Baresip(opts, dir, recDir, sipPort, ctrlPort, child, limit);
  }

  private async connectControl(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`exited with code ${this.exitCode}`);
      const sock = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(this.ctrlPort, '127.0.0.1');
        s.once('connect', () => resolve(s));
        s.once('error', () => {
          s.destroy();
          resolve(undefined);
        });
      });
      if (sock) {
        this.socket = sock;
        sock.on('data', (d: Buffer) => this.onData(d));
        sock.on('error', () => undefined);
        sock.on('close', () => {
          this.socket = undefined;
        });
        return;
      }
      await sleep(50);
    }
    throw new Error(`no ctrl_tcp on 127.0.0.1:${this.ctrlPort} within ${timeoutMs} ms`);
  }

  private onData(d: Buffer): void {
    this.rx = this.rx.length ? Buffer.concat([this.rx, d]) : d;
    let parsed: { messages: string[]; rest: Buffer };
    try {
      parsed = parseNetstrings(this.rx);
    } catch (err) {
      this.failWaiters(err as Error);
      this.socket?.destroy();
      return;
    }
    this.rx = Buffer.from(parsed.rest);
    for (const m of parsed.messages) {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(m) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.response === true) {
        const token = typeof msg.token === 'string' ? msg.token : '';
        const done = this.pending.get(token);
        this.pending.delete(token);
        done?.({ ok: msg.ok === true, data: typeof msg.data === 'string' ? msg.data : '' });
      } else if (msg.event === true) {
        const e = msg as unknown as BaresipEvent;
        this.events.push(e);
        for (const w of [...this.waiters]) {
          if (w.match(e)) {
            clearTimeout(w.timer);
            this.waiters = this.waiters.filter((x) => x !== w);
            w.resolve(e);
          }
        }
      }
    }
  }

  private failWaiters(err: Error): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.waiters = [];
    for (const done of this.pending.values()) done({ ok: false, data: err.message });
    this.pending.clear();
  }

  /** Send a ctrl_tcp command (a menu command name such as dial, hangup, reginfo, quit). */
  command(command: string, params = '', timeoutMs = 5000): Promise<BaresipResponse> {
    const sock = this.socket;
    if (!sock || this.exited) return Promise.reject(new Error(`baresip ${this.opts.user} is not running`));
    const token = `t${++this.tokenSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip ${this.opts.user}: no response to ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(token, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      sock.write(netstring(JSON.stringify({ command, params, token })));
    });
  }

  /**
   * The first event (already received, unless `onlyNew`) of this type that matches `filter` (or of
   * one of `orTypes`), or a rejection after timeoutMs or when the process exits.
   */
  waitEvent(
    type: string,
    timeoutMs: number,
    filter: (e: BaresipEvent) => boolean = () => true,
    onlyNew = false,
    /** Also settle (resolve) on the first event of one of these types, e.g. CALL_CLOSED while waiting for CALL_ESTABLISHED. */
    orTypes: string[] = [],
  ): Promise<BaresipEvent> {
    const match = (e: BaresipEvent): boolean => (e.type === type && filter(e)) || orTypes.includes(e.type);
    if (!onlyNew) {
      const seen = this.events.find(match);
      if (seen) return Promise.resolve(seen);
    }
    if (this.exited) return Promise.reject(new Error(`baresip ${this.opts.user} has exited`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        const seen = this.events.map((e) => e.type).join(', ');
        reject(new Error(`baresip ${this.opts.user}: no ${type} within ${timeoutMs} ms (events: ${seen || 'none'})`));
      }, timeoutMs);
      this.waiters.push({ match, resolve, reject, timer });
    });
  }

  /**
   * Wait until the account is registered: a REGISTER_OK event, or (if it came before ctrl_tcp
   * was connected) reginfo reporting the account OK. Rejects on REGISTER_FAIL or timeout.
   */
  async waitRegistered(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const failed = this.events.find((e) => e.type === 'REGISTER_FAIL');
    if (failed) throw new Error(`baresip ${this.opts.user}: REGISTER_FAIL ${failed.param ?? ''}`);
    if (this.events.some((e) => e.type === 'REGISTER_OK')) return;
    while (Date.now() < deadline) {
      const info = await this.command('reginfo');
      if (isRegisteredInfo(info.data)) return;
      const fail = this.events.find((e) => e.type === 'REGISTER_FAIL');
      if (fail) throw new Error(`baresip ${this.opts.user}: REGISTER_FAIL ${fail.param ?? ''}`);
      if (this.events.some((e) => e.type === 'REGISTER_OK')) return;
      await sleep(100);
    }
    throw new Error(`baresip ${this.opts.user}: not registered within ${timeoutMs} ms\n${this.log().slice(-1500)}`);
  }

  /** Dial a SIP URI; resolves when baresip accepted the command (not when answered). */
  async dial(uri: string): Promise<void> {
    const r = await this.command('dial', uri);
    if (!r.ok) throw new Error(`baresip ${this.opts.user}: dial ${uri} refused: ${r.data}`);
  }

  async hangup(): Promise<void> {
    await this.command('hangup');
  }

  /** Quit (ctrl_tcp quit), then SIGKILL the process group if it has not exited within 3 s. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return this.exitPromise;
    this.stopped = true;
    if (!this.exited && this.socket) {
      try {
        this.socket.write(netstring(JSON.stringify({ command: 'quit', params: '', token: 'quit' })));
      } catch {
        // fall through to kill
      }
      await Promise.race([this.exitPromise, sleep(3000)]);
    }
    if (!this.exited) this.kill();
    await Promise.race([this.exitPromise, sleep(2000)]);
    clearTimeout(this.hardKill);
    this.socket?.destroy();
  }

  /** stop() and delete the temporary folder (recordings included). Idempotent. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** reginfo lists each account with its state; an account line containing " OK" (after colour codes are removed) is registered. */
export function isRegisteredInfo(data: string): boolean {
  return stripAnsi(data)
    .split('\n')
    .some((line) => line.includes('sip:') && /\bOK\b/.test(line));
}

export function accountLine(o: BaresipOptions): string {
  const params = [
    `regint=${o.regint ?? 0}`,
    `answermode=${o.autoAnswer === false ? 'manual' : 'auto'}`,
    `audio_codecs=${o.codecs.join(',')}`,
  ];
  if (o.password !== undefined) params.push(`auth_pass=${o.password}`, `auth_user=${o.user}`);
  params.push(...(o.extraAccountParams ?? []));
  return `<sip:${o.user}@${o.domain ?? '127.0.0.1'}>;${params.join(';')}`;
}

export function baresipConfig(o: BaresipOptions, sipPort: number, ctrlPort: number, recDir: string): string {
  const lines = [
    'poll_method epoll',
    `sip_listen 127.0.0.1:${sipPort}`,
    'net_interface 127.0.0.1',
    'call_local_timeout 20',
    'call_max_calls 4',
    `audio_source aufile,${o.sourceWav}`,
    // No player: incoming RTP is still decoded (and recorded by sndfile).
    'audio_player none',
    'audio_alert none',
    `ausrc_srate ${o.srate}`,
    `auplay_srate ${o.srate}`,
    'ausrc_channels 1',
    'auplay_channels 1',
    'audio_buffer 20-160',
    'jitter_buffer_delay 1-10',
    'rtcp_mux no',
    `module_path ${BARESIP_MODULE_DIR}`,
    'module g711.so',
    'module g722.so',
    'module opus.so',
    'module aufile.so',
    ...(o.record === false ? [] : ['module sndfile.so', `snd_path ${recDir}`]),
    'module_tmp uuid.so',
    'module_tmp account.so',
    'module_app menu.so',
    'module_app ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
    'statmode_default off',
    'opus_bitrate 32000',
    ...(o.extraConfig ?? []),
  ];
  return `${lines.join('\n')}\n`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
