/**
 * Run a robustness runner inside a fresh network namespace that has only loopback
 * (`unshare -n`, testing-with-real-clients.md; issue 2 §4): whatever a fuzzed Via or SDP names,
 * nothing leaves the machine, and fixed ports (5060, 5080, RTP ranges) cannot collide with other
 * tests. The runner is started with --expose-gc so it can read memory after full collections.
 *
 * The parent collects: the ROBUST_SEED line (printed first, so a crash is reproducible), the
 * ROBUST_RESULT json, the last FUZZ_BATCH line, pino JSON lines at error/fatal level, and stderr
 * (where Node prints an uncaught exception or unhandled rejection before exiting).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO } from './wire';

export interface RunnerOutput<T> {
  status: number | null;
  signal: NodeJS.Signals | null;
  seed?: number;
  result?: T;
  /** Last FUZZ_BATCH line seen (the batch in flight when a crash happened). */
  lastBatch?: string;
  /** pino lines at level >= 50 (error, fatal). */
  errorLogs: string[];
  stderr: string;
  /** stdout lines that are neither protocol lines nor JSON logs. */
  otherStdout: string[];
  elapsedMs: number;
}

/** Spawn `runner` (a path relative to this folder) in a loopback-only netns; bounded by timeoutMs. */
export function runInNetns<T>(runner: string, env: Record<string, string>, timeoutMs: number): Promise<RunnerOutput<T>> {
  const script = resolve(__dirname, runner);
  const cmd = `ip link set lo up && exec "${process.execPath}" --expose-gc --import tsx "${script}"`;
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn('unshare', ['-n', 'sh', '-c', cmd], {
      cwd: REPO,
      env: { ...process.env, ...env, STROWGER_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (out.length < 32 << 20) out += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 1 << 20) err += d.toString('utf8');
    });
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(kill);
      const r: RunnerOutput<T> = { status, signal, errorLogs: [], stderr: err, otherStdout: [], elapsedMs: Date.now() - started };
      for (const line of out.split('\n')) {
        if (!line) continue;
        if (line.startsWith('ROBUST_SEED ')) r.seed = Number(line.slice(12));
        else if (line.startsWith('ROBUST_RESULT ')) r.result = JSON.parse(line.slice(14)) as T;
        else if (line.startsWith('FUZZ_BATCH ')) r.lastBatch = line.slice(11);
        else if (line.startsWith('{')) {
          let level = 0;
          try {
            level = (JSON.parse(line) as { level?: number }).level ?? 0;
          } catch {
            r.otherStdout.push(line);
          }
          if (level >= 50) r.errorLogs.push(line.slice(0, 2000));
        } else r.otherStdout.push(line.slice(0, 2000));
      }
      done(r);
    });
  });
}

/** A one-paragraph description of a failed run, with what is needed to replay it. */
export function describeRun(name: string, r: RunnerOutput<unknown>, replayEnv?: string): string {
  return [
    `${name}: exit status ${r.status}${r.signal ? ` (signal ${r.signal})` : ''} after ${r.elapsedMs} ms`,
    r.seed !== undefined ? `seed ${r.seed}${r.lastBatch ? `, last batch ${r.lastBatch}` : ''}` : 'no seed printed',
    replayEnv && r.seed !== undefined ? `replay: ${replayEnv.replace('SEED', String(r.seed))}` : '',
    r.stderr ? `stderr:\n${r.stderr.slice(-3000)}` : '',
    r.otherStdout.length ? `stdout:\n${r.otherStdout.slice(-20).join('\n')}` : '',
    r.errorLogs.length ? `error logs:\n${r.errorLogs.slice(0, 5).join('\n')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
