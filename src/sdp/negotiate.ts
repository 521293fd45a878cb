/**
 * Answerer side of RFC 3264 offer/answer with FreeSWITCH's codec policies
 * (freeswitch-behaviour.md §3.3, §3.4, §3.6, §3.8, §4.2). Pure: data in, data out, no I/O.
 *
 *   offer ──► first usable audio m= line with a common codec (codec-match.ts)
 *          ├─ none ─► { ok: false, 488, Q.850 cause 88 INCOMPATIBLE_DESTINATION }     (§3.8)
 *          └─ found ─► answer: same m= count and order (RFC 3264 §6), other lines port 0;
 *                      the winner with the REMOTE's PT, a=rtpmap, a=fmtp, a=ptime:<ours>,
 *                      telephone-event with the offerer's PT, CN unless suppressed,
 *                      direction mirrored (sendonly ⇒ recvonly, inactive ⇒ inactive).
 */
import type { HasImplementation, NegotiatedCodec } from './codec-match';
import { matchCodecs, type MatchOptions } from './codec-match';
import { effectiveRemoteDirection, remoteHoldInfo, type HoldInfo } from './hold';
import {
  intersectDirections,
  mediaAttribute,
  mediaConnection,
  mirrorDirection,
  offeredFormats,
  remoteMaxptime,
  remotePtime,
  type OfferedFormat,
} from './media-info';
import {
  localSession,
  rtpmap,
  SILENCE_SUPP_OFF,
  telephoneEventFmtp,
  type DtmfPlan,
  type LocalOrigin,
} from './local-session';
import { isComfortNoise, isOpus, isTelephoneEvent } from './static-payloads';
import type {
  AddressType,
  Direction,
  LocalCodecPref,
  MediaDescription,
  NegotiationPolicy,
  SessionDescription,
} from './types';

export type DtmfType = 'rfc2833' | 'info' | 'none';

export interface NegotiateOptions {
  offer: SessionDescription;
  /** The leg's codec list (§3.2), already resolved by the caller. */
  localPrefs: readonly LocalCodecPref[];
  policy: NegotiationPolicy;
  /** Our media IP for o=/c= (rtp-ip or ext-rtp-ip, chosen by the caller). */
  localIp: string;
  localPort: number;
  origin?: LocalOrigin;
  sessionName?: string;
  /** What we want: sendrecv, or sendonly/inactive when we hold the remote. Default sendrecv. */
  localDirection?: Direction;
  /** Profile dtmf-type / `dtmf_type`. Default rfc2833. */
  dtmfType?: DtmfType;
  /** rfc2833-pt (default 101): accepted in addition with liberalDtmf. */
  rfc2833Pt?: number;
  /** rtp_liberal_dtmf: accept RFC 2833 on rfc2833Pt even when not negotiated. */
  liberalDtmf?: boolean;
  /** rtp_info_when_no_2833 (default true): fall back to SIP INFO when the peer lacks 2833. */
  infoWhenNo2833?: boolean;
  /** suppress-cng: no CN in the answer, add a=silenceSupp:off - - - -. */
  suppressCng?: boolean;
  /** NDLB_line_flash_16: advertise events 0-16. */
  lineFlash16?: boolean;
  hasImplementation?: HasImplementation;
  /** rtp_negotiate_near_match (see codec-match.ts). */
  negotiateNearMatch?: boolean;
  /** Transport protocols we can terminate. Default RTP/AVP and RTP/AVPF (no SRTP yet). */
  acceptProtos?: readonly string[];
  /**
   * The codec in use before this re-offer. When it is still offered, it is kept (FreeSWITCH's
   * renegotiate-codec-on-hold=false: hold/unhold re-INVITEs do not change the codec).
   */
  keepCodec?: NegotiatedCodec;
}

export interface RemoteMedia {
  address: string;
  addrType: AddressType;
  port: number;
  /** a=rtcp port, else RTP port + 1 (RFC 3550 §11), or the RTP port with a=rtcp-mux. */
  rtcpPort: number;
  rtcpAddress: string;
  rtcpMux: boolean;
}

export interface NegotiatedAudio {
  /** Index of the m= line in offer and answer. */
  mediaIndex: number;
  codec: NegotiatedCodec;
  /** Every agreed codec, codec first (the peer may switch PT mid-call). One entry per PT. */
  payloadMap: NegotiatedCodec[];
  /** The telephone-event format in the answer (offerer's PT). */
  telephoneEvent?: { pt: number; clockRate: number };
  /** CN payload type in the answer, if any. */
  cnPt?: number;
  dtmf: DtmfPlan;
  /** Direction we answered with (= what we do: send if it includes send). */
  direction: Direction;
  /** The remote's effective direction (null-address hold folded in). */
  remoteDirection: Direction;
  hold: HoldInfo;
  remote: RemoteMedia;
}

export interface MediaLineOutcome {
  index: number;
  type: string;
  accepted: boolean;
  /** Why a line was rejected with port 0. */
  reason?: string;
}

export interface NegotiationSuccess {
  ok: true;
  answer: SessionDescription;
  audio: NegotiatedAudio;
  media: MediaLineOutcome[];
}

