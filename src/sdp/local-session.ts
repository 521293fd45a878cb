/**
 * Pieces shared by the SDP we write ourselves (offers in build-offer.ts, answers in
 * negotiate.ts): the session skeleton (§3.4: o=, s=, c=, t=0 0) and small format helpers.
 */
import { StrowgerError } from '../util/errors';
import { random32 } from '../util/ids';
import { addrTypeOf, isValidAddress } from './fields';
import type { AddressType, Fmtp, RtpMap, SessionDescription } from './types';

export interface LocalOrigin {
  /** o= username; FreeSWITCH writes "FreeSWITCH". Default "Strowger". */
  username?: string;
  /** Decimal digits. Default: random. */
  sessionId?: string;
  /** Decimal digits. Default: equal to the session id (a common convention). */
  sessionVersion?: string;
}

export interface LocalSessionOptions {
  /** Our media address for o=/c=; ext-rtp-ip substitution is the caller's job. */
  localIp: string;
  origin?: LocalOrigin;
  /** s= ; FreeSWITCH writes "FreeSWITCH". Default "Strowger". */
  sessionName?: string;
}

/** The last local IP checked (a profile writes the same one into every SDP) and its type. */
let checkedIp = '';
let checkedType: AddressType = 'IP4';

function localAddrType(ip: string): AddressType {
  if (ip === checkedIp && ip !== '') return checkedType;
  const addrType = addrTypeOf(ip);
  if (!isValidAddress(addrType, ip)) throw new StrowgerError('SDP_PARSE', `invalid SDP model: local IP '${ip}'`);
  checkedIp = ip;
  checkedType = addrType;
  return addrType;
}

/** A random o= session id, 1..2^31-1 (from the pooled CSPRNG bytes of util/ids). */
function randomSessionId(): string {
  return String((random32() % 0x7fffffff) + 1);
}

export function localSession(opts: LocalSessionOptions): SessionDescription {
  const addrType = localAddrType(opts.localIp);
  const sessionId = opts.origin?.sessionId ?? randomSessionId();
  return {
    version: 0,
    origin: {
      username: opts.origin?.username ?? 'Strowger',
      sessionId,
      sessionVersion: opts.origin?.sessionVersion ?? sessionId,
      netType: 'IN',
      addrType,
      address: opts.localIp,
    },
    sessionName: opts.sessionName ?? 'Strowger',
    emails: [],
    phones: [],
    connection: { netType: 'IN', addrType, address: opts.localIp },
    bandwidths: [],
    times: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    media: [],
  };
}

/** The DTMF arrangement of a negotiated stream (freeswitch-behaviour.md §3.6). */
export interface DtmfPlan {
  /** rfc2833 when both sides have telephone-event; else info (SIP INFO) or none. */
  type: 'rfc2833' | 'info' | 'none';
  /** PT to send RFC 4733 events with: always the remote's telephone-event PT. */
  sendPt?: number;
  /** Clock rate of the telephone-event format in use. */
  clockRate?: number;
  /** PTs to accept RFC 4733 events on (ours/remote's, plus rfc2833-pt with liberal DTMF). */
  recvPts: number[];
}

/** `a=fmtp:<pt> 0-15` (0-16 with NDLB_line_flash_16): RFC 4733 §7.1.1 event list. */
export function telephoneEventFmtp(pt: number, lineFlash16 = false): Fmtp {
  return { pt, params: lineFlash16 ? '0-16' : '0-15' };
}

export function rtpmap(pt: number, encoding: string, clockRate: number, channels?: number): RtpMap {
  return channels !== undefined && channels !== 1 ? { pt, encoding, clockRate, channels } : { pt, encoding, clockRate };
}

/** FreeSWITCH's suppress-cng marker (RFC 3108 §5.6.3.2 silenceSupp, "off"). */
export const SILENCE_SUPP_OFF = { name: 'silenceSupp', value: 'off - - - -' } as const;
