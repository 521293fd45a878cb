/**
 * The SDP model (RFC 8866, which obsoletes RFC 4566) as the rest of Strowger sees it. The parser
 * (parse.ts) produces it, the serializer (serialize.ts) writes it, negotiation (negotiate.ts)
 * reads offers and builds answers with it. Nothing here knows about SIP, sockets or codec
 * implementations: local codec preferences arrive as plain data (LocalCodecPref).
 *
 *   v=0
 *   o=<username> <sess-id> <sess-version> IN IP4 <address>      -> Origin
 *   s=<session name>
 *   c=IN IP4 <address>                                          -> Connection (session level)
 *   b=AS:64                                                     -> Bandwidth
 *   t=0 0                                                       -> Timing
 *   a=<attribute>                                               -> session attributes
 *   m=audio 49170 RTP/AVP 0 8 101                               -> MediaDescription
 *   c=, b=, a=rtpmap, a=fmtp, a=ptime, a=maxptime, a=sendrecv|sendonly|recvonly|inactive, a=rtcp
 */

/** RFC 8866 §6.7 / RFC 3264 §5.1: the four direction attributes. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export const DIRECTIONS: readonly Direction[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

export type AddressType = 'IP4' | 'IP6';

/** `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). */
export interface Connection {
  /** Always 'IN' in practice; other values are kept as written. */
  netType: string;
  addrType: AddressType;
  /** Host part only: an IPv4 dotted quad, an IPv6 address without brackets, or an FQDN. */
  address: string;
  /** IPv4 multicast TTL (`/ttl`). */
  ttl?: number;
  /** Number of multicast addresses (`/n`). */
  count?: number;
}

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2). */
export interface Origin {
  username: string;
  /** Decimal digits kept as text: values above 2^53 occur in the wild. */
  sessionId: string;
  /** Decimal digits kept as text; bumped by one for each changed re-offer (RFC 3264 §8). */
  sessionVersion: string;
  netType: string;
  addrType: AddressType;
  address: string;
}

/** `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8). */
export interface Bandwidth {
  type: string;
  value: number;
}

/** `t=<start-time> <stop-time>` plus any `r=` lines that follow it (RFC 8866 §5.9, §5.10). */
export interface Timing {
  start: string;
  stop: string;
  repeats: string[];
}

/** Any `a=` line not modelled as a field: `a=name` (flag) or `a=name:value`. */
export interface Attribute {
  name: string;
  value?: string;
}

/** `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 8866 §6.6). */
export interface RtpMap {
  pt: number;
  encoding: string;
  clockRate: number;
  /** Encoding parameters; for audio the channel count. Absent means 1. */
  channels?: number;
}

/** `a=fmtp:<format> <format specific parameters>` (RFC 8866 §6.15). Parameters kept raw. */
export interface Fmtp {
  pt: number;
  params: string;
}

/** `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]` (RFC 3605). */
export interface RtcpAttribute {
  port: number;
  connection?: Connection;
}

/** One `m=` section. */
export interface MediaDescription {
  /** 'audio', 'video', 'application', 'text', 'message', or whatever the peer wrote. */
  type: string;
  /** 0 means the stream is rejected / disabled (RFC 3264 §5.1, §6). */
  port: number;
  /** `m=audio 49170/2 ...` */
  numPorts?: number;
  proto: string;
  /** Formats in offer order. For RTP profiles these are payload type numbers 0..127, as text. */
  formats: string[];
  /** `i=` */
  title?: string;
  connection?: Connection;
  bandwidths: Bandwidth[];
  /** `k=` (obsolete; kept so a re-serialized SDP says the same thing). */
  key?: string;
  rtpmaps: RtpMap[];
  fmtps: Fmtp[];
  ptime?: number;
  maxptime?: number;
  direction?: Direction;
  rtcp?: RtcpAttribute;
  /** Every other media-level attribute, in the order received. */
  attributes: Attribute[];
}

export interface SessionDescription {
  /** `v=` — always 0. */
  version: number;
  origin: Origin;
  /** `s=`; an empty name is normalised to '-'. */
  sessionName: string;
  /** `i=` */
  info?: string;
  /** `u=` */
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: Connection;
  bandwidths: Bandwidth[];
  times: Timing[];
  /** `z=` kept raw. */
  zone?: string;
  /** `k=` kept raw. */
  key?: string;
  /** Session-level direction attribute, if any (applies to media without their own). */
  direction?: Direction;
  /** Every other session-level attribute (including a session-level `a=ptime`), in order. */
  attributes: Attribute[];
  media: MediaDescription[];
}

/**
 * A local codec preference as plain data. Mirrors src/codec/types.ts CodecDescription (the
 * endpoint converts); src/sdp never imports src/codec.
 */
export interface LocalCodecPref {
  /** IANA encoding name; matched case-insensitively ('PCMU', 'G722', 'opus', ...). */
  name: string;
  /** RTP clock rate as written in SDP (G722: 8000, opus: 48000). */
  clockRate: number;
  /** Packet time in ms; default 20 (30 for iLBC, iSAC, G723). */
  ptime?: number;
  /** Channels as written in SDP (opus is always 2 in SDP, RFC 7587 §7). Default 1. */
  channels?: number;
  /** fmtp we want to advertise for this codec, e.g. 'useinbandfec=1'. */
  fmtp?: string;
  bitrate?: number;
  /** Static payload type, or the dynamic PT we prefer to offer (moved on collision). */
  pt?: number;
}

export type NegotiationPolicy = 'generous' | 'greedy' | 'scrooge';
