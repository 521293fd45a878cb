/**
 * src/sdp: the SDP model, parse/serialize, and pure offer/answer negotiation with FreeSWITCH's
 * generous/greedy/scrooge policies. Imports src/util only (architecture.md layer table).
 */
export * from './types';
export { parseSdp, parseSdpDetailed, isRtpProto, DEFAULT_SDP_LIMITS, type SdpParseLimits, type SdpParseResult } from './parse';
export { serializeSdp, cloneSdp, bumpOriginVersion, nextSdpVersion, formatOrigin } from './serialize';
export { parseConnection, formatConnection, isNullAddress, addrTypeOf } from './fields';
export {
  mediaDirection,
  mediaConnection,
  offeredFormats,
  remotePtime,
  remoteMaxptime,
  sanePtime,
  fmtpParam,
  mirrorDirection,
  intersectDirections,
  directionSends,
  directionReceives,
  sessionAttribute,
  mediaAttribute,
  MIN_PTIME,
  MAX_PTIME,
  type OfferedFormat,
} from './media-info';
export {
  staticPayload,
  staticPtFor,
  defaultPtime,
  isDynamicPt,
  OPUS_SDP_CLOCK,
} from './static-payloads';
export {
  matchCodecs,
  defaultHasImplementation,
  MAX_MATCHES,
  type NegotiatedCodec,
  type HasImplementation,
  type ImplementationQuery,
  type MatchOptions,
} from './codec-match';
export {
  negotiate,
  incompatible,
  pickTelephoneEvent,
  remoteMedia,
  INCOMPATIBLE_DESTINATION_REASON,
  DEFAULT_ACCEPT_PROTOS,
  type NegotiateOptions,
  type NegotiationResult,
  type NegotiationSuccess,
  type NegotiationFailure,
  type NegotiatedAudio,
  type MediaLineOutcome,
  type RemoteMedia,
  type DtmfType,
} from './negotiate';
export { processAnswer, type ProcessAnswerOptions, type AnswerResult, type AnswerSuccess } from './process-answer';
export { buildOffer, prefsInclude, type BuildOfferOptions, type BuiltOffer, type OfferedCodec } from './build-offer';
export {
  remoteHoldInfo,
  classifyReinvite,
  isSameSdpVersion,
  holdOfferDirection,
  primaryAudioIndex,
  effectiveRemoteDirection,
  type HoldInfo,
  type HoldKind,
  type ReinviteHoldChange,
} from './hold';
export { offerCodecPrefs, originatorCodecPrefs, inheritCodec, mediaPath, type MediaPath } from './bridge';
export { localSession, type DtmfPlan, type LocalOrigin, type LocalSessionOptions } from './local-session';
