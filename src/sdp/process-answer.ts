/**
 * Offerer side: what the remote's answer to OUR offer means (RFC 3264 §7, freeswitch-behaviour.md
 * §3.6, §3.8). Pure.
 *
 *   - m= lines pair up by index (RFC 3264 §6). A peer that drops trailing lines is tolerated;
 *     extra lines in the answer are ignored.
 *   - The first audio line accepted on both sides (port != 0) carries the call. Its codec is the
 *     first answered format that we offered on that line (same name, same clock; opus by name):
 *     we SEND with the answer's PT (RFC 3264 §6.1 lets it differ from ours).
 *   - telephone-event: send with the answer's PT, receive on ours (§3.6), and also on theirs,
 *     since peers that mix them up are common (pain point 4). A telephone-event PT equal to the
 *     audio PT is refused (#1965: audio decoded as DTMF).
 *   - Nothing we offered in the answer ⇒ INCOMPATIBLE_DESTINATION (§3.8: the B leg is hung up,
 *     the A leg gets 488).
 */
import type { HasImplementation, NegotiatedCodec } from './codec-match';
import { defaultHasImplementation } from './codec-match';
import { effectiveRemoteDirection, remoteHoldInfo } from './hold';
import type { DtmfPlan } from './local-session';
import {
  intersectDirections,
  mediaAttribute,
  mediaDirection,
  mirrorDirection,
  offeredFormats,
  remotePtime,
  type OfferedFormat,
} from './media-info';
import {
  incompatible,
  pickTelephoneEvent,
  remoteMedia,
  type DtmfType,
  type MediaLineOutcome,
  type NegotiatedAudio,
  type NegotiationFailure,
  uniqueByPt,
} from './negotiate';
import { defaultPtime, isComfortNoise, isOpus, isTelephoneEvent, sameName } from './static-payloads';
import type { MediaDescription, SessionDescription } from './types';

export interface ProcessAnswerOptions {
  /** The offer we sent. */
  offer: SessionDescription;
  /** The remote's answer. */
  answer: SessionDescription;
  dtmfType?: DtmfType;
  liberalDtmf?: boolean;
  rfc2833Pt?: number;
  infoWhenNo2833?: boolean;
  hasImplementation?: HasImplementation;
}

export interface AnswerSuccess {
  ok: true;
  audio: NegotiatedAudio;
  media: MediaLineOutcome[];
}

export type AnswerResult = AnswerSuccess | NegotiationFailure;

function sameFormat(a: OfferedFormat, b: OfferedFormat): boolean {
  if (!sameName(a.encoding, b.encoding)) return false;
  if (isOpus(a.encoding)) return true;
  return a.clockRate === b.clockRate && a.channels === b.channels;
}

function agreed(o: ProcessAnswerOptions, ours: MediaDescription, theirs: MediaDescription): NegotiatedCodec[] {
  const offered = offeredFormats(ours);
  const answered = offeredFormats(theirs);
  const theirPtime = remotePtime(o.answer, theirs);
  const has = o.hasImplementation ?? defaultHasImplementation;
  const out: NegotiatedCodec[] = [];
  for (const a of answered) {
    if (isTelephoneEvent(a.encoding) || isComfortNoise(a.encoding)) continue;
    const idx = offered.findIndex((f) => sameFormat(f, a));
    if (idx < 0) continue;
    const mine = offered[idx]!;
    const ourPtime = ours.ptime ?? defaultPtime(mine.encoding);
    const channels = isOpus(mine.encoding) ? 2 : mine.channels;
    // The answerer's a=ptime is what it wants to receive; adapt when the codec can do it.
    const adapt = theirPtime !== undefined && theirPtime !== ourPtime && has({ name: mine.encoding, clockRate: mine.clockRate, ptime: theirPtime, channels });
    const c: NegotiatedCodec = {
      name: mine.encoding,
      pt: a.pt,
      clockRate: mine.clockRate,
      channels,
      ptime: adapt ? theirPtime : ourPtime,
      match: adapt ? 'near' : 'exact',
      prefIndex: idx,
    };
    if (theirPtime !== undefined) c.remotePtime = theirPtime;
    if (a.fmtp !== undefined) c.fmtp = a.fmtp;
    if (mine.fmtp !== undefined) c.localFmtp = mine.fmtp;
    out.push(c);
    if (out.length >= 30) break;
  }
  return out;
}

