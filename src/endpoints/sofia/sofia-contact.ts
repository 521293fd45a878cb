/**
 * Where registered users are: `sofia_contact [profile/]user[@domain]` dial strings and the
 * routing targets the call side needs (freeswitch-behaviour.md §1.6, §7.2, §9.2).
 *
 *   sofia_contact 1000@192.0.2.1
 *     -> sofia/internal/sip:1000@192.0.2.7:5062
 *     -> sofia/internal/sip:1000@10.0.0.5:5060;fs_nat=yes;fs_path=%3Csip%3A203.0.113.9%3A31337%3Btransport%3Dudp%3E
 *        (NATed: requests go to the fs_path, where the REGISTER came from)
 *     -> several bindings: comma-joined (ring all); none: error/user_not_registered
 *
 * Profile choice (FS): an explicit `profile/` (name or alias; `*` = every profile), else the
 * profile or alias named like the domain, else every profile.
 */
import type { Core } from '../../core';
import { formatUri, parseUri, getParam } from '../../sip';
import type { Binding } from './location';
import type { Registrar } from './registrar';

export const USER_NOT_REGISTERED = 'error/user_not_registered';

export interface RegistrationTarget {
  profile: string;
  user: string;
  host: string;
  /** The contact URI as registered (goes into the Request-URI). */
  contact: string;
  /** Transport, address and port to send requests to: the NAT route target, else the contact. */
  protocol: 'UDP' | 'TCP';
  address: string;
  port: number;
  /** Our listener that received the REGISTER (send from here). */
  localIp: string;
  localPort: number;
  nat: boolean;
  routeTarget: string | null;
  /** Transport and source of the REGISTER (a TCP binding is reachable over that connection). */
  registeredTransport: string;
  receivedIp: string;
  receivedPort: number;
  expiresAt: number;
  dialString: string;
}

/** `sofia/<profile>/<contact>[;fs_nat=yes;fs_path=<encoded route target>]` for one binding. */
export function sofiaDialString(b: Binding): string {
  if (!b.nat || !b.routeTarget) return `sofia/${b.profile}/${b.contact}`;
  const q = b.contact.indexOf('?');
  const uri = q < 0 ? b.contact : b.contact.slice(0, q);
  const headers = q < 0 ? '' : b.contact.slice(q);
  return `sofia/${b.profile}/${uri};fs_nat=yes;fs_path=${encodeURIComponent(`<${b.routeTarget}>`)}${headers}`;
}

/**
 * Reads back a dial string's target: the URI without fs_* params, and the fs_path route target
 * when present (`undefined` for a string that is not `sofia/<profile>/<uri>`).
 */
export function parseSofiaDialTarget(dial: string): { profile: string; uri: string; fsPath?: string } | undefined {
  if (!dial.startsWith('sofia/')) return undefined;
  const slash = dial.indexOf('/', 6);
  if (slash < 0) return undefined;
  const profile = dial.slice(6, slash);
  const u = parseUri(dial.slice(slash + 1));
  if (!u) return undefined;
  const fsPathRaw = getParam(u.params, 'fs_path');
  u.params = u.params.filter(([n]) => n.toLowerCase() !== 'fs_path' && n.toLowerCase() !== 'fs_nat');
  let fsPath: string | undefined;
  if (typeof fsPathRaw === 'string') {
    let p = fsPathRaw;
    try {
      p = decodeURIComponent(p);
    } catch {
      /* already decoded by the URI parser */
    }
    fsPath = p.startsWith('<') && p.endsWith('>') ? p.slice(1, -1) : p;
  }
  return fsPath === undefined ? { profile, uri: formatUri(u) } : { profile, uri: formatUri(u), fsPath };
}

function transportOf(v: string | null | undefined): 'UDP' | 'TCP' | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.toLowerCase();
  return t === 'udp' ? 'UDP' : t === 'tcp' ? 'TCP' : undefined;
}

/**
 * Where to send requests for a binding. NATed: the route target (the REGISTER's source).
 * Otherwise the contact's host:port, over the contact's transport param, else the transport the
 * REGISTER used (a phone registered over TCP is reached over TCP, RFC 5626 §5 in spirit).
 */
