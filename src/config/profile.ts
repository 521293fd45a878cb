/**
 * `<profile name="...">` -> ProfileConfig: settings, aliases, domains and gateways (§1, §2), plus
 * the checks that span profiles: unique names, unique sip-ip:sip-port, gateways unique across all
 * profiles, alias clashes.
 */
import { isAbsolute, join } from 'node:path';
import type { AclRegistry } from './acl';
import { isValidGatewayName, loadGateway, type GatewayConfig } from './gateway';
import { applyParams, parseBool, ParamValueError } from './param-schema';
import { attr, childrenNamed, type ConfigProblems } from './problems';
import { defaultProfileDraft, profileSchema, type ProfileParseEnv } from './profile-schema';
import type { ProfileConfig, ProfileDomain } from './profile-types';
import type { ConfigNode } from './types';

export interface ProfileLoadEnv {
  acls: AclRegistry;
  localIpV4: string;
  localIpV6: string;
  /** switch.conf data-dir (absolute): where relative registration-db names go. */
  dataDir: string;
  /** `<domain>` nodes of the directory (for `<domains>` aliases and parse="true" gateways). */
  directory: readonly ConfigNode[];
}

function domainNames(directory: readonly ConfigNode[]): string[] {
  return directory.map((d) => attr(d, 'name') ?? '').filter((n) => n !== '');
}

function boolAttr(node: ConfigNode, name: string, dflt: boolean, problems: ConfigProblems): boolean {
  const v = attr(node, name);
  if (v === undefined) return dflt;
  try {
    return parseBool(v);
  } catch (e) {
    problems.error(node, `${name}=: ${(e as ParamValueError).message}`);
    return dflt;
  }
}

/** Gateways declared inside directory users (`<user><gateways>`) of the given domains. */
function directoryGateways(directory: readonly ConfigNode[], domains: Set<string> | 'all'): ConfigNode[] {
  const out: ConfigNode[] = [];
  const fromUsers = (users: ConfigNode): void => {
    for (const u of childrenNamed(users, 'user')) {
      for (const gws of childrenNamed(u, 'gateways')) out.push(...childrenNamed(gws, 'gateway'));
    }
  };
  for (const d of directory) {
    const name = (attr(d, 'name') ?? '').toLowerCase();
    if (domains !== 'all' && !domains.has(name)) continue;
    for (const users of childrenNamed(d, 'users')) fromUsers(users);
    for (const groups of childrenNamed(d, 'groups')) {
      for (const g of childrenNamed(groups, 'group')) for (const users of childrenNamed(g, 'users')) fromUsers(users);
    }
  }
  return out;
}

