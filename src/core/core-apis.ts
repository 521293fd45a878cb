/**
 * The core's API commands (FreeSWITCH mod_commands subset), registered into the API registry so
 * the console and the event socket reach them by name. Output shapes: freeswitch-behaviour.md §9.2.
 */
import { parseCause } from './causes';
import type { Core } from './core';
import { buildEventHeaders } from './event-headers';
import { csvTable, formatUptime, jsonTable, showCalls, showChannels } from './show';
import type { ApiDefinition } from './types';
import { FS_COMPAT_VERSION, STROWGER_VERSION } from './version';


/** Split command arguments on spaces, keeping quoted text and {}/[]/<>/() groups together. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let quote = '';
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = '';
      cur += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
      continue;
    }
    if (ch === '{' || ch === '[' || ch === '<' || ch === '(') depth++;
    else if ((ch === '}' || ch === ']' || ch === '>' || ch === ')') && depth > 0) depth--;
    if (ch === ' ' && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

function unquote(s: string): string {
  if (s.length >= 2 && (s[0] === "'" || s[0] === '"') && s[s.length - 1] === s[0]) return s.slice(1, -1);
  return s;
}

/** `uuid:<uuid> rest` prefix used by eval/expand. */
function splitUuidPrefix(core: Core, args: string): { channel?: import('./channel').Channel; rest: string } {
  if (!args.startsWith('uuid:')) return { rest: args };
  const sp = args.indexOf(' ');
  const id = args.slice(5, sp < 0 ? undefined : sp);
  return { channel: core.getChannel(id), rest: sp < 0 ? '' : args.slice(sp + 1) };
}

/** `&app(args)` / `&app` of the originate API. */
export function parseAppSpec(spec: string): { app: string; data: string } | undefined {
  if (!spec.startsWith('&')) return undefined;
  const body = spec.slice(1);
  const p = body.indexOf('(');
  if (p < 0) return { app: body.trim(), data: '' };
  const end = body.lastIndexOf(')');
  return { app: body.slice(0, p).trim(), data: body.slice(p + 1, end > p ? end : undefined) };
}

function usage(def: { syntax: string }): string {
  return `-USAGE: ${def.syntax}\n`;
}

