/**
 * Same-codec relay, one direction: packets accepted on `from` leave on `to` with the payload
 * untouched and the header rewritten in place:
 *   PT      translated (audio PT and telephone-event PT may differ between legs, e.g. opus 111 vs 96,
 *           telephone-event 101 vs 96); a PT the other leg did not negotiate is dropped and counted;
 *   SSRC    `to`'s own SSRC;
 *   seq/ts  input + offset. The offsets are (re)computed when the source SSRC changes (re-INVITE,
 *           endpoint restart), when the source's sequence jumps (RFC 3550 A.1 restart), or when
 *           another producer used `to`'s stream meanwhile: the output then continues at last seq + 1
 *           and last ts + elapsed time, with the marker bit set (RFC 3551 §4.1: start of a new
 *           talkspurt), so the receiver sees one continuous stream.
 * Gaps and reordering of the input are preserved (offset mapping), so the far end can conceal.
 *
 * Used for bridges whose legs share the codec (MediaBridge) and for echo (from === to).
 */
import { MAX_DROPOUT, MAX_MISORDER } from './receive-stats';
import { rewriteRtpHeader, type RtpHeader } from './rtp-packet';
import type { RtpSession } from './rtp-session';
import { PacketKind, type LegMedia, type PacketKindCode } from './types';

export interface RelayStats {
  forwarded: number;
  dtmfForwarded: number;
  /** PT with no counterpart on the other leg (e.g. telephone-event the other leg lacks). */
  droppedNoPt: number;
  resyncs: number;
}

/** Map of inbound PT on `from` -> outbound PT on `to` for a same-codec relay; -1 = drop. */
export function relayPtMap(from: LegMedia, to: LegMedia, passDtmf = true): Int16Array {
  const map = new Int16Array(128).fill(-1);
  map[(from.recvPt ?? from.pt) & 0x7f] = to.pt;
  const dtmfIn = from.dtmfRecvPt ?? from.dtmfPt;
  if (passDtmf && dtmfIn !== undefined && to.dtmfPt !== undefined) map[dtmfIn & 0x7f] = to.dtmfPt;
  return map;
}

export class RelayPath {
  readonly stats: RelayStats = { forwarded: 0, dtmfForwarded: 0, droppedNoPt: 0, resyncs: 0 };
  private inSsrc = -1;
  private seqOffset = 0;
  private tsOffset = 0;
  private readonly frameTs: number;
  private readonly clockRate: number;
  private closed = false;

  constructor(
    private readonly from: RtpSession,
    private readonly to: RtpSession,
    private readonly ptMap: Int16Array,
    media: LegMedia,
  ) {
    this.clockRate = media.codec.clockRate;
    this.frameTs = Math.round((media.codec.ptime * media.codec.clockRate) / 1000);
  }

  /** The PacketSink to install on `from`. */
  readonly sink = (pkt: Buffer, hdr: RtpHeader, kind: PacketKindCode, _extSeq: number, now: number): void => {
    if (this.closed) return;
    const outPt = this.ptMap[hdr.payloadType]!;
    if (outPt < 0) {
      this.stats.droppedNoPt++;
      return;
    }
    const to = this.to;
    const sender = to.sender;
    let marker = hdr.marker;
    let outSeq = (hdr.sequenceNumber + this.seqOffset) & 0xffff;
    // Mapped sequence far from the stream's last one: ahead by more than MAX_DROPOUT or behind by
    // more than MAX_MISORDER (RFC 3550 A.1) means the source restarted its numbering.
    const ahead = (outSeq - sender.seq) & 0xffff;
    const jumped = ahead > MAX_DROPOUT && ahead < 0x10000 - MAX_MISORDER;
    if (hdr.ssrc !== this.inSsrc || sender.owner !== this || jumped) {
      to.claimSender(this);
      this.inSsrc = hdr.ssrc;
      const seq = (sender.seq + 1) & 0xffff;
      const ts = sender.timestampAfterGap(now, this.clockRate, this.frameTs);
      this.seqOffset = (seq - hdr.sequenceNumber) & 0xffff;
      this.tsOffset = (ts - hdr.timestamp) >>> 0;
      outSeq = seq;
      marker = true;
      this.stats.resyncs++;
    }
    const outTs = (hdr.timestamp + this.tsOffset) >>> 0;
    rewriteRtpHeader(pkt, outPt, marker, outSeq, outTs, sender.ssrc);
    to.sendRtpPacket(pkt, hdr.payloadLength, outSeq, outTs, this, now);
    if (kind === PacketKind.DTMF) this.stats.dtmfForwarded++;
    else this.stats.forwarded++;
  };

  close(): void {
    this.closed = true;
  }
}
