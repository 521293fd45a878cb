/**
 * The registrar's view of a profile: the REGISTER-related params of freeswitch-behaviour.md §1.2
 * (names in the field comments), with FreeSWITCH's code defaults.
 */
import type { AclRef, ProfileConfig } from '../../config';
import { normalizeAlgorithm, type DigestAlgorithm } from '../../sip/auth';
import type { MultipleRegistrations } from './location';

export interface RegistrarSettings {
  /** disable-register: every REGISTER gets 403. */
  disableRegister: boolean;
  /** accept-blind-reg: store any REGISTER without checking credentials. */
  acceptBlindReg: boolean;
  /** challenge-realm: 'auto_to' (To host), 'auto_from' (From host) or a literal realm. */
  challengeRealm: string;
  /** force-register-domain: the directory domain users authenticate against. */
  forceRegisterDomain?: string;
  /** force-register-db-domain: the host bindings are stored under (default the To host). */
  forceRegisterDbDomain?: string;
  /** inbound-reg-force-matching-username: digest username must equal the To user, else 403. */
  forceMatchingUsername: boolean;
  /** nonce-ttl, seconds. */
  nonceTtl: number;
  /**
   * rfc8760-auth-algorithms: offered (one WWW-Authenticate each, most preferred first, RFC 8760
   * §2.4) and accepted. Default MD5 only, as FreeSWITCH: sipp 3.6.1 and baresip 1.0.0 cannot
   * register at all once a SHA-256 challenge is offered.
   */
  authAlgorithms: readonly DigestAlgorithm[];
  multipleRegistrations: MultipleRegistrations;
  /** max-registrations-per-extension; 0 = unlimited. A user param of the same name wins. */
  maxRegistrationsPerExtension: number;
  /** log-auth-failures: FS's fail2ban line per failed authentication. */
  logAuthFailures: boolean;
  /** sip-force-expires: replaces any non-zero requested expiry (0 = off). */
  forceExpires: number;
  /** sip-expires-min: a shorter non-zero request gets 423 Interval Too Brief with Min-Expires (0 = off). */
  expiresMin: number;
  /** sip-expires-max: longer requests are granted this (0 = off). */
  expiresMax: number;
  /** Expiry when the request names none: 300 s, 30 s for a NATed contact (FS). */
  defaultExpires: number;
  natDefaultExpires: number;
  /**
   * sip-expires-late-margin, seconds: a binding stays routable (sofia_contact, user/) and stored
   * this long after the expiry granted in the 200 OK, as FS keeps rows `expires + 60`. The 200 OK
   * and queries show only bindings that have not reached their granted expiry.
   */
  expiresLateMargin: number;
  /** registration-thread-frequency, seconds: how often expired bindings are purged. */
  sweepInterval: number;
  /** auth-fail-max / auth-fail-window / auth-ban-time (s): the brute-force throttle; max 0 = off. */
  authFailMax: number;
  authFailWindow: number;
  authBanTime: number;
  /** apply-register-acl: sources inside register without digest; others get 403. */
  applyRegisterAcl: readonly AclRef[];
  /** apply-nat-acl, local-network-acl, aggressive-nat-detection (§1.3). */
  applyNatAcl: readonly AclRef[];
  localNetworkAcl: readonly AclRef[];
  aggressiveNatDetection: boolean;
  /** presence-hosts: listed in sofia::register events. */
  presenceHosts: readonly string[];
  /** Contacts accepted in one REGISTER (a bound on attacker input; more gets 403). */
  maxContactsPerRequest: number;
  /**
   * Which expiry wins when a contact has `expires=` and the request has an Expires header:
   * 'rfc3261' (the contact's, RFC 3261 §10.3 step 7; needed to remove one contact of several) or
   * 'freeswitch' (the header's, as sofia_reg.c does).
   */
  expiresPrecedence: 'rfc3261' | 'freeswitch';
}

export const DEFAULT_REGISTRAR_SETTINGS: Readonly<RegistrarSettings> = Object.freeze({
  disableRegister: false,
  acceptBlindReg: false,
  challengeRealm: 'auto_to',
  forceMatchingUsername: false,
  nonceTtl: 60,
  authAlgorithms: ['MD5'],
  multipleRegistrations: 'off',
  maxRegistrationsPerExtension: 0,
  logAuthFailures: false,
  forceExpires: 0,
  expiresMin: 0,
  expiresMax: 0,
  defaultExpires: 300,
  natDefaultExpires: 30,
  expiresLateMargin: 60,
  sweepInterval: 30,
  authFailMax: 5,
  authFailWindow: 60,
  authBanTime: 300,
  applyRegisterAcl: [],
  applyNatAcl: [],
  localNetworkAcl: [],
  aggressiveNatDetection: false,
  presenceHosts: [],
  maxContactsPerRequest: 32,
  expiresPrecedence: 'rfc3261',
} satisfies RegistrarSettings);

export function registrarSettings(overrides: Partial<RegistrarSettings> = {}): RegistrarSettings {
  return { ...DEFAULT_REGISTRAR_SETTINGS, ...overrides };
}

/** The settings a loaded profile gives its registrar. */
export function registrarSettingsFromProfile(p: ProfileConfig): RegistrarSettings {
  return registrarSettings({
    disableRegister: p.disableRegister,
    acceptBlindReg: p.acceptBlindReg,
    challengeRealm: p.challengeRealm,
    forceRegisterDomain: p.forceRegisterDomain || undefined,
    forceRegisterDbDomain: p.forceRegisterDbDomain || undefined,
    forceMatchingUsername: p.inboundRegForceMatchingUsername,
    nonceTtl: p.nonceTtl,
    authAlgorithms: p.authAlgorithms.map((a) => normalizeAlgorithm(a)).filter((a): a is DigestAlgorithm => a !== undefined),
    multipleRegistrations: p.multipleRegistrations === 'none' ? 'off' : p.multipleRegistrations,
    maxRegistrationsPerExtension: p.maxRegistrationsPerExtension,
    logAuthFailures: p.logAuthFailures,
    forceExpires: p.sipForceExpires,
    expiresMin: p.sipExpiresMin,
    expiresMax: p.sipExpiresMax,
    expiresLateMargin: p.sipExpiresLateMargin,
    sweepInterval: p.registrationThreadFrequency,
    authFailMax: p.authFailMax,
    authFailWindow: p.authFailWindow,
    authBanTime: p.authBanTime,
    applyRegisterAcl: p.applyRegisterAcl,
    applyNatAcl: p.applyNatAcl,
    localNetworkAcl: p.localNetworkAcl,
    aggressiveNatDetection: p.aggressiveNatDetection,
    presenceHosts: p.presenceHosts,
  });
}
