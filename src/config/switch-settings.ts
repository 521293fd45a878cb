/**
 * Core settings (`<configuration name="switch.conf">`) and the event socket
 * (`<configuration name="event_socket.conf">`). Both are `<settings><param .../></settings>`.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { parseAclRefs, type AclRef, type AclRegistry } from './acl';
import { parseIp } from './net';
import { applyParams, bool, custom, int, parsePort, ParamValueError, type ParamSchema } from './param-schema';
import type { ConfigProblems } from './problems';
import type { ConfigNode } from './types';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface SwitchSettings {
  rtpStartPort: number;
  rtpEndPort: number;
  maxSessions: number;
  sessionsPerSecond: number;
  loglevel: LogLevel;
  colorizeConsole: boolean;
  /** Absolute. Registration DBs and other state. Default `<base_dir>/data`. */
  dataDir: string;
  /** Absolute. CDR files. Default `<data-dir>/cdr`. */
  cdrDir: string;
}

export interface EventSocketConfig {
  listenIp: string;
  listenPort: number;
  password: string;
  applyInboundAcl: AclRef[];
}

/** FreeSWITCH level names (and numbers 0-7) mapped to pino's. */
export function parseLogLevel(value: string): LogLevel {
  const v = value.trim().toLowerCase();
  const map: Record<string, LogLevel> = {
    console: 'info', '0': 'fatal', emerg: 'fatal', '1': 'fatal', alert: 'fatal', '2': 'fatal', crit: 'fatal', fatal: 'fatal',
    '3': 'error', err: 'error', error: 'error', '4': 'warn', warning: 'warn', warn: 'warn', '5': 'info', notice: 'info',
    '6': 'info', info: 'info', '7': 'debug', debug: 'debug', trace: 'trace',
  };
  const level = map[v];
  if (!level) throw new ParamValueError(`"${value}" is not a log level (debug, info, notice, warning, err, crit, alert or 0-7)`);
  return level;
}

interface SwitchDraft extends Omit<SwitchSettings, 'dataDir' | 'cdrDir'> {
  dataDir?: string;
  cdrDir?: string;
}

const SWITCH_SCHEMA: ParamSchema<SwitchDraft> = {
  'rtp-start-port': custom((d, v) => (d.rtpStartPort = parsePort(v, false))),
  'rtp-end-port': custom((d, v) => (d.rtpEndPort = parsePort(v, false))),
  'max-sessions': int(1, 1_000_000, (d, v) => (d.maxSessions = v)),
  'sessions-per-second': int(1, 100_000, (d, v) => (d.sessionsPerSecond = v)),
  loglevel: custom((d, v) => (d.loglevel = parseLogLevel(v))),
  'colorize-console': bool((d, v) => (d.colorizeConsole = v)),
  'data-dir': custom((d, v) => {
    if (!v.trim()) throw new ParamValueError('data-dir must not be empty');
    d.dataDir = v.trim();
  }),
  'cdr-dir': custom((d, v) => {
    if (!v.trim()) throw new ParamValueError('cdr-dir must not be empty');
    d.cdrDir = v.trim();
  }),
};

/** Reads switch.conf; relative directories resolve against `baseDir` (the conf folder's parent). */
export function loadSwitchSettings(conf: ConfigNode | undefined, baseDir: string, problems: ConfigProblems): SwitchSettings {
  const d: SwitchDraft = {
    rtpStartPort: 16384,
    rtpEndPort: 32768,
    maxSessions: 1000,
    sessionsPerSecond: 30,
    loglevel: 'info',
    colorizeConsole: true,
  };
  if (conf) {
    for (const c of conf.children) {
      if (c.name === 'settings') applyParams(d, c, SWITCH_SCHEMA, problems, { owner: 'switch.conf' });
      else problems.error(c, `unexpected <${c.name}> in switch.conf (expected <settings>)`);
    }
    if (d.rtpStartPort >= d.rtpEndPort) {
      problems.error(conf, `switch.conf: rtp-start-port (${d.rtpStartPort}) must be below rtp-end-port (${d.rtpEndPort})`);
    } else if (d.rtpEndPort - d.rtpStartPort < 2) {
      problems.error(conf, 'switch.conf: the RTP port range must hold at least one even/odd (RTP/RTCP) pair');
    }
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const dataDir = abs(d.dataDir ?? join(baseDir, 'data'));
  const cdrDir = d.cdrDir ? abs(d.cdrDir) : join(dataDir, 'cdr');
  return { ...d, dataDir, cdrDir };
}

export function loadEventSocket(conf: ConfigNode | undefined, acls: AclRegistry, problems: ConfigProblems): EventSocketConfig {
  const es: EventSocketConfig = { listenIp: '127.0.0.1', listenPort: 8021, password: 'ClueCon', applyInboundAcl: [] };
  if (!conf) return es;
  const schema: ParamSchema<EventSocketConfig> = {
    'listen-ip': custom((e, v) => {
      const t = v.trim();
      const bare = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
      if (!parseIp(bare)) throw new ParamValueError(`"${v}" is not an IP address`);
      e.listenIp = bare;
    }),
    'listen-port': custom((e, v) => (e.listenPort = parsePort(v, true))),
    password: custom((e, v) => {
      if (v === '') throw new ParamValueError('password must not be empty');
      e.password = v;
    }),
    'apply-inbound-acl': custom(
      (e, v) => {
        try {
          e.applyInboundAcl = [...e.applyInboundAcl, ...parseAclRefs(v, acls, false)];
        } catch (err) {
          throw new ParamValueError((err as Error).message);
        }
      },
      { repeatable: true },
    ),
  };
  for (const c of conf.children) {
    if (c.name === 'settings') applyParams(es, c, schema, problems, { owner: 'event_socket.conf' });
    else problems.error(c, `unexpected <${c.name}> in event_socket.conf (expected <settings>)`);
  }
  return es;
}