export interface NegotiationFailure {
  ok: false;
  status: 488;
  q850: 88;
  cause: 'INCOMPATIBLE_DESTINATION';
  /** Value for the Reason header of the 488 (RFC 3326). */
  reason: string;
  /** Human-readable detail for logs ("CODEC NEGOTIATION ERROR"). */
  detail: string;
}

export type NegotiationResult = NegotiationSuccess | NegotiationFailure;

export const DEFAULT_ACCEPT_PROTOS: readonly string[] = ['RTP/AVP', 'RTP/AVPF'];
export const INCOMPATIBLE_DESTINATION_REASON = 'Q.850;cause=88;text="INCOMPATIBLE_DESTINATION"';

/** The §3.8 failure value; also used by answer processing and bridge code. */
export function incompatible(detail: string): NegotiationFailure {
  return { ok: false, status: 488, q850: 88, cause: 'INCOMPATIBLE_DESTINATION', reason: INCOMPATIBLE_DESTINATION_REASON, detail: detail.slice(0, 512) };
}

function describeFormats(fs: readonly OfferedFormat[]): string {
  return fs.slice(0, 16).map((f) => `${f.encoding}/${f.clockRate}`).join(',') || '(none)';
}

/** Payload map: one entry per remote PT, best first. */
export function uniqueByPt(cs: readonly NegotiatedCodec[]): NegotiatedCodec[] {
  const seen = new Set<number>();
  const out: NegotiatedCodec[] = [];
  for (const c of cs) {
    if (seen.has(c.pt)) continue;
    seen.add(c.pt);
    out.push(c);
  }
  return out;
}

/** telephone-event choice (§3.4): the offered PT whose rate equals the codec's clock, else 8000, else the first. */
export function pickTelephoneEvent(formats: readonly OfferedFormat[], clockRate: number, codecPt: number): OfferedFormat | undefined {
  // Pain point 4: never take a telephone-event PT that is also the audio PT.
  const te = formats.filter((f) => isTelephoneEvent(f.encoding) && f.pt !== codecPt);
  return te.find((f) => f.clockRate === clockRate) ?? te.find((f) => f.clockRate === 8000) ?? te[0];
}

/**
 * Where the remote wants media. RTCP multiplexing (RFC 5761 §5.1.1) counts only when both sides
 * said a=rtcp-mux: pass `muxAgreed` (our answers and offers do not include it today).
 */
export function remoteMedia(sdp: SessionDescription, m: MediaDescription, muxAgreed = false): RemoteMedia {
  const c = mediaConnection(sdp, m);
  const address = c?.address ?? '0.0.0.0';
  const addrType = c?.addrType ?? 'IP4';
  const rtcpMux = muxAgreed && mediaAttribute(m, 'rtcp-mux') !== undefined;
  const rtcpPort = m.rtcp?.port ?? (rtcpMux ? m.port : m.port + 1);
  return { address, addrType, port: m.port, rtcpPort, rtcpAddress: m.rtcp?.connection?.address ?? address, rtcpMux };
}

function rejected(m: MediaDescription): MediaDescription {
  // RFC 3264 §6: a rejected stream keeps its m= line with port 0 and at least one format.
  return { type: m.type, port: 0, proto: m.proto, formats: [m.formats[0] ?? '0'], bandwidths: [], rtpmaps: [], fmtps: [], attributes: [] };
}

function dtmfPlan(o: NegotiateOptions, te: OfferedFormat | undefined, codecPt: number): DtmfPlan {
  const type = o.dtmfType ?? 'rfc2833';
  const liberal = o.liberalDtmf ? [o.rfc2833Pt ?? 101].filter((pt) => pt !== codecPt) : [];
  if (type === 'rfc2833' && te) {
    const recvPts = [te.pt, ...liberal.filter((pt) => pt !== te.pt)];
    return { type: 'rfc2833', sendPt: te.pt, clockRate: te.clockRate, recvPts };
  }
  if (type === 'none' || (type === 'rfc2833' && o.infoWhenNo2833 === false)) return { type: 'none', recvPts: liberal };
  return { type: 'info', recvPts: liberal };
}

/** matchCodecs options for one m= line (built field by field: conditional spreads are slow). */
function matchOptions(o: NegotiateOptions, m: MediaDescription, policy: NegotiationPolicy): MatchOptions {
  const opts: MatchOptions = { policy, remotePtime: remotePtime(o.offer, m), remoteMaxptime: remoteMaxptime(o.offer, m) };
  if (o.hasImplementation) opts.hasImplementation = o.hasImplementation;
  if (o.negotiateNearMatch) opts.negotiateNearMatch = true;
  return opts;
}

function matchLine(o: NegotiateOptions, m: MediaDescription, formats: OfferedFormat[]): NegotiatedCodec[] {
  const k = o.keepCodec;
  if (k) {
    const keep: LocalCodecPref = { name: k.name, clockRate: k.clockRate, ptime: k.ptime, channels: k.channels };
    if (k.localFmtp !== undefined) keep.fmtp = k.localFmtp;
    const kept = matchCodecs(formats, [keep], matchOptions(o, m, 'scrooge'));
    if (kept.length) {
      const rest = matchCodecs(formats, o.localPrefs, matchOptions(o, m, o.policy));
      return [{ ...kept[0]!, prefIndex: -1 }, ...rest];
    }
  }
  return matchCodecs(formats, o.localPrefs, matchOptions(o, m, o.policy));
}

