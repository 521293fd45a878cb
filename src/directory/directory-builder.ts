/**
 * Walks one `<domain>` tree into plain drafts: params/variables per level, groups, and every
 * `<user>` with the group it sits in. Validation that needs the whole domain is in directory.ts.
 */
import { attr, type ConfigNode, type ConfigProblems } from '../config';

export interface LevelData {
  params: Map<string, string>;
  variables: Map<string, string>;
}

export interface UserDraft {
  id: string;
  pointer: boolean;
  group?: string;
  attrs: Record<string, string>;
  params: Map<string, string>;
  variables: Map<string, string>;
  node: ConfigNode;
}

export interface DomainDraft extends LevelData {
  name: string;
  node: ConfigNode;
  groups: Map<string, string[]>;
  groupLevels: Map<string, LevelData>;
  users: UserDraft[];
}

/** `<params>`/`<variables>` children -> map; the first definition of a name wins (§7.1). */
function readPairs(container: ConfigNode, child: string, into: Map<string, string>, problems: ConfigProblems, owner: string): void {
  for (const n of container.children) {
    if (n.name !== child) {
      problems.error(n, `unexpected <${n.name}> in <${container.name}> of ${owner} (expected <${child}>)`);
      continue;
    }
    const name = attr(n, 'name');
    const value = attr(n, 'value');
    if (!name || value === undefined) {
      problems.error(n, `<${child}> of ${owner} needs name= and value=`);
      continue;
    }
    if (into.has(name)) {
      problems.warn(n, `${child} "${name}" of ${owner} is defined again; the first definition wins`);
      continue;
    }
    into.set(name, value);
  }
}

function readLevel(node: ConfigNode, problems: ConfigProblems, owner: string, level: LevelData, extra: readonly string[], onExtra: (c: ConfigNode) => void): void {
  for (const c of node.children) {
    if (c.name === 'params') readPairs(c, 'param', level.params, problems, owner);
    else if (c.name === 'variables') readPairs(c, 'variable', level.variables, problems, owner);
    else if (extra.includes(c.name)) onExtra(c);
    else problems.warn(c, `<${c.name}> in ${owner} is not used by Strowger; ignored`);
  }
}

function readUser(node: ConfigNode, group: string | undefined, problems: ConfigProblems): UserDraft | undefined {
  if (node.name !== 'user') {
    problems.error(node, `unexpected <${node.name}> in <users> (expected <user>)`);
    return undefined;
  }
  const id = attr(node, 'id')?.trim() ?? '';
  if (!id) {
    problems.error(node, '<user> without an id');
    return undefined;
  }
  const type = attr(node, 'type');
  if (type !== undefined && type !== 'pointer') problems.error(node, `user "${id}": type="${type}" (only "pointer" is known)`);
  const u: UserDraft = {
    id,
    pointer: type === 'pointer',
    ...(group !== undefined ? { group } : {}),
    attrs: { ...node.attrs },
    params: new Map(),
    variables: new Map(),
    node,
  };
  // <gateways> in a user are read by the profiles with <domain parse="true"> (src/config).
  readLevel(node, problems, `user "${id}"`, u, ['gateways', 'vcard'], () => undefined);
  return u;
}

export function buildDomain(node: ConfigNode, name: string, problems: ConfigProblems): DomainDraft {
  const d: DomainDraft = { name, node, params: new Map(), variables: new Map(), groups: new Map(), groupLevels: new Map(), users: [] };
  const owner = `domain "${name}"`;
  const readUsers = (users: ConfigNode, group: string | undefined): void => {
    for (const u of users.children) {
      const draft = readUser(u, group, problems);
      if (!draft) continue;
      d.users.push(draft);
      if (group !== undefined) d.groups.get(group)!.push(draft.id);
    }
  };
  readLevel(node, problems, owner, d, ['groups', 'users'], (c) => {
    if (c.name === 'users') {
      readUsers(c, undefined);
      return;
    }
    for (const g of c.children) {
      if (g.name !== 'group') {
        problems.error(g, `unexpected <${g.name}> in <groups> of ${owner} (expected <group>)`);
        continue;
      }
      const gname = attr(g, 'name')?.trim() ?? '';
      if (!gname) {
        problems.error(g, `<group> without a name in ${owner}`);
        continue;
      }
      if (d.groups.has(gname)) problems.warn(g, `group "${gname}" appears twice in ${owner}; members are merged`);
      else d.groups.set(gname, []);
      const level: LevelData = d.groupLevels.get(gname) ?? { params: new Map(), variables: new Map() };
      d.groupLevels.set(gname, level);
      readLevel(g, problems, `group "${gname}"`, level, ['users'], (users) => readUsers(users, gname));
    }
  });
  return d;
}
