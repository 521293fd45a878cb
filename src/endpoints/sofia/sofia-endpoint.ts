/**
 * The dial-string endpoints the sofia module registers in the core (freeswitch-behaviour.md §6.2):
 *
 *   sofia/<profile>/<dest>   a SIP leg on that profile (name or alias); unknown -> INVALID_PROFILE;
 *                            sofia/gateway/... -> INVALID_GATEWAY (no gateways yet)
 *   user/<id>[@<domain>]     the directory user's `dial-string` (vanilla: every registered contact
 *                            through ${sofia_contact(...)}), with dialed_user/dialed_domain set;
 *                            unknown user -> SUBSCRIBER_ABSENT; no dial-string ->
 *                            MANDATORY_IE_MISSING; nobody registered -> error/user_not_registered
 *                            -> USER_NOT_REGISTERED (480 to the caller)
 */
import type { Core, Endpoint, OriginateOutcome, OriginateRequest } from '../../core';
import type { Directory } from '../../directory';
import type { SofiaProfile } from './sofia-profile';

export class SofiaEndpoint implements Endpoint {
  readonly name = 'sofia';
  readonly summary = 'SIP legs on a sofia profile: sofia/<profile>/<sip-uri|user@host|user>';
  private readonly byName = new Map<string, SofiaProfile>();
  private readonly all: SofiaProfile[] = [];

  /** Add a profile under its name and its aliases (first registration of a name wins). */
  add(p: SofiaProfile): void {
    this.all.push(p);
    for (const n of [p.name, ...p.config.aliases]) {
      const k = n.toLowerCase();
      if (!this.byName.has(k)) this.byName.set(k, p);
    }
  }

  get(name: string): SofiaProfile | undefined {
    return this.byName.get(name.toLowerCase());
  }

  profiles(): readonly SofiaProfile[] {
    return this.all;
  }

  /** True when ip:port is one of our profiles' listeners (§1.5 step 3: looped calls). */
  isOwnAddress(ip: string, port: number): boolean {
    for (const p of this.all) {
      const a = p.server.addresses;
      if ((a.udp && a.udp.address === ip && a.udp.port === port) || (a.tcp && a.tcp.address === ip && a.tcp.port === port)) return true;
    }
    return false;
  }

  async originate(req: OriginateRequest): Promise<OriginateOutcome> {
    const data = req.data;
    const slash = data.indexOf('/');
    if (slash <= 0) return { cause: 'INVALID_URL' };
    const name = data.slice(0, slash);
    if (name.toLowerCase() === 'gateway') return { cause: 'INVALID_GATEWAY' };
    const p = this.get(name);
    if (!p) return { cause: 'INVALID_PROFILE' };
    return p.originate(req, data.slice(slash + 1));
  }

  /** Stop taking new calls on every profile. */
  close(): void {
    for (const p of this.all) p.close();
  }
}

/** Literal `${name}` replacement (dialed_user / dialed_domain), before the core expands the rest. */
function substitute(template: string, vars: Record<string, string>): string {
  let out = template;
  for (const [k, v] of Object.entries(vars)) out = out.split('${' + k + '}').join(v);
  return out;
}

export function userEndpoint(o: { directory: Directory; core: Core; defaultDomain?: string }): Endpoint {
  return {
    name: 'user',
    summary: 'a directory user: user/<id>[@<domain>] rings every registered contact',
    async originate(req: OriginateRequest): Promise<OriginateOutcome> {
      const data = req.data.trim();
      const at = data.lastIndexOf('@');
      const id = at >= 0 ? data.slice(0, at) : data;
      const domain = (at >= 0 ? data.slice(at + 1) : '') || o.defaultDomain || o.core.globals.get('domain') || '';
      if (!id || id.length > 128 || domain.length > 256) return { cause: 'INVALID_URL' };
      const user = o.directory.lookupUser(id, domain, { matchAlias: true });
      if (!user || user.isPointer) return { cause: 'SUBSCRIBER_ABSENT' };
      const template = user.params.get('dial-string');
      if (!template) return { cause: 'MANDATORY_IE_MISSING' };
      const dialString = (await o.core.expand(substitute(template, { dialed_user: user.id, dialed_domain: domain }), req.originator)).trim();
      if (!dialString || dialString.includes(`user/${user.id}@`)) {
        // Empty, or a dial string that names the user itself (loop protection, §6.2).
        return { cause: dialString ? 'EXCHANGE_ROUTING_ERROR' : 'USER_NOT_REGISTERED' };
      }
      return { dialString };
    },
  };
}
