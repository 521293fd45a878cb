/**
 * The typed, validated form of a `<profile>` (freeswitch-behaviour.md §1.2). Field comments give
 * the param name; defaults are FreeSWITCH's code defaults unless noted.
 */
import type { AclRef } from './acl';
import type { GatewayConfig } from './gateway';

export type CodecNegotiation = 'generous' | 'greedy' | 'scrooge';
export type DtmfType = 'rfc2833' | 'info' | 'none';
export type MultipleRegistrations = 'none' | 'contact' | 'call-id';
export type ManagePresence = 'true' | 'false' | 'passive' | 'pnp';
export type CallerIdType = 'rpid' | 'pid' | 'none';
export type ForceRport = 'default' | 'true' | 'safe' | 'disabled' | 'client-only' | 'server-only';

/** `<domains><domain name="all|D" alias="" parse=""/>` (§1.6). */
export interface ProfileDomain {
  name: string;
  alias: boolean;
  parse: boolean;
}

export interface ProfileConfig {
  name: string;
  source: { file: string; line: number };

  // --- addresses (§1.2, §1.3)
  /** sip-ip: bind address (0.0.0.0 is replaced by local_ip_v4, as FreeSWITCH does). */
  sipIp: string;
  /** sip-port: 0 = any free port ("auto"). */
  sipPort: number;
  /** rtp-ip (repeatable: round-robin). */
  rtpIps: string[];
  /** ext-sip-ip / ext-rtp-ip: address written for peers outside local-network-acl. */
  extSipIp?: string;
  extRtpIp?: string;

  // --- routing
  context: string;
  dialplan: string;

  // --- authentication and registration (§1.4, §1.5)
  authCalls: boolean;
  authCallsAclOnly: boolean;
  acceptBlindReg: boolean;
  acceptBlindAuth: boolean;
  /** challenge-realm: 'auto_to', 'auto_from' or a literal realm. */
  challengeRealm: string;
  forceRegisterDomain?: string;
  forceRegisterDbDomain?: string;
  forceSubscriptionDomain?: string;
  inboundRegForceMatchingUsername: boolean;
  /** nonce-ttl in seconds (minimum 60). */
  nonceTtl: number;
  /**
   * rfc8760-auth-algorithms: digest algorithms challenged with and accepted, most preferred first
   * (RFC 8760 §2.4): 'SHA-256', 'SHA-512-256', 'MD5'. Default ['MD5'] as FreeSWITCH: sipp 3.6.1 and
   * baresip 1.0.0 fail to register at all when any SHA-2 challenge is offered.
   */
  authAlgorithms: string[];
  multipleRegistrations: MultipleRegistrations;
  /** 0 = unlimited. */
  maxRegistrationsPerExtension: number;
  authAllPackets: boolean;
  authSubscriptions: boolean;
  authMessages: boolean;
  disableRegister: boolean;
  disableTransfer: boolean;
  logAuthFailures: boolean;
  /** sip-force-expires: replaces the granted Expires (0 = off). */
  sipForceExpires: number;
  /** sip-force-expires-min (alias sip-expires-min); 0 = no floor. */
  sipExpiresMin: number;
  /** sip-force-expires-max (alias sip-expires-max); 0 = no ceiling. */
  sipExpiresMax: number;
  sipExpiresMaxDeviation: number;
  /** Seconds a registration is kept past its Expires. */
  sipExpiresLateMargin: number;
  registrationThreadFrequency: number;
  /** Our brute-force throttle (issue 4): `auth-fail-max` failures within `auth-fail-window` s ban the source for `auth-ban-time` s. 0 max = off. */
  authFailMax: number;
  authFailWindow: number;
  authBanTime: number;
  /** registration-db as configured (file name, or ":memory:"). */
  registrationDb: string;
  /** Absolute path (relative names resolve against switch.conf data-dir), or ":memory:". */
  registrationDbPath: string;

  // --- ACLs (§1.2)
  applyRegisterAcl: AclRef[];
  applyInboundAcl: AclRef[];
  applyProxyAcl: AclRef[];
  applyNatAcl: AclRef[];
  /** Empty = "none" (every peer is inside). Default localnet.auto. */
  localNetworkAcl: AclRef[];
  aggressiveNatDetection: boolean;
  ndlbForceRport: ForceRport;
  ndlbReceivedInNatRegContact: boolean;
  ndlbBrokenAuthHash: boolean;
  natOptionsPing: boolean;
  allRegOptionsPing: boolean;
  unregisterOnOptionsFail: boolean;
  sipUserPingMax: number;
  sipUserPingMin: number;
  pingMeanInterval: number;

  // --- media and codecs (§3, §4)
  inboundCodecPrefs?: string;
  outboundCodecPrefs?: string;
  inboundCodecNegotiation: CodecNegotiation;
  inboundLateNegotiation: boolean;
  inboundBypassMedia: boolean;
  inboundProxyMedia: boolean;
  disableTranscoding: boolean;
  dtmfType: DtmfType;
  rfc2833Pt: number;
  /** In RTP timestamp units at 8 kHz (2000 = 250 ms). */
  dtmfDuration: number;
  suppressCng: boolean;
  holdMusic?: string;
  /** media-timeout in ms (0 = off); rtp-timeout-sec (deprecated) sets it x1000. */
  mediaTimeoutMs: number;
  /** media-hold-timeout in ms (0 = off); defaults to 10 x mediaTimeoutMs when only that is set. */
  mediaHoldTimeoutMs: number;

  // --- SIP behaviour
  userAgentString?: string;
  /** session-timeout (RFC 4028) in seconds, 0 = off. */
  sessionTimeout: number;
  minimumSessionExpires: number;
  enableTimer: boolean;
  managePresence: ManagePresence;
  presenceHosts: string[];
  callerIdType: CallerIdType;
  autoInvite100: boolean;
  enable100rel: boolean;
  passCalleeId: boolean;
  cidIn1xx: boolean;
  inboundUseCallidAsUuid: boolean;
  outboundUseUuidAsCallid: boolean;
  maxRecvRequestsPerSecond: number;
  debug: number;
  sipTrace: boolean;

  // --- structure
  /** Explicit aliases plus every directory domain aliased through `<domains>` (§1.6). */
  aliases: string[];
  domains: ProfileDomain[];
  gateways: GatewayConfig[];
}
