/**
 * Network lists (FreeSWITCH ACLs): the built-in `*.auto` lists, `autoload_configs/acl.conf.xml`,
 * and the references profiles make to them (`apply-inbound-acl=domains`, `127.0.0.0/8,10.0.0.0/8`).
 *
 * Evaluation follows switch_network_list_validate_ip_token(): the most specific matching node
 * (longest prefix) decides; among equally specific nodes the first wins; no match -> the list's
 * default. (FreeSWITCH never lets a /0 node match; here a /0 node matches like any other.)
 */
import { cidrContains, normalizeIp, parseCidr, parseIp, type Cidr } from './net';
import { attr, childrenNamed, type ConfigProblems } from './problems';
import type { ConfigNode } from './types';

export interface AclNode {
  allow: boolean;
  cidr: Cidr;
  /** `user@domain` for nodes built from directory users' `cidr` attribute (list "domains"). */
  token?: string;
}

export interface AclList {
  name: string;
  defaultAllow: boolean;
  nodes: AclNode[];
}

export type AclRegistry = Map<string, AclList>;

export interface AclVerdict {
  allowed: boolean;
  token?: string;
}

export function checkAcl(list: AclList, ip: string): AclVerdict {
  const addr = parseIp(ip);
  if (!addr) return { allowed: false };
  const n = normalizeIp(addr);
  let best: AclNode | undefined;
  for (const node of list.nodes) {
    if (cidrContains(node.cidr, n) && (!best || node.cidr.bits > best.cidr.bits)) best = node;
  }
  if (!best) return { allowed: list.defaultAllow };
  return best.token === undefined ? { allowed: best.allow } : { allowed: best.allow, token: best.token };
}

