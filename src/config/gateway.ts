/**
 * Gateways (trunks / outbound registrations), freeswitch-behaviour.md §2.1. Params sit directly
 * in `<gateway name="N">` (FreeSWITCH form) or inside a `<params>` wrapper (JSON form); optional
 * `<variables><variable name value direction="inbound|outbound"/></variables>`.
 */
import { parseAclRefs, type AclRef, type AclRegistry } from './acl';
import {
  applyParams,
  bool,
  custom,
  int,
  oneOf,
  ParamValueError,
  str,
  type ParamSchema,
} from './param-schema';
import { attr, type ConfigProblems } from './problems';
import type { ConfigNode } from './types';

export type GatewayVariableDirection = 'inbound' | 'outbound' | 'both';

export interface GatewayVariable {
  name: string;
  value: string;
  direction: GatewayVariableDirection;
}

export interface GatewayConfig {
  name: string;
  /** Name of the profile that owns the gateway. */
  profile: string;
  source: { file: string; line: number };
  username: string;
  password: string;
  authUsername: string;
  realm: string;
  /** host[:port] where REGISTER/INVITE/OPTIONS go. */
  proxy: string;
  registerProxy: string;
  outboundProxy?: string;
  fromUser: string;
  fromDomain: string;
  register: boolean;
  registerTransport: 'udp' | 'tcp' | 'tls';
  expireSeconds: number;
  retrySeconds: number;
  /** `908-retry-seconds`: wait after a timeout (908) instead of retrySeconds. */
  retrySecondsOnTimeout?: number;
  timeoutSeconds: number;
  callerIdInFrom: boolean;
  /** Destination for inbound calls matched to the gateway (defaults to username). */
  extension: string;
  /** True when `extension` was configured (matters for `;gw=` matching, §2.5). */
  extensionExplicit: boolean;
  extensionInContact: boolean;
  contactParams?: string;
  contactHost?: string;
  /** OPTIONS ping period in seconds; 0 = off. */
  ping: number;
  pingMax: number;
  pingMin: number;
  pingUserAgent?: string;
  contactInPing: boolean;
  pingMonitoring: boolean;
  /** Dialplan context for inbound calls matched to the gateway (default: the profile's). */
  context?: string;
  distinctTo: boolean;
  destinationPrefix: string;
  scheme: string;
  gwAuthAcl: AclRef[];
  variables: GatewayVariable[];
}

/** The raw params, before defaults that depend on each other are derived. */
interface GatewayDraft {
  username?: string;
  password?: string;
  authUsername?: string;
  realm?: string;
  proxy?: string;
  registerProxy?: string;
  outboundProxy?: string;
  fromUser?: string;
  fromDomain?: string;
  register: boolean;
  registerTransport: 'udp' | 'tcp' | 'tls';
  expireSeconds: number;
  retrySeconds: number;
  retrySecondsOnTimeout?: number;
  timeoutSeconds: number;
  callerIdInFrom: boolean;
  extension?: string;
  extensionInContact: boolean;
  contactParams?: string;
  contactHost?: string;
  ping: number;
  pingMax: number;
  pingMin: number;
  pingUserAgent?: string;
  contactInPing: boolean;
  pingMonitoring: boolean;
  context?: string;
  distinctTo: boolean;
  destinationPrefix: string;
  scheme: string;
  gwAuthAcl: AclRef[];
}

/** `^[\w.\-]+$` without a regex. */
export function isValidGatewayName(name: string): boolean {
  if (name.length === 0 || name.length > 128) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 46 /* . */ || c === 45; /* - */
    if (!ok) return false;
  }
  return true;
}

