/**
 * The real server (startServer from src/main.ts, in this process) on loopback with the shipped
 * conf/ (or a test copy), SIP ports from 26000-26999, a temporary data dir; and sipp runs bound to
 * 127.0.0.1 with a hard time limit and a message trace to read back.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RunningServer } from '../../../src/main';
import { freePort } from '../support/ports';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const SCENARIOS = join(HERE, 'scenarios');
export const ROOT = resolve(HERE, '../../..');
export const PORTS: [number, number] = [26000, 26999];

export interface TestServer {
  server: RunningServer;
  dir: string;
  internal: number;
  external: number;
  close(): Promise<void>;
}

/**
 * Start the server on a copy of conf/ (edited by `edits`: path -> text transform) with a temporary
 * data dir. Every edit must change its file.
 */
export async function startTestServer(o: { edits?: Record<string, (t: string) => string>; set?: Record<string, string>; logLevel?: string } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'strowger-calls-'));
  const conf = join(dir, 'conf');
  cpSync(join(ROOT, 'conf'), conf, { recursive: true });
  for (const [rel, edit] of Object.entries(o.edits ?? {})) {
    const p = join(conf, rel);
    const before = existsSync(p) ? readFileSync(p, 'utf8') : '';
    const after = edit(before);
    if (after === before) throw new Error(`edit of ${rel} changed nothing`);
    writeFileSync(p, after);
  }
  const internal = await freePort({ range: PORTS });
  const external = await freePort({ range: PORTS });
  const server = await startServer({
    confDir: conf,
    overrides: {
      local_ip_v4: '127.0.0.1',
      internal_sip_port: String(internal),
      external_sip_port: String(external),
      data_dir: join(dir, 'data'),
      ...o.set,
    },
    logLevel: o.logLevel ?? process.env.STROWGER_TEST_LOG ?? 'error',
    pretty: false,
  });
  return {
    server,
    dir,
    internal,
    external,
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SippRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The -trace_msg file (every message sent and received). */
  messages: string;
}

/**
 * Run sipp with `scenario` (a file in scenarios/) and extra args; bound to 127.0.0.1, killed after
 * `limitMs`. Returns its exit code and message trace.
 */
export function sipp(scenario: string, args: string[], limitMs = 20_000): Promise<SippRun> {
  const cwd = mkdtempSync(join(tmpdir(), 'sipp-calls-'));
  const messageFile = join(cwd, 'messages.log');
  const full = ['-sf', join(SCENARIOS, scenario), '-i', '127.0.0.1', '-nostdin', '-trace_msg', '-message_file', messageFile, ...args];
  return new Promise((done) => {
    const child = spawn('sipp', full, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      if (stdout.length < 200_000) stdout += d.toString();
    });
    child.stderr.on('data', (d) => {
      if (stderr.length < 200_000) stderr += d.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => {
      clearTimeout(killer);
      const messages = existsSync(messageFile) ? readFileSync(messageFile, 'utf8') : '';
      rmSync(cwd, { recursive: true, force: true });
      done({ code, stdout, stderr, messages });
    });
  });
}

/** Values of a header in every message of a trace whose start line begins with `startLine`. */
export function headerIn(messages: string, startLine: string, header: string): string[] {
  const out: string[] = [];
  for (const block of messages.split(/-{20,}[^\n]*\n/)) {
    const lines = block.split(/\r?\n/).filter((l) => l.length > 0);
    const first = lines.findIndex((l) => /^(?:[A-Z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3})/.test(l));
    if (first < 0 || !lines[first]!.startsWith(startLine)) continue;
    const h = lines.slice(first + 1).find((l) => l.toLowerCase().startsWith(header.toLowerCase() + ':'));
    if (h) out.push(h.slice(h.indexOf(':') + 1).trim());
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