function cidrOrThrow(text: string): Cidr {
  const c = parseCidr(text);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

function fixedList(name: string, defaultAllow: boolean, nodes: Array<[string, boolean]>): AclList {
  return { name, defaultAllow, nodes: nodes.map(([c, allow]) => ({ allow, cidr: cidrOrThrow(c) })) };
}

const RFC1918: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** The lists FreeSWITCH creates at startup (switch_load_network_lists). `localSubnet` = local_ip_v4's CIDR. */
export function builtinAcls(localSubnet: string): AclRegistry {
  const reg: AclRegistry = new Map();
  const add = (l: AclList): void => void reg.set(l.name, l);
  add(fixedList('rfc1918.auto', false, RFC1918.map((c) => [c, true])));
  add(fixedList('wan.auto', true, RFC1918.map((c) => [c, false])));
  add(fixedList('nat.auto', false, [[localSubnet, false], ...RFC1918.map((c): [string, boolean] => [c, true])]));
  add(fixedList('loopback.auto', false, [['127.0.0.0/8', true], ['::1/128', true]]));
  add(fixedList('localnet.auto', false, [[localSubnet, true]]));
  return reg;
}

/** Users with a `cidr` attribute in a directory domain, as (cidr text, user@domain) pairs. */
export function directoryCidrs(domains: readonly ConfigNode[], domainName: string): Array<{ cidr: string; token: string; node: ConfigNode }> {
  const out: Array<{ cidr: string; token: string; node: ConfigNode }> = [];
  for (const d of domains) {
    if ((attr(d, 'name') ?? '').toLowerCase() !== domainName.toLowerCase()) continue;
    const visitUsers = (users: ConfigNode): void => {
      for (const u of childrenNamed(users, 'user')) {
        const id = attr(u, 'id');
        const cidr = attr(u, 'cidr');
        if (!id || !cidr || attr(u, 'type') === 'pointer') continue;
        for (const c of cidr.split(',')) if (c.trim()) out.push({ cidr: c.trim(), token: `${id}@${domainName}`, node: u });
      }
    };
    for (const users of childrenNamed(d, 'users')) visitUsers(users);
    for (const groups of childrenNamed(d, 'groups')) {
      for (const g of childrenNamed(groups, 'group')) for (const users of childrenNamed(g, 'users')) visitUsers(users);
    }
  }
  return out;
}

function parseAllow(value: string | undefined, fallback: boolean): boolean | undefined {
  if (value === undefined) return fallback;
  const v = value.trim().toLowerCase();
  if (v === 'allow' || v === 'true' || v === 'yes') return true;
  if (v === 'deny' || v === 'false' || v === 'no') return false;
  return undefined;
}

/**
 * Adds the lists of `<configuration name="acl.conf"><network-lists>` to `reg`. A node is
 * `type="allow|deny"` with `cidr="..."` (comma list allowed), `host=` + `mask=`, or
 * `domain="D"` (every directory user of D that has a `cidr`, tagged with the token user@D).
 */
export function loadAclConf(conf: ConfigNode | undefined, directory: readonly ConfigNode[], reg: AclRegistry, problems: ConfigProblems): void {
  if (!conf) return;
  for (const lists of conf.children) {
    if (lists.name !== 'network-lists') {
      problems.error(lists, `unexpected <${lists.name}> in acl.conf (expected <network-lists>)`);
      continue;
    }
    for (const l of lists.children) {
      if (l.name !== 'list') {
        problems.error(l, `unexpected <${l.name}> in <network-lists> (expected <list>)`);
        continue;
      }
      const name = attr(l, 'name')?.trim();
      if (!name) {
        problems.error(l, '<list> without a name');
        continue;
      }
      const defaultAllow = parseAllow(attr(l, 'default'), true);
      if (defaultAllow === undefined) {
        problems.error(l, `list "${name}": default="${attr(l, 'default')}" must be allow or deny`);
        continue;
      }
      if (reg.has(name)) problems.warn(l, `list "${name}" redefines an existing list`);
      const list: AclList = { name, defaultAllow, nodes: [] };
      for (const n of l.children) addNode(list, n, directory, problems);
      reg.set(name, list);
    }
  }
}

function addNode(list: AclList, n: ConfigNode, directory: readonly ConfigNode[], problems: ConfigProblems): void {
  if (n.name !== 'node') {
    problems.error(n, `unexpected <${n.name}> in list "${list.name}" (expected <node>)`);
    return;
  }
  const allow = parseAllow(attr(n, 'type'), list.defaultAllow);
  if (allow === undefined) {
    problems.error(n, `list "${list.name}": node type="${attr(n, 'type')}" must be allow or deny`);
    return;
  }
  const domain = attr(n, 'domain');
  const cidr = attr(n, 'cidr');
  const host = attr(n, 'host');
  const maskText = attr(n, 'mask');
  if (domain !== undefined) {
    for (const u of directoryCidrs(directory, domain)) {
      const c = parseCidr(u.cidr);
      if (typeof c === 'string') problems.error(u.node, `user cidr: ${c}`);
      else list.nodes.push({ allow, cidr: c, token: u.token });
    }
  } else if (cidr !== undefined) {
    for (const part of cidr.split(',')) {
      if (!part.trim()) continue;
      const c = parseCidr(part);
      if (typeof c === 'string') problems.error(n, `list "${list.name}": ${c}`);
      else list.nodes.push({ allow, cidr: c });
    }
  } else if (host !== undefined && maskText !== undefined) {
    const bits = maskToBits(maskText);
    const c = bits === undefined ? `mask "${maskText}" is not a contiguous netmask` : parseCidr(`${host}/${bits}`);
    if (typeof c === 'string') problems.error(n, `list "${list.name}": ${c}`);
    else list.nodes.push({ allow, cidr: c });
  } else {
    problems.error(n, `list "${list.name}": <node> needs cidr=, host= and mask=, or domain=`);
  }
}

/** 255.255.255.0 -> 24; undefined when not a contiguous IPv4 mask. */
export function maskToBits(maskText: string): number | undefined {
  const ip = parseIp(maskText);
  if (!ip || ip.family !== 4) return undefined;
  let bits = 0;
  let seenZero = false;
  for (let i = 31; i >= 0; i--) {
    const one = ((ip.value >> BigInt(i)) & 1n) === 1n;
    if (one && seenZero) return undefined;
    if (one) bits++;
    else seenZero = true;
  }
  return bits;
}

/**
 * One entry of an ACL param: a list name, or literal CIDR block(s). For apply-inbound-acl a list
 * name may carry contexts: `name:pass_context:fail_context` (freeswitch-behaviour.md §1.2).
 */
export interface AclRef {
  text: string;
  list?: string;
  cidrs?: Cidr[];
  passContext?: string;
  failContext?: string;
}

/**
 * Parses an ACL param value (comma list). Names must exist in `reg` (built-ins, acl.conf) or the
 * item must be a CIDR/IP. Throws Error(message) on the first bad item.
 */
export function parseAclRefs(value: string, reg: AclRegistry, withContexts: boolean): AclRef[] {
  const refs: AclRef[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    if (item.includes('/') || parseIp(item)) {
      const c = parseCidr(item);
      if (typeof c === 'string') throw new Error(c);
      refs.push({ text: item, cidrs: [c] });
      continue;
    }
    const parts = withContexts ? item.split(':') : [item];
    const name = parts[0]!.trim();
    if (!reg.has(name)) {
      const known = [...reg.keys()].join(', ');
      throw new Error(`unknown ACL "${name}" (not a CIDR, and not a list in acl.conf; known: ${known})`);
    }
    const ref: AclRef = { text: item, list: name };
    if (parts[1]?.trim()) ref.passContext = parts[1].trim();
    if (parts[2]?.trim()) ref.failContext = parts[2].trim();
    refs.push(ref);
  }
  return refs;
}

/**
 * Checks an address against ACL refs as a profile does: allowed if any ref allows it. Returns the
 * deciding ref (for pass/fail contexts and the user@domain token).
 */
export function checkAclRefs(refs: readonly AclRef[], reg: AclRegistry, ip: string): AclVerdict & { ref?: AclRef } {
  let last: AclRef | undefined;
  for (const ref of refs) {
    last = ref;
    if (ref.cidrs) {
      const addr = parseIp(ip);
      if (addr && ref.cidrs.some((c) => cidrContains(c, addr))) return { allowed: true, ref };
      continue;
    }
    const list = ref.list ? reg.get(ref.list) : undefined;
    if (!list) continue;
    const v = checkAcl(list, ip);
    if (v.allowed) return { ...v, ref };
  }
  return last ? { allowed: false, ref: last } : { allowed: false };
}
