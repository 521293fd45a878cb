/**
 * The user directory (freeswitch-behaviour.md §7): domains, groups and users built from the
 * `<domain>` trees src/config loads. Effective params/variables of a user = the user's own, then
 * those of the group that defines it, then the domain's; the first definition of a name wins.
 * `type="pointer"` entries only list a user defined elsewhere in the domain (group membership).
 */
import { StrowgerError } from '../util/errors';
import { ConfigProblems, attr, parseAclRefs, parseBool, parseCidr, type AclRegistry, type Cidr, type ConfigNode } from '../config';
import { buildDomain, type DomainDraft } from './directory-builder';

export interface DirectoryUser {
  id: string;
  /** The domain's name as written in the directory. */
  domain: string;
  numberAlias?: string;
  /** Effective `password` param, if any. */
  password?: string;
  /** Effective `a1-hash` param (MD5 of user:realm:password, lower-case hex), if any. */
  a1Hash?: string;
  /** Effective params (user, then group, then domain). */
  params: ReadonlyMap<string, string>;
  /** Effective variables (user, then group, then domain). */
  variables: ReadonlyMap<string, string>;
  /** Every group that lists the user (where it is defined, and where a pointer names it). */
  groups: string[];
  /** The group holding the real definition (undefined for users directly under the domain). */
  group?: string;
  /** True only for a pointer that names no real user: it cannot register or authenticate. */
  isPointer: boolean;
  /** From the `cidr` attribute: calls from these networks are this user (apply-inbound-acl=domains). */
  cidrs: Cidr[];
  /** Raw XML attributes (id, number-alias, cidr, cacheable, type, ...). */
  attrs: Readonly<Record<string, string>>;
  /** FreeSWITCH default true: a user with neither password nor a1-hash is accepted unchecked. */
  allowEmptyPassword: boolean;
  source: { file: string; line: number };
}

export interface DirectoryDomain {
  name: string;
  params: ReadonlyMap<string, string>;
  variables: ReadonlyMap<string, string>;
  /** Group name -> ids of its members (real and pointer entries). */
  groups: ReadonlyMap<string, readonly string[]>;
  /** Real users (and orphan pointers) by id. */
  users: ReadonlyMap<string, DirectoryUser>;
  source: { file: string; line: number };
}

export interface DirectoryOptions {
  /** Domain used when a lookup names none (FreeSWITCH: the `domain` global). */
  defaultDomain?: string;
  /** When given, users' `auth-acl` params are checked against it. */
  acls?: AclRegistry;
  /** Collect into this instead of throwing (the caller throws). */
  problems?: ConfigProblems;
}

export type UserDataKind = 'param' | 'var' | 'attr';

function isValidUserId(id: string): boolean {
  if (id.length === 0 || id.length > 128) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c <= 0x20 || c === 0x40 /* @ */ || c === 0x7f || c === 0x22 || c === 0x3c || c === 0x3e) return false;
  }
  return true;
}