function gatewaySchema(acls: AclRegistry): ParamSchema<GatewayDraft> {
  const seconds = (set: (d: GatewayDraft, v: number) => void) =>
    custom<GatewayDraft>((d, v) => {
      const n = Number(v.trim());
      if (!Number.isInteger(n) || v.trim() === '') throw new ParamValueError(`"${v}" is not a whole number of seconds`);
      if (n < 5) throw new ParamValueError(`${n} is too small (minimum 5 seconds)`);
      if (n > 86400 * 7) throw new ParamValueError(`${n} is too large (maximum 604800 seconds)`);
      set(d, n);
    });
  return {
    username: str((d, v) => (d.username = v)),
    password: str((d, v) => (d.password = v)),
    'auth-username': str((d, v) => (d.authUsername = v)),
    realm: str((d, v) => (d.realm = v)),
    proxy: str((d, v) => (d.proxy = v)),
    'register-proxy': str((d, v) => (d.registerProxy = v)),
    'outbound-proxy': str((d, v) => (d.outboundProxy = v)),
    'from-user': str((d, v) => (d.fromUser = v)),
    'from-domain': str((d, v) => (d.fromDomain = v)),
    register: bool((d, v) => (d.register = v)),
    'register-transport': oneOf(['udp', 'tcp', 'tls'] as const, (d, v) => (d.registerTransport = v)),
    'expire-seconds': seconds((d, v) => (d.expireSeconds = v)),
    'retry-seconds': seconds((d, v) => (d.retrySeconds = v)),
    '908-retry-seconds': seconds((d, v) => (d.retrySecondsOnTimeout = v)),
    'timeout-seconds': seconds((d, v) => (d.timeoutSeconds = v)),
    'caller-id-in-from': bool((d, v) => (d.callerIdInFrom = v)),
    extension: str((d, v) => (d.extension = v)),
    'extension-in-contact': bool((d, v) => (d.extensionInContact = v)),
    'contact-params': str((d, v) => (d.contactParams = v)),
    'contact-host': str((d, v) => (d.contactHost = v)),
    ping: custom((d, v) => {
      const n = Number(v.trim());
      if (!Number.isInteger(n) || v.trim() === '' || n < 0) throw new ParamValueError(`"${v}" is not a whole number of seconds`);
      if (n > 0 && n < 5) throw new ParamValueError(`${n} is too small (0 = off, else at least 5 seconds)`);
      d.ping = n;
    }),
    'ping-max': int(1, 1000, (d, v) => (d.pingMax = v)),
    'ping-min': int(1, 1000, (d, v) => (d.pingMin = v)),
    'ping-user-agent': str((d, v) => (d.pingUserAgent = v)),
    'contact-in-ping': bool((d, v) => (d.contactInPing = v)),
    'ping-monitoring': bool((d, v) => (d.pingMonitoring = v)),
    context: str((d, v) => (d.context = v)),
    'distinct-to': bool((d, v) => (d.distinctTo = v)),
    'destination-prefix': str((d, v) => (d.destinationPrefix = v ?? '')),
    scheme: str((d, v) => (d.scheme = v ?? 'Digest')),
    'gw-auth-acl': custom((d, v) => {
      try {
        d.gwAuthAcl = parseAclRefs(v, acls, false);
      } catch (e) {
        throw new ParamValueError((e as Error).message);
      }
    }),
  };
}

function loadVariables(container: ConfigNode, problems: ConfigProblems, owner: string): GatewayVariable[] {
  const out: GatewayVariable[] = [];
  for (const v of container.children) {
    if (v.name !== 'variable') {
      problems.error(v, `unexpected <${v.name}> in <variables> of ${owner}`);
      continue;
    }
    const name = attr(v, 'name');
    const value = attr(v, 'value');
    if (!name || value === undefined) {
      problems.error(v, `<variable> of ${owner} needs name= and value=`);
      continue;
    }
    const dir = (attr(v, 'direction') ?? 'both').toLowerCase();
    if (dir !== 'inbound' && dir !== 'outbound' && dir !== 'both') {
      problems.error(v, `variable "${name}" of ${owner}: direction="${dir}" must be inbound or outbound`);
      continue;
    }
    out.push({ name, value, direction: dir });
  }
  return out;
}

