/**
 * FreeSWITCH's vanilla dialplan shouts at every call while `default_password` is still 1234
 * (conf/vanilla/dialplan/default.xml). We shout once at startup instead: main.ts logs this text.
 */
import { attr, childrenNamed } from './problems';
import type { ConfigNode } from './types';

export const VANILLA_DEFAULT_PASSWORD = '1234';

function countUsersWithPassword(domains: readonly ConfigNode[], password: string): number {
  let n = 0;
  const visit = (node: ConfigNode): void => {
    for (const c of node.children) {
      if (c.name === 'user') {
        for (const params of childrenNamed(c, 'params')) {
          for (const p of childrenNamed(params, 'param')) if (attr(p, 'name') === 'password' && attr(p, 'value') === password) n++;
        }
      } else {
        visit(c);
      }
    }
  };
  for (const d of domains) visit(d);
  return n;
}

/** A loud warning while the vanilla password is in use, else undefined. */
export function checkDefaultPassword(config: { globals: ReadonlyMap<string, string>; directory: readonly ConfigNode[]; confDir: string }): string | undefined {
  const global = config.globals.get('default_password');
  const users = countUsersWithPassword(config.directory, VANILLA_DEFAULT_PASSWORD);
  if (global !== VANILLA_DEFAULT_PASSWORD && users === 0) return undefined;
  const bar = 'WARNING '.repeat(9).trim();
  const lines = [
    bar,
    global === VANILLA_DEFAULT_PASSWORD
      ? `default_password is still "${VANILLA_DEFAULT_PASSWORD}" (${users} directory user(s) use it).`
      : `${users} directory user(s) still have the password "${VANILLA_DEFAULT_PASSWORD}".`,
    'Anyone who can reach this server can register as those extensions and call out through your gateways (toll fraud).',
    `Open ${config.confDir}/vars.xml and change default_password (or start with --set default_password=...), then reload.`,
    bar,
  ];
  return lines.join('\n');
}
