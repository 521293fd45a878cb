/**
 * Command line: `strowger start [--conf DIR] [--set NAME=VALUE ...] [--log-level LEVEL]`.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { isLogLevel } from './util/logger';

const USAGE = `Usage: strowger <command> [options]

Commands:
  start                 start the server on a configuration folder

Options for start:
  --conf DIR            configuration folder (default: ./conf)
  --set NAME=VALUE      override a global preprocessor variable $\${NAME} (repeatable)
  --log-level LEVEL     fatal|error|warn|info|debug|trace (default: from config, else info)
  --pretty / --json     force human-readable or JSON logs (default: pretty on a terminal)
  -h, --help            show this help
`;

export interface StartOptions {
  confDir: string;
  overrides: Record<string, string>;
  logLevel?: string;
  pretty?: boolean;
}

export function parseStartArgs(argv: string[]): StartOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      conf: { type: 'string' },
      set: { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      pretty: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  const overrides: Record<string, string> = {};
  for (const kv of values.set ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--set expects NAME=VALUE, got "${kv}"`);
    overrides[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
  }
  const logLevel = values['log-level'];
  if (logLevel !== undefined && !isLogLevel(logLevel)) {
    throw new Error(`--log-level must be one of fatal, error, warn, info, debug, trace (got "${logLevel}")`);
  }
  return {
    confDir: resolve(values.conf ?? 'conf'),
    overrides,
    logLevel,
    pretty: values.pretty ? true : values.json ? false : undefined,
  };
}

export async function runCli(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  if (command !== 'start') {
    process.stderr.write(`strowger: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let opts: StartOptions;
  try {
    opts = parseStartArgs(rest);
  } catch (err) {
    process.stderr.write(`strowger: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { startServer } = await import('./main');
  try {
    const server = await startServer(opts);
    const stop = (signal: string) => {
      server.log.info({ signal }, 'shutting down');
      server
        .stop()
        .then(() => process.exit(0))
        .catch((err: unknown) => {
          server.log.error({ err }, 'error during shutdown');
          process.exit(1);
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    return undefined;
  } catch (err) {
    process.stderr.write(`strowger: failed to start: ${(err as Error).message}\n`);
    return 1;
  }
}
