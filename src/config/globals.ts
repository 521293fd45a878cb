/**
 * Global ("preprocessor") variables: the built-ins FreeSWITCH sets at core init (local_ip_v4,
 * hostname, directories, ...) and `$${name}` expansion. `${name}` is a run-time channel variable
 * and is left untouched.
 */
import { hostname, networkInterfaces, tmpdir, type NetworkInterfaceInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** First non-internal address of a family, like switch_find_local_ip (loopback as last resort). */
export function guessLocalIp(family: 'IPv4' | 'IPv6', table: InterfaceTable = networkInterfaces()): string {
  let linkLocal: string | undefined;
  for (const name of Object.keys(table).sort()) {
    for (const info of table[name] ?? []) {
      if (info.family !== family || info.internal) continue;
      if (family === 'IPv6' && info.address.toLowerCase().startsWith('fe80')) {
        linkLocal ??= info.address;
        continue;
      }
      return info.address;
    }
  }
  if (linkLocal) return linkLocal;
  return family === 'IPv4' ? '127.0.0.1' : '::1';
}

/** The CIDR of the interface that carries `ip` (e.g. 192.168.1.10/24), or a host route. */
export function subnetOf(ip: string, table: InterfaceTable = networkInterfaces()): string {
  for (const name of Object.keys(table)) {
    for (const info of table[name] ?? []) {
      if (info.address === ip && info.cidr) return info.cidr;
    }
  }
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}

/**
 * Built-in globals. Directory layout (documented in conf/README.md): base_dir is the parent of
 * the conf folder; data (registration DBs, CDRs), logs, recordings and sounds live under it.
 */
export function builtinGlobals(confDir: string, table: InterfaceTable = networkInterfaces()): Map<string, string> {
  const conf = resolve(confDir);
  const base = dirname(conf);
  const g = new Map<string, string>();
  g.set('hostname', hostname());
  g.set('local_ip_v4', guessLocalIp('IPv4', table));
  g.set('local_ip_v6', guessLocalIp('IPv6', table));
  g.set('base_dir', base);
  g.set('conf_dir', conf);
  g.set('data_dir', join(base, 'data'));
  g.set('db_dir', join(base, 'data'));
  g.set('log_dir', join(base, 'log'));
  g.set('recordings_dir', join(base, 'recordings'));
  g.set('sounds_dir', join(base, 'sounds'));
  g.set('sound_prefix', join(base, 'sounds'));
  g.set('storage_dir', join(base, 'storage'));
  g.set('temp_dir', tmpdir());
  return g;
}

export interface ExpandResult {
  text: string;
  /** Names referenced as $${name} that were not defined (expanded to ""). */
  undefinedNames: string[];
  /** True when a "$${" had no closing brace (left as written). */
  unterminated: boolean;
}

/**
 * Expands `$${name}` from `globals`. Undefined names become "" (as FreeSWITCH does) and are
 * reported so the caller can warn with file:line. Single-`$` `${...}` is left for run time.
 */
export function expandGlobals(text: string, globals: ReadonlyMap<string, string>): ExpandResult {
  let start = text.indexOf('$${');
  if (start < 0) return { text, undefinedNames: [], unterminated: false };
  let out = '';
  let pos = 0;
  const undefinedNames: string[] = [];
  let unterminated = false;
  while (start >= 0) {
    const close = text.indexOf('}', start + 3);
    if (close < 0) {
      unterminated = true;
      break;
    }
    const name = text.slice(start + 3, close).trim();
    out += text.slice(pos, start);
    const value = globals.get(name);
    if (value === undefined) undefinedNames.push(name);
    else out += value;
    pos = close + 1;
    start = text.indexOf('$${', pos);
  }
  out += text.slice(pos);
  return { text: out, undefinedNames, unterminated };
}