function isHex32(s: string): boolean {
  if (s.length !== 32) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

function merged(...levels: ReadonlyMap<string, string>[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const level of levels) for (const [k, v] of level) if (!out.has(k)) out.set(k, v);
  return out;
}

export class Directory {
  private readonly byName = new Map<string, DirectoryDomain>();
  private readonly aliases = new Map<string, Map<string, DirectoryUser>>();
  readonly defaultDomain?: string;
  readonly warnings: string[];

  private constructor(domains: DirectoryDomain[], defaultDomain: string | undefined, warnings: string[]) {
    for (const d of domains) {
      this.byName.set(d.name.toLowerCase(), d);
      const a = new Map<string, DirectoryUser>();
      for (const u of d.users.values()) if (u.numberAlias && !a.has(u.numberAlias)) a.set(u.numberAlias, u);
      this.aliases.set(d.name.toLowerCase(), a);
    }
    this.defaultDomain = defaultDomain ?? domains[0]?.name;
    this.warnings = warnings;
  }

  /** Builds and validates; throws CONFIG_INVALID listing every problem (file:line). */
  static fromConfig(nodes: readonly ConfigNode[], opts: DirectoryOptions = {}): Directory {
    const problems = opts.problems ?? new ConfigProblems();
    const drafts: DomainDraft[] = [];
    const seen = new Map<string, ConfigNode>();
    for (const node of nodes) {
      if (node.name !== 'domain') {
        problems.error(node, `unexpected <${node.name}> in the directory (expected <domain>)`);
        continue;
      }
      const name = attr(node, 'name')?.trim() ?? '';
      if (!name) {
        problems.error(node, '<domain> without a name (is $${domain} defined?)');
        continue;
      }
      const prev = seen.get(name.toLowerCase());
      if (prev) {
        problems.error(node, `domain "${name}" is defined twice (first at line ${prev.line} of ${prev.file})`);
        continue;
      }
      seen.set(name.toLowerCase(), node);
      drafts.push(buildDomain(node, name, problems));
    }
    const domains = drafts.map((d) => Directory.finish(d, problems, opts.acls));
    if (!opts.problems) problems.throwIfErrors();
    return new Directory(domains, opts.defaultDomain, problems.warningTexts());
  }

  private static finish(d: DomainDraft, problems: ConfigProblems, acls?: AclRegistry): DirectoryDomain {
    const users = new Map<string, DirectoryUser>();
    const groupsOf = new Map<string, string[]>();
    for (const [group, ids] of d.groups) for (const id of ids) groupsOf.set(id, [...(groupsOf.get(id) ?? []), group]);
    for (const raw of d.users) {
      const id = raw.id;
      if (!isValidUserId(id)) {
        problems.error(raw.node, `user id "${id}" is invalid (no spaces, quotes, <, > or @)`);
        continue;
      }
      if (raw.pointer) continue;
      const prev = users.get(id);
      if (prev) {
        problems.error(raw.node, `user "${id}@${d.name}" is defined twice (first at line ${prev.source.line} of ${prev.source.file})`);
        continue;
      }
      const groupLevel = raw.group ? d.groupLevels.get(raw.group) : undefined;
      const params = merged(raw.params, groupLevel?.params ?? new Map(), d.params);
      const variables = merged(raw.variables, groupLevel?.variables ?? new Map(), d.variables);
      const cidrs: Cidr[] = [];
      for (const part of (raw.attrs.cidr ?? '').split(',')) {
        if (!part.trim()) continue;
        const c = parseCidr(part);
        if (typeof c === 'string') problems.error(raw.node, `user "${id}": cidr ${c}`);
        else cidrs.push(c);
      }
      const a1 = params.get('a1-hash');
      if (a1 !== undefined && !isHex32(a1)) {
        problems.error(raw.node, `user "${id}": a1-hash must be 32 hex digits (MD5 of "user:realm:password")`);
      }
      let allowEmptyPassword = true;
      const aep = params.get('allow-empty-password');
      if (aep !== undefined) {
        try {
          allowEmptyPassword = parseBool(aep);
        } catch (e) {
          problems.error(raw.node, `user "${id}": allow-empty-password: ${(e as Error).message}`);
        }
      }
      const authAcl = params.get('auth-acl');
      if (authAcl !== undefined && acls) {
        try {
          parseAclRefs(authAcl, acls, false);
        } catch (e) {
          problems.error(raw.node, `user "${id}": auth-acl: ${(e as Error).message}`);
        }
      }
      const password = params.get('password');
      if (password === undefined && a1 === undefined && allowEmptyPassword) {
        problems.warn(raw.node, `user "${id}@${d.name}" has no password or a1-hash and allow-empty-password is not false: it authenticates without any check`);
      }
      users.set(id, {
        id,
        domain: d.name,
        ...(raw.attrs['number-alias'] ? { numberAlias: raw.attrs['number-alias'] } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(a1 !== undefined ? { a1Hash: a1.toLowerCase() } : {}),
        params,
        variables,
        groups: groupsOf.get(id) ?? [],
        ...(raw.group ? { group: raw.group } : {}),
        isPointer: false,
        cidrs,
        attrs: raw.attrs,
        allowEmptyPassword,
        source: { file: raw.node.file, line: raw.node.line },
      });
    }
    // Pointers naming nobody: kept (so lookups can refuse them) but flagged.
    for (const raw of d.users) {
      if (!raw.pointer || users.has(raw.id) || !isValidUserId(raw.id)) continue;
      problems.warn(raw.node, `pointer user "${raw.id}" in group "${raw.group ?? ''}" names no real user of domain "${d.name}"`);
      users.set(raw.id, {
        id: raw.id,
        domain: d.name,
        params: new Map(),
        variables: new Map(),
        groups: groupsOf.get(raw.id) ?? [],
        isPointer: true,
        cidrs: [],
        attrs: raw.attrs,
        allowEmptyPassword: false,
        source: { file: raw.node.file, line: raw.node.line },
      });
    }
    const byAlias = new Map<string, string>();
    for (const u of users.values()) {
      if (!u.numberAlias) continue;
      const clash = users.has(u.numberAlias) ? u.numberAlias : byAlias.get(u.numberAlias);
      if (clash !== undefined) problems.warn(u.source, `number-alias "${u.numberAlias}" of user "${u.id}" is also user/alias "${clash}"; the user id wins`);
      else byAlias.set(u.numberAlias, u.id);
    }
    return { name: d.name, params: d.params, variables: d.variables, groups: d.groups, users, source: { file: d.node.file, line: d.node.line } };
  }

  domains(): DirectoryDomain[] {
    return [...this.byName.values()];
  }

  getDomain(name: string): DirectoryDomain | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /**
   * Finds a user by id (exact, case-sensitive) in a domain (case-insensitive). With matchAlias,
   * a `number-alias` also matches (REGISTER/INVITE auth does this, §7.1). An id always wins
   * over another user's alias.
   */
  lookupUser(id: string, domain?: string, opts: { matchAlias?: boolean } = {}): DirectoryUser | undefined {
    const dname = (domain ?? this.defaultDomain ?? '').toLowerCase();
    const d = this.byName.get(dname);
    if (!d) return undefined;
    const u = d.users.get(id);
    if (u) return u;
    if (opts.matchAlias) return this.aliases.get(dname)?.get(id);
    return undefined;
  }

  /** Real members of a group (pointers resolved), e.g. for group_call. */
  groupMembers(group: string, domain?: string): DirectoryUser[] {
    const d = this.byName.get((domain ?? this.defaultDomain ?? '').toLowerCase());
    const ids = d?.groups.get(group);
    if (!d || !ids) return [];
    return ids.map((id) => d.users.get(id)).filter((u): u is DirectoryUser => u !== undefined && !u.isPointer);
  }

  /**
   * FreeSWITCH's `user_data user@domain param|var|attr name`: an effective param or variable
   * (user, group, domain), or a raw attribute of the user element.
   */
  userData(spec: string, kind: UserDataKind, name: string): string | undefined {
    const at = spec.indexOf('@');
    const id = at >= 0 ? spec.slice(0, at) : spec;
    const domain = at >= 0 ? spec.slice(at + 1) : undefined;
    const u = this.lookupUser(id, domain, { matchAlias: true });
    if (!u) return undefined;
    if (kind === 'param') return u.params.get(name);
    if (kind === 'var') return u.variables.get(name);
    return u.attrs[name];
  }

  /** Throws NOT_FOUND with FreeSWITCH's classic hint when a user is missing. */
  requireUser(id: string, domain: string): DirectoryUser {
    const u = this.lookupUser(id, domain, { matchAlias: true });
    if (u) return u;
    throw new StrowgerError(
      'NOT_FOUND',
      `Can't find user [${id}@${domain}]; you must define a domain called '${domain}' in your directory and add a user with the id="${id}" attribute`,
    );
  }
}
