/**
 * Every `<param>` a `<profile><settings>` may hold, with its parser. Unknown names are errors
 * (param-schema.ts); a few FreeSWITCH params Strowger does not implement are accepted with a
 * warning so a vanilla FreeSWITCH profile still loads.
 */
import { networkInterfaces } from 'node:os';
import { parseAclRefs, type AclRegistry } from './acl';
import { parseIp } from './net';
import {
  bool,
  custom,
  int,
  oneOf,
  parseBool,
  parseInteger,
  parsePort,
  ParamValueError,
  str,
  type ParamSchema,
  type ParamSpec,
} from './param-schema';
import type { ProfileConfig } from './profile-types';

export type ProfileDraft = Omit<ProfileConfig, 'aliases' | 'domains' | 'gateways' | 'source' | 'registrationDbPath'>;

/** What parsing one profile needs from the outside, and what it reports back besides the draft. */
export interface ProfileParseEnv {
  acls: AclRegistry;
  localIpV4: string;
  localIpV6: string;
  /** Set while parsing: which params were given explicitly. */
  seen: { rtpIp: boolean; mediaTimeout: boolean; mediaHoldTimeout: boolean };
}

export function defaultProfileDraft(name: string, env: ProfileParseEnv): ProfileDraft {
  return {
    name,
    sipIp: env.localIpV4,
    sipPort: 5060,
    rtpIps: [env.localIpV4],
    context: 'default',
    dialplan: 'XML',
    authCalls: false,
    authCallsAclOnly: false,
    acceptBlindReg: false,
    acceptBlindAuth: false,
    challengeRealm: 'auto_to',
    inboundRegForceMatchingUsername: false,
    nonceTtl: 60,
    authAlgorithms: ['MD5'],
    multipleRegistrations: 'none',
    maxRegistrationsPerExtension: 0,
    authAllPackets: false,
    authSubscriptions: true,
    authMessages: true,
    disableRegister: false,
    disableTransfer: false,
    logAuthFailures: false,
    sipForceExpires: 0,
    sipExpiresMin: 0,
    sipExpiresMax: 0,
    sipExpiresMaxDeviation: 0,
    sipExpiresLateMargin: 60,
    registrationThreadFrequency: 30,
    authFailMax: 5,
    authFailWindow: 60,
    authBanTime: 300,
    registrationDb: `sofia_reg_${name}.db`,
    applyRegisterAcl: [],
    applyInboundAcl: [],
    applyProxyAcl: [],
    applyNatAcl: [],
    localNetworkAcl: env.acls.has('localnet.auto') ? [{ text: 'localnet.auto', list: 'localnet.auto' }] : [],
    aggressiveNatDetection: false,
    ndlbForceRport: 'default',
    ndlbReceivedInNatRegContact: false,
    ndlbBrokenAuthHash: false,
    natOptionsPing: false,
    allRegOptionsPing: false,
    unregisterOnOptionsFail: false,
    sipUserPingMax: 3,
    sipUserPingMin: 1,
    pingMeanInterval: 30,
    inboundCodecNegotiation: 'generous',
    inboundLateNegotiation: false,
    inboundBypassMedia: false,
    inboundProxyMedia: false,
    disableTranscoding: false,
    dtmfType: 'rfc2833',
    rfc2833Pt: 101,
    dtmfDuration: 2000,
    suppressCng: false,
    mediaTimeoutMs: 0,
    mediaHoldTimeoutMs: 0,
    sessionTimeout: 0,
    minimumSessionExpires: 120,
    enableTimer: true,
    managePresence: 'false',
    presenceHosts: [],
    callerIdType: 'rpid',
    autoInvite100: true,
    enable100rel: false,
    passCalleeId: true,
    cidIn1xx: true,
    inboundUseCallidAsUuid: false,
    outboundUseUuidAsCallid: false,
    maxRecvRequestsPerSecond: 1000,
    debug: 0,
    sipTrace: false,
  };
}

/**
 * Codec string syntax check (§3.1): `[module.]NAME[@<n>h|k|i|b|c ...][~fmtp]`, comma-separated.
 * Only the syntax is checked here; whether a codec exists is the codec registry's business.
 */