export function registrationTarget(b: Binding): RegistrationTarget {
  let protocol: 'UDP' | 'TCP' = b.transport.toUpperCase() === 'TCP' ? 'TCP' : 'UDP';
  let address = b.receivedIp;
  let port = b.receivedPort;
  const route = b.nat && b.routeTarget ? parseUri(b.routeTarget) : undefined;
  if (route) {
    address = route.host;
    port = route.port ?? port;
    protocol = transportOf(getParam(route.params, 'transport')) ?? protocol;
  } else {
    const u = parseUri(b.contact);
    if (u) {
      address = u.host;
      port = u.port ?? (u.scheme === 'sips' ? 5061 : 5060);
      protocol = transportOf(getParam(u.params, 'transport')) ?? (u.scheme === 'sips' ? 'TCP' : protocol);
    }
  }
  return {
    profile: b.profile,
    user: b.user,
    host: b.host,
    contact: b.contact,
    protocol,
    address,
    port,
    localIp: b.localIp,
    localPort: b.localPort,
    nat: b.nat,
    routeTarget: b.routeTarget,
    registeredTransport: b.transport,
    receivedIp: b.receivedIp,
    receivedPort: b.receivedPort,
    expiresAt: b.expiresAt,
    dialString: sofiaDialString(b),
  };
}

export interface ResolverProfile {
  registrar: Registrar;
  /** Aliases of the profile (explicit ones and directory domains aliased through <domains>). */
  aliases: readonly string[];
}

/** Looks registered users up across the profiles' registrars. */
export class SofiaContactResolver {
  private readonly byName = new Map<string, ResolverProfile>();
  private readonly all: ResolverProfile[];

  constructor(
    profiles: readonly ResolverProfile[],
    private readonly defaultDomain?: string,
  ) {
    this.all = [...profiles];
    for (const p of profiles) {
      const key = p.registrar.profile.toLowerCase();
      if (!this.byName.has(key)) this.byName.set(key, p);
    }
    for (const p of profiles) for (const a of p.aliases) if (!this.byName.has(a.toLowerCase())) this.byName.set(a.toLowerCase(), p);
  }

  /** Parses `[profile/]user[@domain]`. */
  static parseSpec(spec: string): { profile?: string; user: string; domain?: string } | undefined {
    const t = spec.trim();
    if (!t || t.length > 512) return undefined;
    const slash = t.indexOf('/');
    const profile = slash >= 0 ? t.slice(0, slash) : undefined;
    const rest = slash >= 0 ? t.slice(slash + 1) : t;
    const at = rest.lastIndexOf('@');
    const user = at >= 0 ? rest.slice(0, at) : rest;
    const domain = at >= 0 ? rest.slice(at + 1) : undefined;
    if (!user || (profile !== undefined && !profile)) return undefined;
    return { profile, user, domain: domain || undefined };
  }

  private profilesFor(profile: string | undefined, domain: string): ResolverProfile[] {
    if (profile === '*') return this.all;
    if (profile !== undefined) {
      const p = this.byName.get(profile.toLowerCase());
      return p ? [p] : [];
    }
    const byDomain = this.byName.get(domain.toLowerCase());
    return byDomain ? [byDomain] : this.all;
  }

  /** Routing targets of `user@domain` (best first per profile). */
  async targets(user: string, domain?: string, profile?: string): Promise<RegistrationTarget[]> {
    const d = domain ?? this.defaultDomain ?? '';
    const out: RegistrationTarget[] = [];
    for (const p of this.profilesFor(profile, d)) {
      for (const b of await p.registrar.routable(user, d)) out.push(registrationTarget(b));
    }
    return out;
  }

  /** The `sofia_contact` answer: dial string(s), comma-joined, or error/user_not_registered. */
  async resolve(spec: string): Promise<string> {
    const s = SofiaContactResolver.parseSpec(spec);
    if (!s) return USER_NOT_REGISTERED;
    const targets = await this.targets(s.user, s.domain, s.profile);
    return targets.length === 0 ? USER_NOT_REGISTERED : targets.map((t) => t.dialString).join(',');
  }
}

/** Registers `sofia_contact` in the core's API registry (console, ESL, ${sofia_contact(...)}). */
export function registerSofiaContactApi(core: Core, resolver: SofiaContactResolver): void {
  core.apis.register({
    name: 'sofia_contact',
    syntax: '[profile/]user[@domain]',
    summary: 'Dial string(s) of the contacts registered for a user',
    handler: (args) => resolver.resolve(args),
  });
}
