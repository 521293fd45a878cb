/**
 * The server as src/main.ts composes it (conf/ -> directory -> one ProfileServer per SIP profile ->
 * registrars), but with SipStack options that startServer() does not expose yet: short timers
 * (T1 = 50 ms, so Timer J = 64·T1 = 3.2 s and a flood's transactions expire within a CI test)
 * and short TCP idle/message timeouts. Used by the flood and TCP-abuse runners; the fuzz runner
 * uses the real startServer().
 */
import { loadConfig, type StrowgerConfig } from '../../../src/config';
import { Directory } from '../../../src/directory';
import { ProfileServer } from '../../../src/endpoints/sofia/profile-server';
import { startRegistrars, type RunningRegistrars } from '../../../src/endpoints/sofia/registrar-setup';
import type { SipStackOptions } from '../../../src/sip/stack';
import { configureLogger } from '../../../src/util/logger';

export interface InProcessServer {
  config: StrowgerConfig;
  profiles: ProfileServer[];
  registrars: RunningRegistrars;
  profile(name: string): ProfileServer;
  stop(): Promise<void>;
}

export async function startInProcess(o: { confDir: string; overrides: Record<string, string>; stack: SipStackOptions; profiles?: string[] }): Promise<InProcessServer> {
  const log = configureLogger({ level: 'error', pretty: false });
  const config = await loadConfig({ confDir: o.confDir, overrides: o.overrides });
  const directory = Directory.fromConfig(config.directory, { defaultDomain: config.globals.get('domain'), acls: config.acls });
  const profiles: ProfileServer[] = [];
  for (const p of config.profiles) {
    if (o.profiles && !o.profiles.includes(p.name)) continue;
    profiles.push(await ProfileServer.start({ name: p.name, ip: p.sipIp, port: p.sipPort, userAgent: p.userAgentString, stack: { logger: log, ...o.stack } }));
  }
  const registrars = startRegistrars({ config, directory, profiles, logger: log });
  let stopped = false;
  return {
    config,
    profiles,
    registrars,
    profile: (name) => {
      const p = profiles.find((x) => x.name === name);
      if (!p) throw new Error(`no profile ${name}`);
      return p;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await registrars.close();
      await Promise.allSettled(profiles.map((p) => p.close()));
    },
  };
}
