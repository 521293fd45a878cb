/**
 * The SIP message layer: parse, serialize, build and inspect SIP messages (RFC 3261 §7, §20, §25).
 * Everything in src/sip/ and the sofia endpoint imports from here, not from the files behind it.
 */
export type { CSeq, NameAddr, ParseResult, Params, SipHeaders, SipMessage, SipRequest, SipResponse, SipUri, Via } from './types';
export { parseMessage, DEFAULT_MAX_HEADERS, DEFAULT_MAX_HEADER_NAME_LENGTH, type ParseOptions } from './parser';
export { serialize, serializeHead } from './serializer';
export { Headers } from './headers';
export { COMPACT_FORMS, headerKey, prettyHeaderName } from './header-names';
export { parseUri, formatUri, formatHost, cloneUri, parseIpv6Reference, escapeUser, escapeUriParam } from './uri';
export { parseNameAddr, parseNameAddrList, formatNameAddr, cloneNameAddr } from './name-addr';
export { parseVia, formatVia, cloneVia, viaBranch, BRANCH_COOKIE } from './via';
export {
  parseCSeq, formatCSeq, parseMaxForwards, parseDeltaSeconds, parseContentLength, parseCallId, parseMediaType,
  MAX_UINT32, type MediaType,
} from './scalars';
export { getParam, setParam, hasParam, deleteParam, cloneParams, formatParams } from './params';
export {
  getVias, getTopVia, getBranch, getCallId, getCSeq, getFrom, getTo, getFromTag, getToTag, getContacts,
  getMaxForwards, getExpires, getContentType, getMediaType, getRoutes, getRecordRoutes, getParsedHeader,
  HEADER_PARSERS,
} from './accessors';
export { createRequest, createResponse, type CreateRequestOptions, type CreateResponseOptions } from './build';
export { reasonPhrase, isProvisional, isFinal } from './status';
export {
  validateRequest, validateResponse, responseProblem, KNOWN_METHODS, type Rejection, type ValidateResponseOptions,
} from './validate';
export { quote, unquote, isToken } from './chars';
