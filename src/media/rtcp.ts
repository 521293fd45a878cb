/**
 * RTCP sender/receiver reports (RFC 3550 §6.4) and SDES CNAME (§6.5), built with werift-rtp (not
 * the per-packet path, so convenience wins). Incoming compound packets are checked by hand first
 * (RFC 3550 A.2 validity rules) so that werift never sees a truncated packet; a bad one is counted,
 * never thrown.
 */
import {
  RtcpPacketConverter,
  RtcpReceiverInfo,
  RtcpRrPacket,
  RtcpSenderInfo,
  RtcpSourceDescriptionPacket,
  RtcpSrPacket,
  SourceDescriptionChunk,
  SourceDescriptionItem,
} from 'werift-rtp';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
const SDES_CNAME = 1;
/** Seconds between 1900-01-01 (NTP epoch) and 1970-01-01. */
const NTP_UNIX_OFFSET = 2208988800;

/**
 * RFC 3550 A.2: every packet in the compound has version 2, the lengths add up exactly to the
 * datagram, and the first packet is an SR or RR. Minimum is one 8-byte RR header.
 */
export function isValidRtcpCompound(buf: Uint8Array, len: number): boolean {
  if (len < 8 || buf.length < len) return false;
  const pt0 = buf[1]!;
  if (pt0 !== RTCP_SR && pt0 !== RTCP_RR) return false;
  let off = 0;
  for (let guard = 0; guard < 64 && off < len; guard++) {
    if (off + 4 > len) return false;
    if (buf[off]! >> 6 !== 2) return false;
    const words = (buf[off + 2]! << 8) | buf[off + 3]!;
    off += 4 + words * 4;
  }
  return off === len;
}

/** 64-bit NTP timestamp for a Unix wall-clock time in ms. */
export function ntpFromUnixMs(ms: number): bigint {
  const secs = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - secs * 1000) / 1000) * 0x100000000);
  return (BigInt(secs + NTP_UNIX_OFFSET) << 32n) | BigInt(frac >>> 0);
}

/** The middle 32 bits of an NTP timestamp (the LSR field of a report block). */
export function ntpMiddle32(ntp: bigint): number {
  return Number((ntp >> 16n) & 0xffffffffn);
}

export interface ReportBlock {
  ssrc: number;
  fractionLost: number;
  packetsLost: number;
  highestSequence: number;
  jitter: number;
  lsr: number;
  dlsr: number;
}

export interface SenderInfoFields {
  ntp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

/** SR (if we sent media since the last report) or RR, followed by SDES CNAME: a compound packet. */
export function buildRtcpReport(ssrc: number, cname: string, sender: SenderInfoFields | undefined, blocks: ReportBlock[]): Buffer {
  const reports = blocks.map(
    (b) =>
      new RtcpReceiverInfo({
        ssrc: b.ssrc >>> 0,
        fractionLost: b.fractionLost & 0xff,
        // 24-bit signed cumulative loss, clamped (RFC 3550 §6.4.1).
        packetsLost: Math.max(0, Math.min(0x7fffff, b.packetsLost)),
        highestSequence: b.highestSequence >>> 0,
        jitter: Math.max(0, Math.floor(b.jitter)) >>> 0,
        lsr: b.lsr >>> 0,
        dlsr: b.dlsr >>> 0,
      }),
  );
  const first = sender
    ? new RtcpSrPacket({
        ssrc: ssrc >>> 0,
        senderInfo: new RtcpSenderInfo({
          ntpTimestamp: sender.ntp,
          rtpTimestamp: sender.rtpTimestamp >>> 0,
          packetCount: sender.packetCount >>> 0,
          octetCount: sender.octetCount >>> 0,
        }),
        reports,
      })
    : new RtcpRrPacket({ ssrc: ssrc >>> 0, reports });
  const sdes = new RtcpSourceDescriptionPacket({
    chunks: [
      new SourceDescriptionChunk({ source: ssrc >>> 0, items: [new SourceDescriptionItem({ type: SDES_CNAME, text: cname })] }),
    ],
  });
  return Buffer.concat([first.serialize(), sdes.serialize()]);
}

export interface ReceivedSenderReport {
  ssrc: number;
  ntp: bigint;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export interface ParsedRtcp {
  senderReports: ReceivedSenderReport[];
  /** Report blocks (from SRs and RRs) about our outgoing stream(s). */
  reportBlocks: ReportBlock[];
}

/** Parse a compound packet that passed isValidRtcpCompound. Returns undefined if werift throws. */
export function parseRtcp(buf: Buffer): ParsedRtcp | undefined {
  try {
    const out: ParsedRtcp = { senderReports: [], reportBlocks: [] };
    for (const p of RtcpPacketConverter.deSerialize(buf)) {
      if (p instanceof RtcpSrPacket) {
        out.senderReports.push({
          ssrc: p.ssrc,
          ntp: p.senderInfo.ntpTimestamp,
          rtpTimestamp: p.senderInfo.rtpTimestamp,
          packetCount: p.senderInfo.packetCount,
          octetCount: p.senderInfo.octetCount,
        });
        for (const r of p.reports) out.reportBlocks.push({ ...r });
      } else if (p instanceof RtcpRrPacket) {
        for (const r of p.reports) out.reportBlocks.push({ ...r });
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

/** RFC 3550 §6.3.1: randomise the interval to [0.5, 1.5] × the nominal one. */
export function randomizedInterval(nominalMs: number, rnd: () => number = Math.random): number {
  return nominalMs * (0.5 + rnd());
}