export function coreApis(): ApiDefinition[] {
  const defs: ApiDefinition[] = [];
  const add = (d: ApiDefinition): void => void defs.push(d);

  add({
    name: 'show',
    syntax: 'show channels|calls|api|application|endpoint|dialplan [count] [as json]',
    summary: 'Show various reports',
    handler(args, { core }) {
      const words = args.split(' ').filter(Boolean);
      const what = (words[0] ?? '').toLowerCase();
      const asJson = words.includes('as') && words[words.indexOf('as') + 1] === 'json';
      const count = words[1] === 'count';
      let table: { columns: readonly string[]; rows: Record<string, string>[] };
      switch (what) {
        case 'channels':
          table = showChannels(core);
          break;
        case 'calls':
          table = showCalls(core);
          break;
        case 'api':
          table = { columns: ['name', 'description', 'syntax', 'ikey'], rows: core.apis.list().map((d) => ({ name: d.name, description: d.summary, syntax: d.syntax, ikey: 'mod_core' })) };
          break;
        case 'application':
          table = { columns: ['name', 'description', 'syntax', 'ikey'], rows: core.apps.list().map((d) => ({ name: d.name, description: d.summary, syntax: d.syntax, ikey: 'mod_dptools' })) };
          break;
        case 'endpoint':
          table = { columns: ['type', 'name', 'ikey'], rows: core.endpoints.list().map((d) => ({ type: 'endpoint', name: d.name, ikey: `mod_${d.name}` })) };
          break;
        case 'dialplan':
          table = { columns: ['type', 'name', 'ikey'], rows: core.dialplans.list().map((d) => ({ type: 'dialplan', name: d.name, ikey: 'mod_dialplan' })) };
          break;
        default:
          return usage(this);
      }
      if (count) return `\n${table.rows.length} total.\n`;
      return asJson ? jsonTable(table.columns, table.rows) : csvTable(table.columns, table.rows);
    },
  });

  add({
    name: 'help',
    syntax: 'help',
    summary: 'Show help for all the api commands',
    handler(_args, { core }) {
      return csvTable(
        ['name', 'description', 'syntax', 'ikey'],
        core.apis.list().map((d) => ({ name: d.name, description: d.summary, syntax: d.syntax, ikey: 'mod_core' })),
      );
    },
  });

  add({
    name: 'uuid_kill',
    syntax: '<uuid> [cause]',
    summary: 'Kill channel',
    handler(args, { core }) {
      const [id, causeArg] = args.split(' ').filter(Boolean);
      if (!id) return usage(this);
      const ch = core.getChannel(id);
      if (!ch || !ch.up) return '-ERR No such channel!\n';
      ch.hangup(parseCause(causeArg) ?? 'NORMAL_CLEARING');
      return '+OK\n';
    },
  });

  add({
    name: 'uuid_answer',
    syntax: '<uuid>',
    summary: 'answer',
    async handler(args, { core }) {
      const ch = core.getChannel(args.trim());
      if (!ch || !ch.up) return '-ERR No such channel!\n';
      await ch.answer();
      return '+OK\n';
    },
  });

  add({
    name: 'uuid_getvar',
    syntax: '<uuid> <var>',
    summary: 'Get a variable from a channel',
    handler(args, { core }) {
      const [id, name] = args.split(' ').filter(Boolean);
      if (!id || !name) return usage(this);
      const ch = core.getChannel(id);
      if (!ch) return '-ERR No such channel!\n';
      return ch.getVariable(name) ?? '_undef_';
    },
  });

  add({
    name: 'uuid_setvar',
    syntax: '<uuid> <var> [value]',
    summary: 'Set a variable',
    handler(args, { core }) {
      const parts = args.split(' ');
      const [id, name] = parts;
      if (!id || !name) return usage(this);
      const ch = core.getChannel(id);
      if (!ch) return '-ERR No such channel!\n';
      ch.setVariable(name, parts.slice(2).join(' ') || undefined);
      return '+OK\n';
    },
  });

  add({
    name: 'uuid_exists',
    syntax: '<uuid>',
    summary: 'Check if a uuid exists',
    handler(args, { core }) {
      const ch = core.getChannel(args.trim());
      return ch && ch.up ? 'true' : 'false';
    },
  });

  add({
    name: 'uuid_dump',
    syntax: '<uuid>',
    summary: 'Dump session vars',
    handler(args, { core }) {
      const ch = core.getChannel(args.trim());
      if (!ch) return '-ERR No such channel!\n';
      const h = buildEventHeaders(core.identity, { name: 'CHANNEL_DATA', sequence: 0, now: core.clock.wallNow(), channel: ch });
      return [...h].map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';
    },
  });

  add({
    name: 'uuid_bridge',
    syntax: '<uuid> <other_uuid>',
    summary: 'Bridge two channels',
    handler(args, { core }) {
      const [x, y] = args.split(' ').filter(Boolean);
      if (!x || !y) return usage(this);
      const a = core.getChannel(x);
      const b = core.getChannel(y);
      if (!a || !b || !a.up || !b.up) return '-ERR Invalid uuid\n';
      return core.uuidBridge(a, b) ? `+OK ${b.uuid}\n` : '-ERR Invalid uuid\n';
    },
  });

  add({
    name: 'uuid_transfer',
    syntax: '<uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]',
    summary: 'Transfer a session',
    handler(args, { core }) {
      const w = args.split(' ').filter(Boolean);
      const id = w.shift();
      if (!id) return usage(this);
      let who: 'a' | 'bleg' | 'both' = 'a';
      if (w[0] === '-bleg' || w[0] === '-both') who = w.shift() === '-bleg' ? 'bleg' : 'both';
      const [dest, dialplan, context] = w;
      if (!dest) return usage(this);
      const ch = core.getChannel(id);
      if (!ch || !ch.up) return '-ERR No such channel!\n';
      const peer = ch.bridgedTo ? core.getChannel(ch.bridgedTo) : undefined;
      const targets = who === 'a' ? [ch] : who === 'bleg' ? [peer] : [ch, peer];
      let ok = false;
      for (const t of targets) if (t && core.transfer(t, dest, dialplan, context)) ok = true;
      return ok ? '+OK\n' : '-ERR No such channel!\n';
    },
  });

  add({
    name: 'hupall',
    syntax: '[<cause>] [<var> <value>]',
    summary: 'hupall',
    handler(args, { core }) {
      const [c, name, value] = args.split(' ').filter(Boolean);
      const cause = parseCause(c) ?? 'NORMAL_CLEARING';
      core.hangupAll(cause, name ? (ch) => ch.getVariable(name) === value : undefined);
      return `+OK hangup all channels with cause ${cause}\n`;
    },
  });

  add({
    name: 'originate',
    syntax: '<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]',
    summary: 'Originate a call',
    async handler(args, { core }) {
      const w = splitArgs(args);
      const [url, target, dialplan, context, cidName, cidNum, timeout] = w;
      if (!url || !target) return usage(this);
      const app = parseAppSpec(target);
      const t = timeout ? Number.parseInt(timeout, 10) : undefined;
      const r = await core.originate(url, {
        timeoutSec: t && t > 0 ? t : undefined,
        callerIdName: cidName ? unquote(cidName) : undefined,
        callerIdNumber: cidNum ? unquote(cidNum) : undefined,
      });
      if (!r.ok) return `-ERR ${r.cause}\n`;
      r.earlyLink?.close();
      const b = r.channel;
      if (app) void core.runApplications(b, [app]);
      else {
        b.profile.destination_number = target;
        b.profile.dialplan = dialplan || 'XML';
        b.profile.context = context || 'default';
        void core.startInbound(b);
      }
      return `+OK ${b.uuid}\n`;
    },
  });

  add({
    name: 'global_getvar',
    syntax: '[<var>]',
    summary: 'Get global var',
    handler(args, { core }) {
      const name = args.trim();
      if (name) return core.globals.get(name) ?? '';
      return [...core.globals].map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
    },
  });

  add({
    name: 'global_setvar',
    syntax: '<var>=<value>',
    summary: 'Set global var',
    handler(args, { core }) {
      const eq = args.indexOf('=');
      if (eq <= 0) return usage(this);
      const name = args.slice(0, eq).trim();
      const value = args.slice(eq + 1).trim();
      if (value) core.globals.set(name, value);
      else core.globals.delete(name);
      return '+OK\n';
    },
  });

  add({
    name: 'eval',
    syntax: '[uuid:<uuid> ]<expression>',
    summary: 'eval (noop)',
    handler(args, { core }) {
      const { channel, rest } = splitUuidPrefix(core, args);
      return core.expand(rest, channel);
    },
  });

  add({
    name: 'expand',
    syntax: '[uuid:<uuid> ]<cmd> <args>',
    summary: 'Execute an api with variable expansion',
    async handler(args, { core }) {
      const { channel, rest } = splitUuidPrefix(core, args);
      const line = (await core.expand(rest, channel)).trim();
      const sp = line.indexOf(' ');
      return sp < 0 ? core.executeApi(line, '', channel) : core.executeApi(line.slice(0, sp), line.slice(sp + 1), channel);
    },
  });

  add({
    name: 'uptime',
    syntax: '[us|ms|s|m|h|d|microseconds|milliseconds|seconds|minutes|hours|days]',
    summary: 'Show uptime',
    handler(args, { core }) {
      const ms = core.uptimeMs();
      const unit = args.trim();
      const div: Record<string, number> = { us: 0.001, microseconds: 0.001, ms: 1, milliseconds: 1, s: 1000, seconds: 1000, m: 60000, minutes: 60000, h: 3600000, hours: 3600000, d: 86400000, days: 86400000 };
      return String(Math.floor(ms / (div[unit] ?? 1000)));
    },
  });

  add({
    name: 'version',
    syntax: '[short]',
    summary: 'Version',
    handler(args) {
      if (args.trim() === 'short') return FS_COMPAT_VERSION;
      return `FreeSWITCH Version ${FS_COMPAT_VERSION}-strowger-${STROWGER_VERSION} (Strowger ${STROWGER_VERSION})\n`;
    },
  });

  add({
    name: 'status',
    syntax: '',
    summary: 'status',
    handler(_args, { core }) {
      return [
        `UP ${formatUptime(core.uptimeMs())}`,
        `FreeSWITCH (Version ${FS_COMPAT_VERSION}-strowger-${STROWGER_VERSION}) is ready`,
        `${core.stats.sessionsSinceStartup} session(s) since startup`,
        `${core.sessionCount} session(s) - peak ${core.stats.peakSessions}`,
        `${core.maxSessions} session(s) max`,
        '',
      ].join('\n');
    },
  });

  return defs;
}

export function registerCoreApis(core: Core): void {
  for (const d of coreApis()) core.apis.register(d);
}