/** Negotiate a remote offer; see the file header. */
export function negotiate(o: NegotiateOptions): NegotiationResult {
  const offer = o.offer;
  const protos = o.acceptProtos ?? DEFAULT_ACCEPT_PROTOS;
  let chosen = -1;
  let matches: NegotiatedCodec[] = [];
  let formats: OfferedFormat[] = [];
  const outcomes: MediaLineOutcome[] = [];
  /** The formats of each audio line tried, described only if nothing matched (the 488 detail). */
  const tried: OfferedFormat[][] = [];
  for (let i = 0; i < offer.media.length; i++) {
    const m = offer.media[i]!;
    const out: MediaLineOutcome = { index: i, type: m.type, accepted: false };
    outcomes.push(out);
    if (m.type !== 'audio') out.reason = `${m.type} not supported`;
    else if (m.port === 0) out.reason = 'disabled in offer';
    else if (!protos.includes(m.proto)) out.reason = `transport ${m.proto} not supported`;
    else if (chosen >= 0) out.reason = 'one audio stream only';
    else {
      const fs = offeredFormats(m);
      tried.push(fs);
      const ms = matchLine(o, m, fs);
      if (ms.length) {
        chosen = i;
        matches = ms;
        formats = fs;
        out.accepted = true;
      } else {
        out.reason = 'no common codec';
      }
    }
  }
  if (chosen < 0) {
    const local = o.localPrefs.slice(0, 16).map((p) => `${p.name}@${p.clockRate}h@${p.ptime ?? '-'}i`).join(',');
    const what = tried.length ? `offered ${tried.map(describeFormats).join(' | ')}` : 'no usable audio stream offered';
    return incompatible(`CODEC NEGOTIATION ERROR: ${what}; local ${local || '(none)'}`);
  }

  const m = offer.media[chosen]!;
  const codec = matches[0]!;
  const dtmfType = o.dtmfType ?? 'rfc2833';
  const te = dtmfType === 'rfc2833' ? pickTelephoneEvent(formats, codec.clockRate, codec.pt) : undefined;
  let cnPt: number | undefined;
  if (!o.suppressCng) {
    const offeredCn = formats.find((f) => isComfortNoise(f.encoding) && f.clockRate === codec.clockRate && f.pt !== codec.pt);
    if (offeredCn) cnPt = offeredCn.pt;
    else if (codec.clockRate === 8000 && codec.pt !== 13 && te?.pt !== 13 && !formats.some((f) => f.pt === 13)) cnPt = 13;
  }
  const remoteDirection = effectiveRemoteDirection(offer, m);
  const direction = intersectDirections(mirrorDirection(remoteDirection), o.localDirection ?? 'sendrecv');

  // §3.4: one codec, the remote's PT; our fmtp, else (non-opus) the remote's, which for iLBC
  // mode or G.722.1 bitrate names the payload format itself. Opus fmtp is receiver-declared
  // (RFC 7587 §6.1), so without a local one we send none (= defaults).
  const answerFmtp = codec.localFmtp ?? (isOpus(codec.name) ? undefined : codec.fmtp);
  const am: MediaDescription = {
    type: 'audio',
    port: o.localPort,
    proto: m.proto,
    formats: [String(codec.pt)],
    bandwidths: [],
    rtpmaps: [rtpmap(codec.pt, codec.name, codec.clockRate, codec.channels)],
    fmtps: answerFmtp !== undefined ? [{ pt: codec.pt, params: answerFmtp }] : [],
    ptime: codec.ptime,
    direction,
    attributes: [],
  };
  if (te) {
    am.formats.push(String(te.pt));
    am.rtpmaps.push(rtpmap(te.pt, 'telephone-event', te.clockRate));
    am.fmtps.push(telephoneEventFmtp(te.pt, o.lineFlash16));
  }
  if (cnPt !== undefined) {
    am.formats.push(String(cnPt));
    am.rtpmaps.push(rtpmap(cnPt, 'CN', codec.clockRate));
  }
  if (o.suppressCng) am.attributes.push({ ...SILENCE_SUPP_OFF });

  const answer = localSession(o);
  answer.media = offer.media.map((x, i) => (i === chosen ? am : rejected(x)));

  const audio: NegotiatedAudio = {
    mediaIndex: chosen,
    codec,
    payloadMap: uniqueByPt(matches),
    dtmf: dtmfPlan(o, te, codec.pt),
    direction,
    remoteDirection,
    hold: remoteHoldInfo(offer, chosen),
    remote: remoteMedia(offer, m),
  };
  if (te) audio.telephoneEvent = { pt: te.pt, clockRate: te.clockRate };
  if (cnPt !== undefined) audio.cnPt = cnPt;
  return { ok: true, answer, audio, media: outcomes };
}
