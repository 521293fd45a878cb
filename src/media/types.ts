/**
 * Shared media-plane types: what the signalling side (endpoints/sofia, via SDP negotiation) tells a
 * session about its leg, and the statistics a session reports.
 */
import type { Codec, CodecDescription } from '../codec/types';

/**
 * The negotiated media of one call leg. PTs follow RFC 3264 §5.1: we send with the PT from the
 * remote SDP (`pt`, `dtmfPt`) and receive with the PT of our own SDP (`recvPt`, `dtmfRecvPt`);
 * they are usually equal. (FreeSWITCH: rtp_2833_send_payload / rtp_2833_recv_payload.)
 */
export interface LegMedia {
  codec: CodecDescription;
  pt: number;
  recvPt?: number;
  /** telephone-event PT towards the remote; absent = no RFC 4733 on this leg. */
  dtmfPt?: number;
  dtmfRecvPt?: number;
  /** telephone-event clock rate (SDP rtpmap); defaults to the codec's RTP clock rate. */
  dtmfClockRate?: number;
}

/** SDP direction from our side of the leg (RFC 3264 §6.1). */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export const PacketKind = {
  AUDIO: 0,
  DTMF: 1,
} as const;
export type PacketKindCode = (typeof PacketKind)[keyof typeof PacketKind];

/**
 * Receives every accepted RTP packet of a session (hot path). `pkt` is the datagram (owned by the
 * sink from then on: Node gives each datagram its own Buffer); `hdr` is reused for the next packet,
 * so copy fields you keep. `extSeq` is the RFC 3550 extended sequence number, `now` the arrival
 * time on the session's clock (ms).
 */
export type PacketSink = (pkt: Buffer, hdr: import('./rtp-packet').RtpHeader, kind: PacketKindCode, extSeq: number, now: number) => void;

export interface InboundStats {
  /** Current source SSRC (0 before the first packet). */
  ssrc: number;
  /** Every datagram that reached the RTP port, accepted or not. */
  datagrams: number;
  packets: number;
  /** Datagram bytes accepted. */
  bytes: number;
  payloadBytes: number;
  /** RFC 3550 A.3 cumulative loss over all SSRCs seen. */
  lost: number;
  expected: number;
  /** RFC 3550 A.8 interarrival jitter, in ms. */
  jitterMs: number;
  outOfOrder: number;
  duplicates: number;
  seqJumps: number;
  ssrcChanges: number;
  dtmfPackets: number;
  dtmfEvents: number;
  droppedMalformed: number;
  /** From a source other than the latched / SDP one (RTP bleed / injection attempts). */
  droppedWrongSource: number;
  /** From a source still being confirmed by the latching policy. */
  droppedLearning: number;
  droppedUnknownPt: number;
  /** Arrived while our direction is sendonly/inactive. */
  droppedInactive: number;
  rtcpPackets: number;
  rtcpMalformed: number;
  rtcpWrongSource: number;
  /** A sink or tap threw (a bug above the media plane); the packet was still counted. */
  sinkErrors: number;
}

export interface OutboundStats {
  ssrc: number;
  packets: number;
  bytes: number;
  payloadBytes: number;
  dtmfPackets: number;
  droppedNoRemote: number;
  droppedInactive: number;
  /** Packets of other producers muted while DTMF generation or playback held the stream. */
  suppressed: number;
  sendErrors: number;
  rtcpSent: number;
}

export interface RtpSessionStats {
  localAddress: string;
  localPort: number;
  remote?: { address: string; port: number };
  latched?: { address: string; port: number };
  in: InboundStats;
  out: OutboundStats;
}

/** The codec factory the transcoding parts use; src/codec provides the default. */
/** Matches src/codec's Resampler: caller-owned output, state carried across calls. */
export interface Resampler {
  /** Output samples produced for `inputSamples` input samples (upper bound). */
  outputLength(inputSamples: number): number;
  /** Resample one chunk of mono L16 into out; returns samples written. */
  process(input: Int16Array, out: Int16Array): number;
  close(): void;
}

export interface CodecProvider {
  createCodec(desc: CodecDescription): Codec;
  createResampler(fromRate: number, toRate: number): Resampler;
}
