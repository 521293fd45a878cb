/**
 * loadConfig: conf/ folder -> StrowgerConfig. The layout mirrors FreeSWITCH's freeswitch.xml,
 * read in this order so `set` lines affect everything after them:
 *
 *   vars.xml                 globals (X-PRE-PROCESS set)
 *   autoload_configs/*.xml   <configuration name="switch.conf|event_socket.conf|acl.conf|...">
 *   sip_profiles/*.xml       <profile name="...">   (each may include its gateways)
 *   dialplan/*.xml           <context name="...">   (raw trees for src/dialplan)
 *   directory/*.xml          <domain name="...">    (raw trees for src/directory)
 *
 * Every `.xml` may be a `.json` instead (json-mapping.ts). All errors are collected and thrown
 * together as one CONFIG_INVALID; warnings are returned and logged.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StrowgerError } from '../util/errors';
import { logger } from '../util/logger';
import { builtinAcls, loadAclConf, type AclRegistry } from './acl';
import { builtinGlobals, subnetOf, type InterfaceTable } from './globals';
import type { GatewayConfig } from './gateway';
import { resolveInclude } from './include-glob';
import { Preprocessor } from './preprocessor';
import { attr, ConfigProblems, displayPath } from './problems';
import { loadProfiles } from './profile';
import type { ProfileConfig } from './profile-types';
import { loadEventSocket, loadSwitchSettings, type EventSocketConfig, type SwitchSettings } from './switch-settings';
import type { ConfigNode } from './types';

export interface LoadConfigOptions {
  confDir: string;
  /** `--set NAME=VALUE`: wins over built-ins (local_ip_v4, ...) and over `set` lines in the files. */
  overrides?: Readonly<Record<string, string>> | ReadonlyMap<string, string>;
  /** Environment for env-set (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Network interface table (default os.networkInterfaces()); tests inject one. */
  interfaces?: InterfaceTable;
  /** Log warnings through the config logger (default true). */
  logWarnings?: boolean;
}

export interface StrowgerConfig {
  confDir: string;
  /** Final global variables after vars.xml and overrides. */
  globals: Map<string, string>;
  switch: SwitchSettings;
  eventSocket: EventSocketConfig;
  acls: AclRegistry;
  profiles: ProfileConfig[];
  /** `<domain>` trees for src/directory. */
  directory: ConfigNode[];
  /** `<context>` trees for src/dialplan. */
  dialplan: ConfigNode[];
  /** Every `<configuration name="...">` by name (switch.conf, acl.conf, ...), for other modules. */
  configurations: Map<string, ConfigNode>;
  /** "file:line: message" for every warning. */
  warnings: string[];
  /** Every file read, in order. */
  files: string[];
  options: LoadConfigOptions;
}

const log = () => logger.child({ mod: 'config' });

function overrideMap(o: LoadConfigOptions['overrides']): Map<string, string> {
  if (!o) return new Map();
  if (o instanceof Map) return new Map(o);
  return new Map(Object.entries(o as Record<string, string>));
}

/** Top-level nodes of a section, unwrapping FreeSWITCH's `<section>`/`<document>` holders. */
function flatten(nodes: ConfigNode[]): ConfigNode[] {
  const out: ConfigNode[] = [];
  for (const n of nodes) {
    if (n.name === 'section' || n.name === 'document') out.push(...flatten(n.children));
    else out.push(n);
  }
  return out;
}

function readSection(pre: Preprocessor, confDir: string, folder: string, problems: ConfigProblems): ConfigNode[] {
  const r = resolveInclude(confDir, `${folder}/*.xml`);
  for (const a of r.ambiguous) problems.error({ file: a, line: 1 }, `both ${displayPath(a)}.xml and .json exist; keep one`);
  const out: ConfigNode[] = [];
  for (const f of r.files) out.push(...flatten(pre.readFile(f)));
  return out;
}

function pick(nodes: ConfigNode[], expected: string, folder: string, problems: ConfigProblems): ConfigNode[] {
  const out: ConfigNode[] = [];
  for (const n of nodes) {
    if (n.name === expected) out.push(n);
    else if (expected === 'profile' && n.name === 'profiles') out.push(...pick(n.children, expected, folder, problems));
    else problems.error(n, `unexpected <${n.name}> in ${folder}/ (expected <${expected}>)`);
  }
  return out;
}

