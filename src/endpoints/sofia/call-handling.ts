/**
 * Wiring for the composition root: call handling on every running profile server, one RTP port
 * allocator per rtp-ip over the switch's rtp-start-port..rtp-end-port, and the `sofia/` and
 * `user/` endpoints registered in the core.
 *
 *   attachCallHandling({ config, core, directory, servers, contacts })
 *     -> SofiaProfile per server (INVITE/BYE/... handlers, dialogs, media)
 *     -> core.endpoints: sofia, user
 *   .close()  stop taking calls (the core hangs up what is live)
 */
import type { StrowgerConfig } from '../../config';
import type { Core } from '../../core';
import type { Directory } from '../../directory';
import type { Clock } from '../../util/clock';
import { logger as rootLogger, type Logger } from '../../util/logger';
import type { ProfileServer } from './profile-server';
import { SofiaEndpoint, userEndpoint } from './sofia-endpoint';
import { SofiaProfile } from './sofia-profile';
import { PooledPortAllocator } from './port-pool';

/** The registrar side's lookup (sofia-contact.ts SofiaContactResolver satisfies it). */
export interface ContactTargets {
  targets(user: string, domain?: string, profile?: string): Promise<Array<{ dialString: string }>>;
}

export interface AttachCallHandlingOptions {
  config: Pick<StrowgerConfig, 'profiles' | 'switch' | 'acls' | 'globals'>;
  core: Core;
  directory?: Directory;
  servers: readonly ProfileServer[];
  /** Registered contacts (for `sofia/<profile>/<user>`); `user/` goes through ${sofia_contact()}. */
  contacts?: ContactTargets;
  clock?: Clock;
  logger?: Logger;
}

export interface CallHandling {
  readonly endpoint: SofiaEndpoint;
  readonly profiles: readonly SofiaProfile[];
  profile(name: string): SofiaProfile | undefined;
  close(): void;
}

export function attachCallHandling(o: AttachCallHandlingOptions): CallHandling {
  const log = (o.logger ?? rootLogger).child({ mod: 'sofia.calls' });
  const endpoint = new SofiaEndpoint();
  const allocators = new Map<string, PooledPortAllocator>();
  const allocatorFor = (ip: string): PooledPortAllocator => {
    let a = allocators.get(ip);
    if (!a) {
      a = new PooledPortAllocator({ ip, startPort: o.config.switch.rtpStartPort, endPort: o.config.switch.rtpEndPort, clock: o.clock });
      allocators.set(ip, a);
    }
    return a;
  };
  for (const server of o.servers) {
    const cfg = o.config.profiles.find((p) => p.name === server.name);
    if (!cfg) continue;
    const profile = new SofiaProfile({
      server,
      config: cfg,
      core: o.core,
      allocator: allocatorFor(cfg.rtpIps[0] ?? cfg.sipIp),
      directory: o.directory,
      acls: o.config.acls,
      clock: o.clock,
      logger: o.logger,
      globals: o.config.globals,
      isOwnAddress: (ip, port) => endpoint.isOwnAddress(ip, port),
      locate: o.contacts
        ? async (user, domain) => {
            const prefix = `sofia/${cfg.name}/`;
            const ts = await o.contacts!.targets(user, domain, cfg.name);
            return ts.map((t) => (t.dialString.startsWith(prefix) ? t.dialString.slice(prefix.length) : t.dialString));
          }
        : undefined,
    });
    endpoint.add(profile);
    log.info({ profile: cfg.name, rtpIp: cfg.rtpIps[0] ?? cfg.sipIp }, 'call handling attached');
  }
  o.core.endpoints.register(endpoint);
  if (o.directory) o.core.endpoints.register(userEndpoint({ directory: o.directory, core: o.core, defaultDomain: o.config.globals.get('domain') }));
  return {
    endpoint,
    profiles: endpoint.profiles(),
    profile: (name) => endpoint.get(name),
    close: () => {
      endpoint.close();
      for (const a of allocators.values()) a.close();
    },
  };
}
