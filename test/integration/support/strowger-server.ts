/**
 * Run the real Strowger server (`node bin/strowger.js start`) for integration tests: a copy of
 * conf/ in a temporary folder (so its data/, CDRs and registration databases stay there too),
 * optional edits to that copy, `--set` overrides (local_ip_v4=127.0.0.1 and SIP ports from
 * 27000-27999 by default), JSON logs captured and parsed, a hard time limit, and a stop() that
 * always kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The port range the brief reserves for through-server tests. */
export const TEST_PORT_RANGE: [number, number] = [27000, 27999];

export interface StrowgerOptions {
  /** Extra --set NAME=VALUE overrides (after the defaults, so they win). */
  set?: Record<string, string>;
  /**
   * Edits to the conf copy before start: path relative to conf/ -> function of the file's text.
   * Each edit must change the file (a silent no-op would make a test pass for the wrong reason).
   */
  confEdits?: Record<string, (text: string) => string>;
  /** Profiles whose "profile started" line means ready; default internal and external. */
  profiles?: string[];
  /** --log-level; default debug (the tests read the logs). */
  logLevel?: string;
  /** Hard limit for the process in seconds; default 60. */
  timeLimitSec?: number;
  /** How long to wait for the profiles to start; default 15 s. */
  startTimeoutMs?: number;
}

export interface LogLine {
  level?: number;
  msg?: string;
  mod?: string;
  [k: string]: unknown;
}