export function loadConfigSync(options: LoadConfigOptions): StrowgerConfig {
  const confDir = resolve(options.confDir);
  if (!existsSync(confDir) || !statSync(confDir).isDirectory()) {
    throw new StrowgerError('CONFIG_NOT_FOUND', `configuration folder ${confDir} does not exist`);
  }
  const problems = new ConfigProblems();
  const overrides = overrideMap(options.overrides);
  const globals = builtinGlobals(confDir, options.interfaces);
  for (const [k, v] of overrides) globals.set(k, v);
  const pre = new Preprocessor({ globals, overrides: new Set(overrides.keys()), problems, env: options.env });

  for (const vars of ['vars.xml', 'vars.json']) {
    const f = join(confDir, vars);
    if (!existsSync(f)) continue;
    for (const n of pre.readFile(f)) problems.warn(n, `<${n.name}> in ${vars} is ignored (vars.xml holds X-PRE-PROCESS lines only)`);
  }
  const configNodes = pick(readSection(pre, confDir, 'autoload_configs', problems), 'configuration', 'autoload_configs', problems);
  const profileNodes = pick(readSection(pre, confDir, 'sip_profiles', problems), 'profile', 'sip_profiles', problems);
  const dialplan = pick(readSection(pre, confDir, 'dialplan', problems), 'context', 'dialplan', problems);
  const directory = pick(readSection(pre, confDir, 'directory', problems), 'domain', 'directory', problems);

  const configurations = new Map<string, ConfigNode>();
  for (const c of configNodes) {
    const name = attr(c, 'name')?.trim();
    if (!name) {
      problems.error(c, '<configuration> without a name');
      continue;
    }
    const prev = configurations.get(name);
    if (prev) problems.error(c, `configuration "${name}" is defined twice (first at ${displayPath(prev.file)}:${prev.line})`);
    else configurations.set(name, c);
  }

  const localIpV4 = globals.get('local_ip_v4') ?? '127.0.0.1';
  const localIpV6 = globals.get('local_ip_v6') ?? '::1';
  const acls = builtinAcls(subnetOf(localIpV4, options.interfaces));
  loadAclConf(configurations.get('acl.conf'), directory, acls, problems);
  const baseDir = globals.get('base_dir') ?? resolve(confDir, '..');
  const switchSettings = loadSwitchSettings(configurations.get('switch.conf'), baseDir, problems);
  const eventSocket = loadEventSocket(configurations.get('event_socket.conf'), acls, problems);
  const profiles = loadProfiles(profileNodes, { acls, localIpV4, localIpV6, dataDir: switchSettings.dataDir, directory }, problems);

  const warnings = problems.warningTexts();
  if (options.logWarnings !== false) for (const w of warnings) log().warn(w);
  problems.throwIfErrors();
  return {
    confDir,
    globals,
    switch: switchSettings,
    eventSocket,
    acls,
    profiles,
    directory,
    dialplan,
    configurations,
    warnings,
    files: pre.files,
    options,
  };
}

export async function loadConfig(options: LoadConfigOptions): Promise<StrowgerConfig> {
  return loadConfigSync(options);
}

export function findProfile(config: StrowgerConfig, nameOrAlias: string): ProfileConfig | undefined {
  return config.profiles.find((p) => p.name === nameOrAlias) ?? config.profiles.find((p) => p.aliases.includes(nameOrAlias));
}

export function findGateway(config: StrowgerConfig, name: string): GatewayConfig | undefined {
  for (const p of config.profiles) {
    const gw = p.gateways.find((g) => g.name === name);
    if (gw) return gw;
  }
  return undefined;
}

export interface NameDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ReloadResult {
  config: StrowgerConfig;
  profiles: NameDiff;
  gateways: NameDiff;
}

/** JSON without source positions (so moving a line is not a "change"); bigints as strings. */
function fingerprint(v: unknown): string {
  return JSON.stringify(v, (k, val: unknown) => (k === 'source' ? undefined : typeof val === 'bigint' ? val.toString() : val));
}

function diff<T>(before: Map<string, T>, after: Map<string, T>): NameDiff {
  const d: NameDiff = { added: [], removed: [], changed: [] };
  for (const [k, v] of after) {
    const old = before.get(k);
    if (old === undefined) d.added.push(k);
    else if (fingerprint(old) !== fingerprint(v)) d.changed.push(k);
  }
  for (const k of before.keys()) if (!after.has(k)) d.removed.push(k);
  return d;
}

/**
 * `reloadxml`: loads the same folder again with the same options and reports what changed. On
 * error it throws and the caller keeps running on `prev` (FreeSWITCH keeps the old XML too).
 * Applying the changes (rescan semantics, §1.7) is the endpoint's job.
 */
export function reloadConfig(prev: StrowgerConfig): ReloadResult {
  const config = loadConfigSync(prev.options);
  const gwMap = (c: StrowgerConfig) => new Map(c.profiles.flatMap((p) => p.gateways.map((g): [string, GatewayConfig] => [g.name, g])));
  return {
    config,
    profiles: diff(new Map(prev.profiles.map((p) => [p.name, p])), new Map(config.profiles.map((p) => [p.name, p]))),
    gateways: diff(gwMap(prev), gwMap(config)),
  };
}