export function checkCodecString(value: string): string | undefined {
  const body = value.startsWith('=') ? value.slice(1) : value;
  for (const raw of body.split(',')) {
    const item = raw.trim();
    if (!item) return `empty entry in codec list "${value}"`;
    const tilde = item.indexOf('~');
    const spec = tilde >= 0 ? item.slice(0, tilde) : item;
    const [name, ...quals] = spec.split('@');
    if (!name) return `codec entry "${item}" has no name`;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 46 || c === 45 || c === 95 || c === 47;
      if (!ok) return `codec name "${name}" has an invalid character`;
    }
    for (const q of quals) {
      const unit = q.slice(-1).toLowerCase();
      const num = q.slice(0, -1);
      if (!'hkibc'.includes(unit) || unit === '' || num === '' || !isDigits(num)) {
        return `codec entry "${item}": qualifier "@${q}" must be a number followed by h, k, i, b or c`;
      }
    }
  }
  return undefined;
}

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

function codecPrefs(set: (d: ProfileDraft, v: string | undefined) => void): ParamSpec<ProfileDraft> {
  return custom((d, v) => {
    const t = v.trim();
    if (t === '') return set(d, undefined);
    const err = checkCodecString(t);
    if (err) throw new ParamValueError(err);
    set(d, t);
  });
}

function interfaceAddress(name: string, family: 'IPv4' | 'IPv6'): string | undefined {
  return networkInterfaces()[name]?.find((i) => i.family === family)?.address;
}

/** sip-ip / rtp-ip value: a literal IP or `interface:NAME`; 0.0.0.0 / :: become the local IP. */
function bindAddress(v: string, env: ProfileParseEnv, warn: (m: string) => void): string {
  const t = v.trim();
  if (t.toLowerCase().startsWith('interface:')) {
    const ifName = t.slice('interface:'.length).split('/')[0]!;
    const addr = interfaceAddress(ifName, 'IPv4') ?? interfaceAddress(ifName, 'IPv6');
    if (!addr) throw new ParamValueError(`network interface "${ifName}" not found or has no address`);
    return addr;
  }
  const ip = parseIp(t);
  if (!ip) throw new ParamValueError(`"${v}" is not an IP address (hostnames are not allowed)`);
  if (t === '0.0.0.0' || t === '::') {
    const local = ip.family === 4 ? env.localIpV4 : env.localIpV6;
    warn(`${t} is not allowed, using ${local} (set it explicitly to silence this)`);
    return local;
  }
  return t.startsWith('[') ? t.slice(1, -1) : t;
}

/** ext-sip-ip / ext-rtp-ip: a literal IP or "auto" (= local_ip_v4). */
function externalAddress(v: string, env: ProfileParseEnv): string | undefined {
  const t = v.trim();
  if (t === '') return undefined;
  if (t.toLowerCase() === 'auto') return env.localIpV4;
  const lower = t.toLowerCase();
  if (lower === 'auto-nat' || lower.startsWith('stun:') || lower.startsWith('host:') || lower.startsWith('autonat:')) {
    throw new ParamValueError(`"${t}" needs STUN/DNS/NAT-PMP, which Strowger does not do; give a literal IP (or "auto")`);
  }
  if (!parseIp(t)) throw new ParamValueError(`"${v}" is not an IP address`);
  return t;
}

function acl(set: (d: ProfileDraft, refs: ProfileDraft['applyInboundAcl']) => void, env: ProfileParseEnv, contexts = false, append = true): ParamSpec<ProfileDraft> {
  return custom(
    (d, v) => {
      try {
        const refs = parseAclRefs(v, env.acls, contexts);
        set(d, refs);
      } catch (e) {
        throw new ParamValueError((e as Error).message);
      }
    },
    { repeatable: append },
  );
}

const IGNORED = [
  'sip-capture', 'watchdog-enabled', 'watchdog-step-timeout', 'watchdog-event-timeout', 'forward-unsolicited-mwi-notify',
  'rtp-timer-name', 'inbound-zrtp-passthru', 'record-path', 'record-template', 'presence-privacy', 'ws-binding',
  'wss-binding', 'tls-only', 'tls-bind-params', 'tls-sip-port', 'tls-passphrase', 'tls-verify-date', 'tls-verify-policy',
  'tls-verify-depth', 'tls-verify-in-subjects', 'tls-version', 'tls-ciphers',
];