/** Loads one `<gateway>`; returns undefined (with errors recorded) when it is unusable. */
export function loadGateway(node: ConfigNode, profile: string, acls: AclRegistry, problems: ConfigProblems): GatewayConfig | undefined {
  const name = attr(node, 'name')?.trim() ?? '';
  if (!isValidGatewayName(name)) {
    problems.error(node, `gateway name "${name}" is invalid (letters, digits, "_", "." and "-" only)`);
    return undefined;
  }
  const owner = `gateway "${name}"`;
  const draft: GatewayDraft = {
    register: true,
    registerTransport: 'udp',
    expireSeconds: 3600,
    retrySeconds: 30,
    timeoutSeconds: 60,
    callerIdInFrom: false,
    extensionInContact: false,
    ping: 0,
    pingMax: 1,
    pingMin: 1,
    contactInPing: false,
    pingMonitoring: false,
    distinctTo: false,
    destinationPrefix: '',
    scheme: 'Digest',
    gwAuthAcl: [],
  };
  const before = problems.errors.length;
  const schema = gatewaySchema(acls);
  // Params directly under <gateway>, and/or inside <params> (JSON form).
  const direct: ConfigNode = { ...node, children: node.children.filter((c) => c.name === 'param') };
  applyParams(draft, direct, schema, problems, { owner });
  let variables: GatewayVariable[] = [];
  for (const c of node.children) {
    if (c.name === 'param') continue;
    if (c.name === 'params') applyParams(draft, c, schema, problems, { owner });
    else if (c.name === 'variables') variables = variables.concat(loadVariables(c, problems, owner));
    else problems.error(c, `unexpected <${c.name}> in ${owner} (expected <param>, <params> or <variables>)`);
  }
  if (draft.register && !draft.username) problems.error(node, `${owner}: param "username" is required when register=true`);
  if (draft.register && !draft.password) problems.error(node, `${owner}: param "password" is required when register=true`);
  if (draft.pingMin > draft.pingMax) problems.error(node, `${owner}: ping-min (${draft.pingMin}) is greater than ping-max (${draft.pingMax})`);
  if (problems.errors.length > before) return undefined;

  const username = draft.username ?? 'FreeSWITCH';
  const realm = draft.realm ?? draft.proxy ?? name;
  const proxy = draft.proxy ?? realm;
  return {
    name,
    profile,
    source: { file: node.file, line: node.line },
    username,
    password: draft.password ?? '',
    authUsername: draft.authUsername ?? username,
    realm,
    proxy,
    registerProxy: draft.registerProxy ?? proxy,
    ...(draft.outboundProxy !== undefined ? { outboundProxy: draft.outboundProxy } : {}),
    fromUser: draft.fromUser ?? username,
    fromDomain: draft.fromDomain ?? proxy,
    register: draft.register,
    registerTransport: draft.registerTransport,
    expireSeconds: draft.expireSeconds,
    retrySeconds: draft.retrySeconds,
    ...(draft.retrySecondsOnTimeout !== undefined ? { retrySecondsOnTimeout: draft.retrySecondsOnTimeout } : {}),
    timeoutSeconds: draft.timeoutSeconds,
    callerIdInFrom: draft.callerIdInFrom,
    extension: draft.extension ?? username,
    extensionExplicit: draft.extension !== undefined,
    extensionInContact: draft.extensionInContact,
    ...(draft.contactParams !== undefined ? { contactParams: draft.contactParams } : {}),
    ...(draft.contactHost !== undefined ? { contactHost: draft.contactHost } : {}),
    ping: draft.ping,
    pingMax: draft.pingMax,
    pingMin: draft.pingMin,
    ...(draft.pingUserAgent !== undefined ? { pingUserAgent: draft.pingUserAgent } : {}),
    contactInPing: draft.contactInPing,
    pingMonitoring: draft.pingMonitoring,
    ...(draft.context !== undefined ? { context: draft.context } : {}),
    distinctTo: draft.distinctTo,
    destinationPrefix: draft.destinationPrefix,
    scheme: draft.scheme,
    gwAuthAcl: draft.gwAuthAcl,
    variables,
  };
}