export function loadProfile(node: ConfigNode, env: ProfileLoadEnv, problems: ConfigProblems): ProfileConfig | undefined {
  const name = attr(node, 'name')?.trim() ?? '';
  if (!isValidGatewayName(name)) {
    problems.error(node, `profile name "${name}" is invalid (letters, digits, "_", "." and "-" only)`);
    return undefined;
  }
  const owner = `profile "${name}"`;
  const parseEnv: ProfileParseEnv = {
    acls: env.acls,
    localIpV4: env.localIpV4,
    localIpV6: env.localIpV6,
    seen: { rtpIp: false, mediaTimeout: false, mediaHoldTimeout: false },
  };
  const draft = defaultProfileDraft(name, parseEnv);
  const schema = profileSchema(parseEnv);
  const aliases: string[] = [];
  const domains: ProfileDomain[] = [];
  const gatewayNodes: ConfigNode[] = [];

  for (const c of node.children) {
    switch (c.name) {
      case 'settings':
        applyParams(draft, c, schema, problems, { owner });
        break;
      case 'aliases':
        for (const a of c.children) {
          const n = a.name === 'alias' ? attr(a, 'name')?.trim() : undefined;
          if (a.name !== 'alias') problems.error(a, `unexpected <${a.name}> in <aliases> of ${owner}`);
          else if (!n) problems.error(a, `<alias> without a name in ${owner}`);
          else aliases.push(n);
        }
        break;
      case 'domains':
        for (const d of c.children) {
          const n = d.name === 'domain' ? attr(d, 'name')?.trim() : undefined;
          if (d.name !== 'domain') problems.error(d, `unexpected <${d.name}> in <domains> of ${owner}`);
          else if (!n) problems.error(d, `<domain> without a name in ${owner}`);
          else domains.push({ name: n, alias: boolAttr(d, 'alias', false, problems), parse: boolAttr(d, 'parse', false, problems) });
        }
        break;
      case 'gateways':
        for (const g of c.children) {
          if (g.name === 'gateway') gatewayNodes.push(g);
          else problems.error(g, `unexpected <${g.name}> in <gateways> of ${owner}`);
        }
        break;
      default:
        problems.error(c, `unexpected <${c.name}> in ${owner} (expected settings, aliases, domains or gateways)`);
    }
  }

  // FreeSWITCH: if only the normal RTP timeout is set, the hold timeout is 10 x it.
  if (parseEnv.seen.mediaTimeout && !parseEnv.seen.mediaHoldTimeout) draft.mediaHoldTimeoutMs = draft.mediaTimeoutMs * 10;
  if (draft.sipUserPingMin > draft.sipUserPingMax) {
    problems.error(node, `${owner}: sip-user-ping-min (${draft.sipUserPingMin}) is greater than sip-user-ping-max (${draft.sipUserPingMax})`);
  }
  if (draft.sipExpiresMin > 0 && draft.sipExpiresMax > 0 && draft.sipExpiresMin > draft.sipExpiresMax) {
    problems.error(node, `${owner}: sip-force-expires-min (${draft.sipExpiresMin}) is greater than sip-force-expires-max (${draft.sipExpiresMax})`);
  }
  if (draft.inboundBypassMedia && draft.inboundProxyMedia) {
    problems.error(node, `${owner}: inbound-bypass-media and inbound-proxy-media are mutually exclusive`);
  }

  // <domains>: alias="true" aliases each directory domain to this profile; parse="true" pulls
  // gateways declared inside directory users (§1.6).
  const known = domainNames(env.directory);
  const knownLower = new Set(known.map((k) => k.toLowerCase()));
  const parseDomains = new Set<string>();
  let parseAll = false;
  for (const d of domains) {
    const isAll = d.name.toLowerCase() === 'all';
    if (!isAll && !knownLower.has(d.name.toLowerCase())) {
      problems.warn(node, `${owner}: <domain name="${d.name}"> is not a domain of the directory`);
    }
    if (d.alias) aliases.push(...(isAll ? known : [d.name]));
    if (d.parse) {
      if (isAll) parseAll = true;
      else parseDomains.add(d.name.toLowerCase());
    }
  }
  if (parseAll || parseDomains.size > 0) gatewayNodes.push(...directoryGateways(env.directory, parseAll ? 'all' : parseDomains));

  const gateways: GatewayConfig[] = [];
  for (const g of gatewayNodes) {
    const gw = loadGateway(g, name, env.acls, problems);
    if (gw) gateways.push(gw);
  }

  const uniqueAliases = [...new Set(aliases)].filter((a) => a !== name);
  const db = draft.registrationDb;
  const registrationDbPath = db === ':memory:' || isAbsolute(db) ? db : join(env.dataDir, db);
  return { ...draft, source: { file: node.file, line: node.line }, aliases: uniqueAliases, domains, gateways, registrationDbPath };
}

/** Where a profile's sip-port was set, for the duplicate-port message. */
function sipPortNode(node: ConfigNode): ConfigNode {
  for (const s of childrenNamed(node, 'settings')) {
    for (const p of s.children) if ((attr(p, 'name') ?? '').toLowerCase() === 'sip-port') return p;
  }
  return node;
}

export function loadProfiles(nodes: readonly ConfigNode[], env: ProfileLoadEnv, problems: ConfigProblems): ProfileConfig[] {
  const profiles: ProfileConfig[] = [];
  const byName = new Map<string, ProfileConfig>();
  const byBind = new Map<string, ProfileConfig>();
  const gatewayOwner = new Map<string, GatewayConfig>();
  for (const node of nodes) {
    const p = loadProfile(node, env, problems);
    if (!p) continue;
    const prev = byName.get(p.name);
    if (prev) {
      problems.error(node, `profile "${p.name}" is defined twice (first at ${prev.source.file}:${prev.source.line})`);
      continue;
    }
    byName.set(p.name, p);
    if (p.sipPort !== 0) {
      const key = `${p.sipIp}|${p.sipPort}`;
      const clash = byBind.get(key);
      if (clash) {
        problems.error(sipPortNode(node), `profile "${p.name}": sip-port ${p.sipPort} on ${p.sipIp} is already used by profile "${clash.name}"`);
      } else {
        byBind.set(key, p);
      }
    }
    for (const gw of p.gateways) {
      const other = gatewayOwner.get(gw.name);
      if (other) {
        problems.error(gw.source, `gateway "${gw.name}" is defined twice (also in profile "${other.profile}" at line ${other.source.line}); names must be unique across profiles`);
      } else {
        gatewayOwner.set(gw.name, gw);
      }
    }
    profiles.push(p);
  }
  // An alias must not hide another profile's name (sofia/<name>/... must stay unambiguous).
  for (const p of profiles) {
    for (const a of p.aliases) {
      if (byName.has(a) && a !== p.name) problems.warn(p.source, `profile "${p.name}": alias "${a}" is also a profile name; the profile wins`);
    }
  }
  return profiles;
}
