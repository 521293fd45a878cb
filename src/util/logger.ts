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

type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * A child logger made on the first line written at an enabled level (or the first child() /
 * bindings() call). pino's child() costs a few µs and an object, more than a SIP message parse;
 * a channel or call leg makes one, and at the usual level (warn) most never write a line.
 */
class LazyChildLogger {
  private made: Logger | undefined;

  constructor(
    private readonly base: Logger,
    private readonly childBindings: Record<string, unknown>,
  ) {}

  private get target(): Logger {
    return (this.made ??= this.base.child(this.childBindings));
  }

  private write(level: LevelName, args: unknown[]): void {
    if (!this.base.isLevelEnabled(level)) return;
    (this.target[level] as (...a: unknown[]) => void)(...args);
  }

  get level(): string {
    return this.made?.level ?? this.base.level;
  }
  isLevelEnabled(level: string): boolean {
    return this.base.isLevelEnabled(level);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  silent(): void {}
  child(bindings: Record<string, unknown>, options?: object): Logger {
    return this.target.child(bindings, options);
  }
  bindings(): Record<string, unknown> {
    return this.target.bindings();
  }
}

/** base.child(bindings), made only when first needed (see LazyChildLogger). */
export function lazyChild(base: Logger, bindings: Record<string, unknown>): Logger {
  return new LazyChildLogger(base, bindings) as unknown as Logger;
}