export function profileSchema(env: ProfileParseEnv): ParamSchema<ProfileDraft> {
  const secs = (min: number, max: number, set: (d: ProfileDraft, v: number) => void) => int<ProfileDraft>(min, max, set);
  const schema: ParamSchema<ProfileDraft> = {
    'sip-ip': custom((d, v, ctx) => (d.sipIp = bindAddress(v, env, ctx.warn))),
    'sip-port': custom((d, v) => (d.sipPort = parsePort(v, true))),
    'rtp-ip': custom(
      (d, v, ctx) => {
        const ip = bindAddress(v, env, ctx.warn);
        d.rtpIps = env.seen.rtpIp ? [...d.rtpIps, ip] : [ip];
        env.seen.rtpIp = true;
      },
      { repeatable: true },
    ),
    'ext-sip-ip': custom((d, v) => (d.extSipIp = externalAddress(v, env))),
    'ext-rtp-ip': custom((d, v) => (d.extRtpIp = externalAddress(v, env))),
    context: custom((d, v) => {
      if (!v.trim()) throw new ParamValueError('context must not be empty');
      d.context = v.trim();
    }),
    dialplan: custom((d, v) => {
      if (!v.trim()) throw new ParamValueError('dialplan must not be empty');
      d.dialplan = v.trim();
    }),
    'auth-calls': bool((d, v) => (d.authCalls = v)),
    'auth-calls-acl-only': bool((d, v) => (d.authCallsAclOnly = v)),
    'accept-blind-reg': bool((d, v) => (d.acceptBlindReg = v)),
    'accept-blind-auth': bool((d, v) => (d.acceptBlindAuth = v)),
    'challenge-realm': custom((d, v) => {
      if (!v.trim()) throw new ParamValueError('challenge-realm must not be empty (auto_to, auto_from or a realm)');
      d.challengeRealm = v.trim();
    }),
    'force-register-domain': str((d, v) => (d.forceRegisterDomain = v)),
    'force-register-db-domain': str((d, v) => (d.forceRegisterDbDomain = v)),
    'force-subscription-domain': str((d, v) => (d.forceSubscriptionDomain = v)),
    'inbound-reg-force-matching-username': bool((d, v) => (d.inboundRegForceMatchingUsername = v)),
    'nonce-ttl': custom((d, v, ctx) => {
      const n = parseInteger(v, 1, 86400);
      if (n < 60) ctx.warn(`${n} is below the minimum of 60 seconds; using 60`);
      d.nonceTtl = Math.max(60, n);
    }),
    'rfc8760-auth-algorithms': custom((d, v) => {
      const names: Record<string, string> = { md5: 'MD5', 'sha-256': 'SHA-256', sha256: 'SHA-256', 'sha-512-256': 'SHA-512-256' };
      const out: string[] = [];
      for (const raw of v.split(',')) {
        const t = raw.trim().toLowerCase();
        if (!t) continue;
        const name = names[t];
        if (!name) throw new ParamValueError(`unknown digest algorithm "${raw.trim()}" (use md5, sha-256, sha-512-256)`);
        if (!out.includes(name)) out.push(name);
      }
      if (out.length === 0) throw new ParamValueError('rfc8760-auth-algorithms needs at least one algorithm');
      d.authAlgorithms = out;
    }),
    'multiple-registrations': custom((d, v) => {
      const t = v.trim().toLowerCase();
      if (t === 'call-id') d.multipleRegistrations = 'call-id';
      else if (t === 'contact') d.multipleRegistrations = 'contact';
      else d.multipleRegistrations = parseBool(t) ? 'contact' : 'none';
    }),
    'max-registrations-per-extension': int(0, 100000, (d, v) => (d.maxRegistrationsPerExtension = v)),
    'auth-all-packets': bool((d, v) => (d.authAllPackets = v)),
    'auth-subscriptions': bool((d, v) => (d.authSubscriptions = v)),
    'auth-messages': bool((d, v) => (d.authMessages = v)),
    'disable-register': bool((d, v) => (d.disableRegister = v)),
    'disable-transfer': bool((d, v) => (d.disableTransfer = v)),
    'log-auth-failures': bool((d, v) => (d.logAuthFailures = v)),
    'sip-force-expires': secs(0, 86400 * 7, (d, v) => (d.sipForceExpires = v)),
    'sip-force-expires-min': secs(0, 86400 * 7, (d, v) => (d.sipExpiresMin = v)),
    'sip-force-expires-max': secs(0, 86400 * 7, (d, v) => (d.sipExpiresMax = v)),
    'sip-expires-max-deviation': secs(0, 86400, (d, v) => (d.sipExpiresMaxDeviation = v)),
    'sip-expires-late-margin': secs(0, 3600, (d, v) => (d.sipExpiresLateMargin = v)),
    'registration-thread-frequency': secs(1, 3600, (d, v) => (d.registrationThreadFrequency = v)),
    'auth-fail-max': int(0, 1_000_000, (d, v) => (d.authFailMax = v)),
    'auth-fail-window': secs(1, 86400, (d, v) => (d.authFailWindow = v)),
    'auth-ban-time': secs(0, 86400 * 30, (d, v) => (d.authBanTime = v)),
    'registration-db': custom((d, v) => {
      const t = v.trim();
      if (!t) throw new ParamValueError('registration-db must name a file (or ":memory:")');
      d.registrationDb = t;
    }),
    'apply-register-acl': acl((d, r) => (d.applyRegisterAcl = [...d.applyRegisterAcl, ...r]), env),
    'apply-inbound-acl': acl((d, r) => (d.applyInboundAcl = [...d.applyInboundAcl, ...r]), env, true),
    'apply-proxy-acl': acl((d, r) => (d.applyProxyAcl = [...d.applyProxyAcl, ...r]), env),
    'apply-nat-acl': acl((d, r) => (d.applyNatAcl = [...d.applyNatAcl, ...r]), env),
    'local-network-acl': custom((d, v) => {
      if (v.trim().toLowerCase() === 'none') {
        d.localNetworkAcl = [];
        return;
      }
      try {
        d.localNetworkAcl = parseAclRefs(v, env.acls, false);
      } catch (e) {
        throw new ParamValueError((e as Error).message);
      }
    }),
    'aggressive-nat-detection': bool((d, v) => (d.aggressiveNatDetection = v)),
    'ndlb-force-rport': custom((d, v) => {
      const t = v.trim().toLowerCase();
      if (t === 'safe' || t === 'disabled' || t === 'client-only' || t === 'server-only') d.ndlbForceRport = t;
      else d.ndlbForceRport = parseBool(t) ? 'true' : 'disabled';
    }),
    'ndlb-received-in-nat-reg-contact': bool((d, v) => (d.ndlbReceivedInNatRegContact = v)),
    'ndlb-broken-auth-hash': bool((d, v) => (d.ndlbBrokenAuthHash = v)),
    'nat-options-ping': bool((d, v) => (d.natOptionsPing = v)),
    'all-reg-options-ping': bool((d, v) => (d.allRegOptionsPing = v)),
    'unregister-on-options-fail': bool((d, v) => (d.unregisterOnOptionsFail = v)),
    'sip-user-ping-max': int(1, 1000, (d, v) => (d.sipUserPingMax = v)),
    'sip-user-ping-min': int(1, 1000, (d, v) => (d.sipUserPingMin = v)),
    'ping-mean-interval': secs(1, 3600, (d, v) => (d.pingMeanInterval = v)),
    'inbound-codec-prefs': codecPrefs((d, v) => (d.inboundCodecPrefs = v)),
    'outbound-codec-prefs': codecPrefs((d, v) => (d.outboundCodecPrefs = v)),
    'codec-prefs': codecPrefs((d, v) => {
      d.inboundCodecPrefs = v;
      d.outboundCodecPrefs = v;
    }),
    'inbound-codec-negotiation': oneOf(['generous', 'greedy', 'scrooge'] as const, (d, v) => (d.inboundCodecNegotiation = v)),
    'inbound-late-negotiation': bool((d, v) => (d.inboundLateNegotiation = v)),
    'inbound-bypass-media': bool((d, v) => (d.inboundBypassMedia = v)),
    'inbound-no-media': bool((d, v) => (d.inboundBypassMedia = v)),
    'inbound-proxy-media': bool((d, v) => (d.inboundProxyMedia = v)),
    'disable-transcoding': bool((d, v) => (d.disableTranscoding = v)),
    'dtmf-type': oneOf(['rfc2833', 'info', 'none'] as const, (d, v) => (d.dtmfType = v)),
    'rfc2833-pt': int(96, 127, (d, v) => (d.rfc2833Pt = v)),
    'dtmf-duration': int(400, 192000, (d, v) => (d.dtmfDuration = v)),
    'suppress-cng': bool((d, v) => (d.suppressCng = v)),
    'hold-music': str((d, v) => (d.holdMusic = v)),
    'media-timeout': int(0, 86_400_000, (d, v) => {
      d.mediaTimeoutMs = v;
      env.seen.mediaTimeout = true;
    }),
    'media-hold-timeout': int(0, 86_400_000, (d, v) => {
      d.mediaHoldTimeoutMs = v;
      env.seen.mediaHoldTimeout = true;
    }),
    'rtp-timeout-sec': {
      ...int<ProfileDraft>(0, 86400, (d, v) => {
        d.mediaTimeoutMs = v * 1000;
        env.seen.mediaTimeout = true;
      }),
      deprecated: 'use media-timeout (milliseconds) instead',
    },
    'rtp-hold-timeout-sec': {
      ...int<ProfileDraft>(0, 86400, (d, v) => {
        d.mediaHoldTimeoutMs = v * 1000;
        env.seen.mediaHoldTimeout = true;
      }),
      deprecated: 'use media-hold-timeout (milliseconds) instead',
    },
    'user-agent-string': str((d, v) => (d.userAgentString = v)),
    'session-timeout': custom((d, v) => {
      const n = parseInteger(v, 0, 86400);
      // RFC 4028 §4: Session-Expires must not be below Min-SE, whose floor is 90 s.
      if (n > 0 && n < 90) throw new ParamValueError(`${n} is below the RFC 4028 minimum of 90 seconds (0 = off)`);
      d.sessionTimeout = n;
    }),
    'minimum-session-expires': int(90, 86400, (d, v) => (d.minimumSessionExpires = v)),
    'enable-timer': bool((d, v) => (d.enableTimer = v)),
    'manage-presence': custom((d, v) => {
      const t = v.trim().toLowerCase();
      if (t === 'passive' || t === 'pnp') d.managePresence = t;
      else d.managePresence = parseBool(t) ? 'true' : 'false';
    }),
    'presence-hosts': custom((d, v) => {
      d.presenceHosts = v.split(',').map((h) => h.trim()).filter((h) => h !== '');
    }),
    'caller-id-type': oneOf(['rpid', 'pid', 'none'] as const, (d, v) => (d.callerIdType = v)),
    'auto-invite-100': bool((d, v) => (d.autoInvite100 = v)),
    'enable-100rel': bool((d, v) => (d.enable100rel = v)),
    'pass-callee-id': bool((d, v) => (d.passCalleeId = v)),
    'cid-in-1xx': bool((d, v) => (d.cidIn1xx = v)),
    'inbound-use-callid-as-uuid': bool((d, v) => (d.inboundUseCallidAsUuid = v)),
    'outbound-use-uuid-as-callid': bool((d, v) => (d.outboundUseUuidAsCallid = v)),
    'max-recv-requests-per-second': int(0, 1_000_000, (d, v) => (d.maxRecvRequestsPerSecond = v)),
    debug: int(0, 9, (d, v) => (d.debug = v)),
    'sip-trace': bool((d, v) => (d.sipTrace = v)),
    tls: custom((_d, v) => {
      if (parseBool(v)) throw new ParamValueError('TLS is not supported by Strowger yet; set it to false');
    }),
  };
  // Aliases FreeSWITCH users may know under the names used in issue 4.
  schema['sip-expires-min'] = schema['sip-force-expires-min']!;
  schema['sip-expires-max'] = schema['sip-force-expires-max']!;
  for (const name of IGNORED) {
    schema[name] = custom((_d, _v, ctx) => ctx.warn('recognised FreeSWITCH param, not implemented by Strowger: ignored'));
  }
  return schema;
}