export class StrowgerProcess {
  readonly logs: LogLine[] = [];
  /** Output that was not a JSON log line (stack traces, tsx errors). */
  rawOutput = '';
  private exited = false;
  private exitCode: number | null = null;
  private readonly exitPromise: Promise<void>;
  private lineBuf = '';
  private stopped = false;
  private readonly hardKill: NodeJS.Timeout;
  private logWaiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];

  private constructor(
    readonly baseDir: string,
    readonly confDir: string,
    readonly internalPort: number,
    readonly externalPort: number,
    private readonly child: ChildProcess,
    timeLimitSec: number,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.onOutput(d));
    child.stderr?.on('data', (d: Buffer) => {
      if (this.rawOutput.length < 1 << 20) this.rawOutput += d.toString('utf8');
    });
    this.exitPromise = new Promise((r) =>
      child.once('exit', (code) => {
        this.exited = true;
        this.exitCode = code;
        r();
      }),
    );
    this.hardKill = setTimeout(() => this.kill(), timeLimitSec * 1000);
    this.hardKill.unref();
  }

  /** The SIP URI host:port of the internal profile (where phones register). */
  get internalHostPort(): string {
    return `127.0.0.1:${this.internalPort}`;
  }

  static async start(opts: StrowgerOptions = {}): Promise<StrowgerProcess> {
    const baseDir = mkdtempSync(join(tmpdir(), 'strowger-server-'));
    const confDir = join(baseDir, 'conf');
    cpSync(join(REPO_ROOT, 'conf'), confDir, { recursive: true });
    for (const [rel, edit] of Object.entries(opts.confEdits ?? {})) {
      const path = join(confDir, rel);
      const before = readFileSync(path, 'utf8');
      const after = edit(before);
      if (after === before) throw new Error(`conf edit of ${rel} changed nothing`);
      writeFileSync(path, after);
    }
    const internalPort = await freePort({ range: TEST_PORT_RANGE });
    const externalPort = await freePort({ range: TEST_PORT_RANGE });
    const set: Record<string, string> = {
      local_ip_v4: '127.0.0.1',
      internal_sip_port: String(internalPort),
      external_sip_port: String(externalPort),
      ...opts.set,
    };
    const timeLimit = opts.timeLimitSec ?? 60;
    const args = [
      join(REPO_ROOT, 'bin/strowger.js'),
      'start',
      '--conf',
      confDir,
      '--json',
      '--log-level',
      opts.logLevel ?? 'debug',
      ...Object.entries(set).flatMap(([k, v]) => ['--set', `${k}=${v}`]),
    ];
    // timeout(1) kills the server even if this test process dies first.
    const child = spawn('timeout', ['-s', 'KILL', String(timeLimit + 2), process.execPath, ...args], {
      cwd: baseDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, NODE_ENV: 'test' },
    });
    const server = new StrowgerProcess(baseDir, confDir, internalPort, externalPort, child, timeLimit);
    const profiles = opts.profiles ?? ['internal', 'external'];
    try {
      const ready = Promise.all(profiles.map((p) => server.waitLog((l) => l.msg === 'profile started' && l.profile === p)));
      const limit = opts.startTimeoutMs ?? 15_000;
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        ready.then(() => 'ready' as const),
        server.exitPromise.then(() => 'exited' as const),
        new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), limit))),
      ]);
      clearTimeout(timer);
      if (outcome === 'exited') throw new Error(`strowger exited with code ${server.exitCode} before its profiles started`);
      if (outcome === 'timeout') throw new Error(`profiles ${profiles.join(', ')} not started within ${limit} ms`);
    } catch (err) {
      const tail = server.rawOutput.slice(-3000);
      await server.close();
      throw new Error(`${(err as Error).message}\n${tail}`);
    }
    return server;
  }

  private onOutput(d: Buffer): void {
    this.lineBuf += d.toString('utf8');
    let nl: number;
    while ((nl = this.lineBuf.indexOf('\n')) >= 0) {
      const line = this.lineBuf.slice(0, nl);
      this.lineBuf = this.lineBuf.slice(nl + 1);
      if (!line.trim()) continue;
      let parsed: LogLine | undefined;
      if (line.startsWith('{')) {
        try {
          parsed = JSON.parse(line) as LogLine;
        } catch {
          parsed = undefined;
        }
      }
      if (!parsed) {
        if (this.rawOutput.length < 1 << 20) this.rawOutput += `${line}\n`;
        continue;
      }
      if (this.logs.length < 200_000) this.logs.push(parsed);
      for (const w of [...this.logWaiters]) {
        if (w.match(parsed)) {
          this.logWaiters = this.logWaiters.filter((x) => x !== w);
          w.resolve(parsed);
        }
      }
    }
  }

  /** The first log line (already seen or to come) that matches. No timeout: race it yourself. */
  waitLog(match: (l: LogLine) => boolean): Promise<LogLine> {
    const seen = this.logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.logWaiters.push({ match, resolve }));
  }

  /** Log lines whose JSON text contains every one of `needles` (a coarse search for reports). */
  findLogs(...needles: string[]): LogLine[] {
    return this.logs.filter((l) => {
      const s = JSON.stringify(l);
      return needles.every((n) => s.includes(n));
    });
  }

  /**
   * CDR records (JSON lines) written so far to the default cdr-dir (<data_dir>/cdr/cdr.jsonl,
   * conf/autoload_configs/switch.conf.xml). Malformed lines are returned as { malformed: line }.
   */
  cdrs(): Record<string, unknown>[] {
    const path = join(this.baseDir, 'data', 'cdr', 'cdr.jsonl');
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return { malformed: l };
        }
      });
  }

  /** Poll (every 50 ms, up to timeoutMs) until at least `count` CDR records exist; returns them. */
  async waitCdrs(count: number, timeoutMs = 3000): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const records = this.cdrs();
      if (records.length >= count || Date.now() >= deadline) return records;
      await sleep(50);
    }
  }

  get running(): boolean {
    return !this.exited;
  }

  /** SIGTERM (graceful stop), then SIGKILL of the process group after 3 s. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return this.exitPromise;
    this.stopped = true;
    if (!this.exited && this.child.pid !== undefined) {
      // timeout(1) forwards SIGTERM to the server.
      try {
        process.kill(this.child.pid, 'SIGTERM');
      } catch {
        // gone
      }
      await Promise.race([this.exitPromise, sleep(3000)]);
    }
    this.kill();
    await Promise.race([this.exitPromise, sleep(2000)]);
    clearTimeout(this.hardKill);
  }

  /** stop() and remove the temporary folder. Idempotent. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.baseDir, { recursive: true, force: true });
  }

  private kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    t.unref?.();
  });
}
