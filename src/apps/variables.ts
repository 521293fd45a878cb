/**
 * Variable dptools (freeswitch-behaviour.md §6.1): set, export, unset, multiset, set_global.
 * All are routing-safe (may run inline while hunting, §5.3). Data arrives already expanded.
 */
import type { AppDefinition, Channel } from '../core';

/** `name=value` or `name,value`; a missing value unsets. */
export function splitAssignment(data: string): { name: string; value: string | undefined } | undefined {
  const t = data.trim();
  let i = t.indexOf('=');
  if (i < 0) i = t.indexOf(',');
  const name = (i < 0 ? t : t.slice(0, i)).trim();
  if (!name) return undefined;
  const value = i < 0 ? undefined : t.slice(i + 1);
  return { name, value: value === '' ? undefined : value };
}

function bad(ch: Channel, app: string, data: string): { response: string } {
  ch.log.warn({ app, data }, 'invalid assignment');
  return { response: '-ERR usage' };
}

export const setApp: AppDefinition = {
  name: 'set',
  syntax: '<varname>=<value>',
  summary: 'Set a channel variable',
  flags: { routingSafe: true, noMedia: true },
  handler(ch, data) {
    const a = splitAssignment(data);
    if (!a) return bad(ch, 'set', data);
    ch.setVariable(a.name, a.value);
    return undefined;
  },
};

export const exportApp: AppDefinition = {
  name: 'export',
  syntax: '[nolocal:]<varname>=<value>',
  summary: 'Set and export a channel variable for the channel calling us',
  flags: { routingSafe: true, noMedia: true },
  handler(ch, data) {
    const a = splitAssignment(data);
    if (!a) return bad(ch, 'export', data);
    ch.exportVariable(a.name, a.value);
    return undefined;
  },
};

export const unsetApp: AppDefinition = {
  name: 'unset',
  syntax: '<varname>',
  summary: 'Unset a channel variable',
  flags: { routingSafe: true, noMedia: true },
  handler(ch, data) {
    const name = data.trim();
    if (name) ch.setVariable(name, undefined);
  },
};

export const multisetApp: AppDefinition = {
  name: 'multiset',
  syntax: '[^^<delim>]<varname>=<value> <var2>=<val2>',
  summary: 'Set many channel variables',
  flags: { routingSafe: true, noMedia: true },
  handler(ch, data) {
    let body = data.trim();
    let delim = ' ';
    if (body.startsWith('^^') && body.length >= 3) {
      delim = body[2]!;
      body = body.slice(3);
    }
    for (const item of body.split(delim)) {
      const a = splitAssignment(item);
      if (a) ch.setVariable(a.name, a.value);
    }
  },
};

export const setGlobalApp: AppDefinition = {
  name: 'set_global',
  syntax: '<varname>=<value>',
  summary: 'Set a global variable',
  flags: { routingSafe: true, noMedia: true },
  handler(ch, data, { core }) {
    const a = splitAssignment(data);
    if (!a) return bad(ch, 'set_global', data);
    if (a.value === undefined) core.globals.delete(a.name);
    else core.globals.set(a.name, a.value);
    return undefined;
  },
};

export const variableApps: AppDefinition[] = [setApp, exportApp, unsetApp, multisetApp, setGlobalApp];
