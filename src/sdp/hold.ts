/**
 * Hold and unhold as seen in a remote offer (freeswitch-behaviour.md §4.2, RFC 3264 §8.4,
 * RFC 6337 §5):
 *
 *   remote offer says          held?  kind            effective remote direction
 *   a=sendonly                 yes    sendonly        sendonly
 *   a=inactive                 yes    inactive        inactive
 *   c=IN IP4 0.0.0.0           yes    null-address    sendrecv->sendonly, recvonly->inactive
 *   a=sendrecv / nothing       no     -               sendrecv
 *   a=recvonly                 no     -               recvonly (the peer only stops sending)
 *
 * A re-INVITE without SDP is not a hold or an unhold by itself: RFC 3261 §14.2 makes us offer in
 * the 2xx, and the answer in the ACK decides (RFC 6337 §5.3). FreeSWITCH keeps the previous
 * sendonly state in that case (#1091, #846); we do not, the ACK answer is fed to remoteHoldInfo.
 */
import { isNullAddress } from './fields';
import { mediaConnection, mediaDirection } from './media-info';
import type { Direction, MediaDescription, SessionDescription } from './types';

export type HoldKind = 'sendonly' | 'inactive' | 'null-address';

export interface HoldInfo {
  held: boolean;
  kind?: HoldKind;
  /** The remote's direction with RFC 2543 null-address hold folded in. */
  direction: Direction;
  /** Index of the m= line examined, or -1 when there is no audio stream. */
  mediaIndex: number;
}

/** The first audio m= line with a non-zero port, else the first audio one, else -1. */
export function primaryAudioIndex(sdp: SessionDescription): number {
  let first = -1;
  for (let i = 0; i < sdp.media.length; i++) {
    const m = sdp.media[i]!;
    if (m.type !== 'audio') continue;
    if (m.port !== 0) return i;
    if (first < 0) first = i;
  }
  return first;
}

/** The remote's direction for one m= line, treating `c=IN IP4 0.0.0.0` as "will not receive". */
export function effectiveRemoteDirection(sdp: SessionDescription, m: MediaDescription): Direction {
  const d = mediaDirection(sdp, m);
  if (!isNullAddress(mediaConnection(sdp, m))) return d;
  // RFC 3264 §8.4: 0.0.0.0 means "do not send to me" — the peer cannot receive.
  if (d === 'sendrecv') return 'sendonly';
  if (d === 'recvonly') return 'inactive';
  return d;
}

export function remoteHoldInfo(sdp: SessionDescription, mediaIndex = primaryAudioIndex(sdp)): HoldInfo {
  const m = sdp.media[mediaIndex];
  if (!m) return { held: false, direction: sdp.direction ?? 'sendrecv', mediaIndex: -1 };
  const declared = mediaDirection(sdp, m);
  const direction = effectiveRemoteDirection(sdp, m);
  if (declared === 'sendonly') return { held: true, kind: 'sendonly', direction, mediaIndex };
  if (declared === 'inactive') return { held: true, kind: 'inactive', direction, mediaIndex };
  if (isNullAddress(mediaConnection(sdp, m))) return { held: true, kind: 'null-address', direction, mediaIndex };
  return { held: false, direction, mediaIndex };
}

export type ReinviteHoldChange =
  | { kind: 'hold'; info: HoldInfo }
  | { kind: 'unhold'; info: HoldInfo }
  | { kind: 'unchanged'; info: HoldInfo }
  /** No SDP: send an offer in the 2xx; call remoteHoldInfo on the answer in the ACK. */
  | { kind: 'offer-required' };

/** Classify a re-INVITE (or UPDATE) given whether the remote currently holds us. */
export function classifyReinvite(remoteHeld: boolean, offer: SessionDescription | undefined): ReinviteHoldChange {
  if (!offer) return { kind: 'offer-required' };
  const info = remoteHoldInfo(offer);
  if (info.held && !remoteHeld) return { kind: 'hold', info };
  if (!info.held && remoteHeld) return { kind: 'unhold', info };
  return { kind: 'unchanged', info };
}

/**
 * RFC 3264 §8: an SDP with the same o= (username, session id, address) and the same version as
 * the previous one is unchanged; nothing needs renegotiating.
 */
export function isSameSdpVersion(previous: SessionDescription | undefined, next: SessionDescription): boolean {
  if (!previous) return false;
  const a = previous.origin;
  const b = next.origin;
  return (
    a.username === b.username &&
    a.sessionId === b.sessionId &&
    a.sessionVersion === b.sessionVersion &&
    a.netType === b.netType &&
    a.addrType === b.addrType &&
    a.address === b.address
  );
}

/** The direction we put in our own hold re-offer (§4.2: sendonly, or inactive with sofia_hold_inactive). */
export function holdOfferDirection(holdInactive = false): Direction {
  return holdInactive ? 'inactive' : 'sendonly';
}
