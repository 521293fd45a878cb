/**
 * Composition root: load conf/, build the SIP profiles and the rest of the switch, start them.
 * The only file (with cli.ts) allowed to import every layer.
 */
import { loadConfig, checkDefaultPassword, type StrowgerConfig } from './config';
import { Directory } from './directory';
import { ProfileServer } from './endpoints/sofia/profile-server';
import { startRegistrars, type RunningRegistrars } from './endpoints/sofia/registrar-setup';
import { registerDptools } from './apps';
import { Core } from './core';
import { dialplanFromConfig, registerXmlDialplan } from './dialplan';
import { attachCallHandling, type CallHandling } from './endpoints/sofia';
import { configureLogger, isLogLevel, type Logger } from './util/logger';
import type { StartOptions } from './cli';

export interface RunningServer {
  readonly config: StrowgerConfig;
  readonly directory: Directory;
  readonly profiles: ProfileServer[];
  /** One registrar + location store per profile; `.resolver` answers sofia_contact, `.attachCore(core)` wires events and the API. */
  readonly registrars: RunningRegistrars;
  /** The switch core (channels, dialplan, apps) and call handling on every profile (issue 5). */
  readonly calls: RunningCalls;
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
  let calls: RunningCalls | undefined;
  const stopAll = async (): Promise<void> => {
    await calls?.close();
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
    // Core, dialplan, apps, and INVITE handling on every profile (issue 5).
    calls = startCalls({ config, directory, profiles, registrars, logger: rootLog });
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
    calls: calls!,
    log,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      log.info('stopped');
    },
  };
}

// ---------------------------------------------------------------- calls (issue 5)

/**
 * The call side: the core (CDRs to switch.conf cdr-dir, max-sessions), the dptools apps, the
 * XML/JSON dialplan, the registrars' events and sofia_contact API, call handling on every profile.
 */
export interface RunningCalls {
  readonly core: Core;
  readonly handling: CallHandling;
  close(): Promise<void>;
}

export function startCalls(o: {
  config: StrowgerConfig;
  directory: Directory;
  profiles: readonly ProfileServer[];
  registrars: RunningRegistrars;
  logger: Logger;
}): RunningCalls {
  const { config } = o;
  const core = new Core({
    logger: o.logger,
    globals: Object.fromEntries(config.globals),
    ipv4: config.globals.get('local_ip_v4'),
    maxSessions: config.switch.maxSessions,
    cdr: { dir: config.switch.cdrDir },
  });
  registerDptools(core);
  const dialplan = dialplanFromConfig(config);
  for (const w of dialplan.warnings) o.logger.warn({ mod: 'dialplan' }, w);
  registerXmlDialplan(core, dialplan);
  o.registrars.attachCore(core);
  const handling = attachCallHandling({ config, core, directory: o.directory, servers: o.profiles, contacts: o.registrars.resolver, logger: o.logger });
  let closed = false;
  return {
    core,
    handling,
    async close() {
      if (closed) return;
      closed = true;
      handling.close();
      await core.close();
    },
  };
}
