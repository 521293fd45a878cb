/**
 * Logging through pino: JSON lines by default, human-readable when stdout is a terminal.
 * Modules take a child logger: `logger.child({ mod: 'sip.transport' })`.
 */
import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

const LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function isLogLevel(s: string): s is LevelWithSilent {
  return LEVELS.includes(s);
}

function initialLevel(): LevelWithSilent {
  const env = process.env.STROWGER_LOG_LEVEL;
  if (env && isLogLevel(env)) return env;
  // Tests stay quiet unless asked.
  if (process.env.VITEST) return 'silent';
  return 'info';
}

function build(pretty: boolean): Logger {
  const opts = { level: initialLevel(), base: { pid: process.pid } };
  if (pretty) {
    return pino(
      opts,
      pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }),
    );
  }
  return pino(opts);
}

/** The process-wide root logger. Replaced (not mutated) by configureLogger at startup. */
export let logger: Logger = build(false);

export function configureLogger(opts: { level?: LevelWithSilent; pretty?: boolean }): Logger {
  const pretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  logger = build(pretty);
  if (opts.level) logger.level = opts.level;
  return logger;
}

export function setLogLevel(level: LevelWithSilent): void {
  logger.level = level;
}
