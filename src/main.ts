/**
 * Composition root: load conf/, build the SIP profiles and the rest of the switch, start them.
 * The only file (with cli.ts) allowed to import every layer.
 */
import { loadConfig, checkDefaultPassword, type StrowgerConfig } from './config';
import { Directory } from './directory';
import { ProfileServer } from './endpoints/sofia/profile-server';
import { startRegistrars, type RunningRegistrars } from './endpoints/sofia/registrar-setup';
import { configureLogger, isLogLevel, type Logger } from './util/logger';
import type { StartOptions } from './cli';

export interface RunningServer {
  readonly config: StrowgerConfig;
  readonly directory: Directory;
  readonly profiles: ProfileServer[];
  /** One registrar + location store per profile; `.resolver` answers sofia_contact, `.attachCore(core)` wires events and the API. */
  readonly registrars: RunningRegistrars;
  readonly log: Logger;
  stop(): Promise<void>;
}

export async function startServer(opts: StartOptions): Promise<RunningServer> {
  // Log at the flag's level while loading; switch to the config's level once it is known.
  let log = configureLogger({ level: opts.logLevel && isLogLevel(opts.logLevel) ? opts.logLevel : 'info', pretty: opts.pretty });
  const config = await loadConfig({ confDir: opts.confDir, overrides: opts.overrides });
  if (!opts.logLevel) log.level = config.switch.loglevel;
  const rootLog = log;
  log = log.child({ mod: 'main' });
  log.info({ confDir: config.confDir, files: config.files.length, domain: config.globals.get('domain') }, 'configuration loaded');

  const directory = Directory.fromConfig(config.directory, { defaultDomain: config.globals.get('domain'), acls: config.acls });
  const warning = checkDefaultPassword(config);
  if (warning) log.warn(warning);

  const profiles: ProfileServer[] = [];
  let registrars: RunningRegistrars | undefined;
  const stopAll = async (): Promise<void> => {
    await registrars?.close();
    await Promise.allSettled(profiles.map((p) => p.close()));
  };
  try {
    for (const p of config.profiles) {
      const server = await ProfileServer.start({
        name: p.name,
        ip: p.sipIp,
        port: p.sipPort,
        userAgent: p.userAgentString,
      });
      profiles.push(server);
      log.info({ profile: p.name, url: `sip:mod_sofia@${p.sipIp}:${server.addresses.udp?.port ?? p.sipPort}` }, 'profile started');
    }
    // REGISTER on every profile, bindings in each profile's registration-db (issue 4).
    registrars = startRegistrars({ config, directory, profiles, logger: rootLog });
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopped = false;
  return {
    config,
    directory,
    profiles,
    registrars,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      log.info('stopped');
    },
  };
}