function dtmf(o: ProcessAnswerOptions, ours: MediaDescription, theirs: MediaDescription, codec: NegotiatedCodec): { plan: DtmfPlan; te?: OfferedFormat } {
  const type = o.dtmfType ?? 'rfc2833';
  const liberal = o.liberalDtmf ? [o.rfc2833Pt ?? 101] : [];
  const te = type === 'rfc2833' ? pickTelephoneEvent(offeredFormats(theirs), codec.clockRate, codec.pt) : undefined;
  if (te) {
    const mine = offeredFormats(ours).find((f) => isTelephoneEvent(f.encoding) && f.clockRate === te.clockRate);
    const recv = [mine?.pt ?? te.pt, te.pt, ...liberal].filter((pt, i, a) => pt !== codec.pt && a.indexOf(pt) === i);
    return { plan: { type: 'rfc2833', sendPt: te.pt, clockRate: te.clockRate, recvPts: recv }, te };
  }
  const recvPts = liberal.filter((pt) => pt !== codec.pt);
  if (type === 'none' || (type === 'rfc2833' && o.infoWhenNo2833 === false)) return { plan: { type: 'none', recvPts } };
  return { plan: { type: 'info', recvPts } };
}

/** Interpret the remote's answer to our offer; see the file header. */
export function processAnswer(o: ProcessAnswerOptions): AnswerResult {
  const n = Math.min(o.offer.media.length, o.answer.media.length);
  const outcomes: MediaLineOutcome[] = [];
  let chosen = -1;
  let codecs: NegotiatedCodec[] = [];
  for (let i = 0; i < o.offer.media.length; i++) {
    const ours = o.offer.media[i]!;
    const out: MediaLineOutcome = { index: i, type: ours.type, accepted: false };
    outcomes.push(out);
    const theirs = i < n ? o.answer.media[i]! : undefined;
    if (!theirs) out.reason = 'missing in answer';
    else if (ours.type !== 'audio' || theirs.type !== 'audio') out.reason = `${ours.type} not used`;
    else if (ours.port === 0 || theirs.port === 0) out.reason = 'rejected';
    else if (chosen >= 0) out.reason = 'one audio stream only';
    else {
      const cs = agreed(o, ours, theirs);
      if (cs.length) {
        chosen = i;
        codecs = cs;
        out.accepted = true;
      } else {
        out.reason = 'answer names no offered codec';
      }
    }
  }
  if (chosen < 0) {
    const answered = o.answer.media.slice(0, 8).map((m) => offeredFormats(m).slice(0, 8).map((f) => `${f.encoding}/${f.clockRate}`).join(',')).join(' | ');
    return incompatible(`CODEC NEGOTIATION ERROR: answer ${answered || '(no media)'} matches nothing offered`);
  }
  const ours = o.offer.media[chosen]!;
  const theirs = o.answer.media[chosen]!;
  const codec = codecs[0]!;
  const { plan, te } = dtmf(o, ours, theirs, codec);
  const remoteDirection = effectiveRemoteDirection(o.answer, theirs);
  const direction = intersectDirections(mirrorDirection(remoteDirection), mediaDirection(o.offer, ours));
  const cn = offeredFormats(theirs).find((f) => isComfortNoise(f.encoding) && f.pt !== codec.pt);
  const audio: NegotiatedAudio = {
    mediaIndex: chosen,
    codec,
    payloadMap: uniqueByPt(codecs),
    dtmf: plan,
    direction,
    remoteDirection,
    hold: remoteHoldInfo(o.answer, chosen),
    remote: remoteMedia(o.answer, theirs, mediaAttribute(ours, 'rtcp-mux') !== undefined),
  };
  if (te) audio.telephoneEvent = { pt: te.pt, clockRate: te.clockRate };
  if (cn) audio.cnPt = cn.pt;
  return { ok: true, audio, media: outcomes };
}
