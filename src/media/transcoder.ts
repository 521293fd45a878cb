/**
 * Transcoding path, one direction: `from` leg's codec -> L16 -> resample -> `to` leg's codec
 * (behaviour doc §3.7: decode, "Activating write resampler", re-packetise when ptimes differ).
 *
 *   from.sink -> DecodePipe.put (jitter buffer)          arrival-driven
 *   Pacer(to.ptime) -> DecodePipe.read(frame) -> EncodeSender.send      one frame per output ptime
 *
 * The output cadence comes from the pacer alone, so loss, reordering and bursts on the input never
 * show up as bursts on the output; missing frames are concealed (codec.conceal), too-late packets
 * dropped, the buffer bounded (jitter-buffer.ts). When the input is idle the output stays silent but
 * its timestamp keeps advancing (RFC 3550 §5.1), and the next packet carries the marker bit.
 *
 * RFC 4733 events are translated on arrival: PT -> the other leg's telephone-event PT, timestamp ->
 * the output stream's timestamp at the event start (all packets of one event keep it, end-bit
 * retransmissions included), duration rescaled to the other leg's telephone-event clock.
 */
import type { Codec } from '../codec/types';
import type { Clock } from '../util/clock';
import { DecodePipe, EncodeSender, type DecodeStats, type EncodeStats } from './audio-pipe';
import { parseTelephoneEvent, writeTelephoneEvent } from './dtmf';
import type { JitterBufferOptions, JitterStats } from './jitter-buffer';
import { Pacer } from './pacer';
import type { RtpHeader } from './rtp-packet';
import type { RtpSession } from './rtp-session';
import { PacketKind, type CodecProvider, type LegMedia, type PacketKindCode } from './types';

export interface TranscodeStats {
  from: string;
  to: string;
  decode: DecodeStats;
  encode: EncodeStats;
  jitter: JitterStats;
  dtmfForwarded: number;
  dtmfDropped: number;
  /** Output ticks with nothing to send (input idle). */
  idleTicks: number;
  missedTicks: number;
}

function codecLabel(m: LegMedia): string {
  return `${m.codec.name}@${m.codec.clockRate}h@${m.codec.ptime}i`;
}

export class TranscodePath {
  private readonly decoder: Codec;
  private readonly encoder: Codec;
  private readonly decode: DecodePipe;
  private readonly encode: EncodeSender;
  private readonly pacer: Pacer;
  private readonly frame: Int16Array;
  private readonly dtmfInRate: number;
  private readonly dtmfOutRate: number;
  private dtmfInTs = -1;
  private dtmfOutTs = 0;
  private dtmfForwarded = 0;
  private dtmfDropped = 0;
  private idleTicks = 0;
  private closed = false;

  constructor(
    readonly from: RtpSession,
    readonly to: RtpSession,
    private readonly fromMedia: LegMedia,
    private readonly toMedia: LegMedia,
    provider: CodecProvider,
    clock: Clock,
    jitter?: Partial<JitterBufferOptions>,
    private readonly passDtmf = true,
  ) {
    this.decoder = provider.createCodec(fromMedia.codec);
    try {
      this.encoder = provider.createCodec(toMedia.codec);
    } catch (err) {
      this.decoder.close();
      throw err;
    }
    this.encode = new EncodeSender(to, toMedia, this.encoder);
    this.decode = new DecodePipe(this.decoder, this.encode.sampleRate, provider, jitter);
    this.frame = new Int16Array(this.encode.frameSamples);
    this.dtmfInRate = fromMedia.dtmfClockRate ?? fromMedia.codec.clockRate;
    this.dtmfOutRate = toMedia.dtmfClockRate ?? toMedia.codec.clockRate;
    this.pacer = new Pacer(clock, toMedia.codec.ptime, this.tick);
    this.pacer.start();
  }

  /** The PacketSink to install on `from`. */
  readonly sink = (pkt: Buffer, hdr: RtpHeader, kind: PacketKindCode, extSeq: number, now: number): void => {
    if (this.closed) return;
    if (kind === PacketKind.AUDIO) {
      this.decode.put(extSeq, pkt.subarray(hdr.payloadOffset, hdr.payloadOffset + hdr.payloadLength));
      return;
    }
    this.translateDtmf(pkt, hdr, now);
  };

  private translateDtmf(pkt: Buffer, hdr: RtpHeader, now: number): void {
    const outPt = this.passDtmf ? this.toMedia.dtmfPt : undefined;
    const ev = parseTelephoneEvent(pkt, hdr.payloadOffset, hdr.payloadLength);
    if (outPt === undefined || !ev) {
      this.dtmfDropped++;
      return;
    }
    let marker = false;
    if (hdr.timestamp !== this.dtmfInTs) {
      // A new event (RFC 4733 §2.5.1.2: identified by its timestamp): it starts "now" on the output.
      this.dtmfInTs = hdr.timestamp;
      this.dtmfOutTs = this.encode.currentTs(now);
      marker = true;
    }
    const payload = new Uint8Array(4);
    writeTelephoneEvent(payload, 0, {
      event: ev.event,
      end: ev.end,
      volume: ev.volume,
      duration: (ev.duration * this.dtmfOutRate) / this.dtmfInRate,
    });
    this.encode.sendOther(payload, outPt, this.dtmfOutTs, marker, now);
    this.dtmfForwarded++;
  }

  private readonly tick = (now: number, missed: number): void => {
    if (this.closed) return;
    if (missed > 0) {
      // We stalled (event loop blocked) for `missed` frame times. Their input has piled up in the
      // jitter buffer; play it late in a burst and the far end gets a burst, keep it and the delay
      // grows. Instead the stalled time is lost on both sides: skip it on the output timeline and
      // discard as much input, so cadence and delay stay what they were.
      this.encode.skip(missed, now);
      for (let i = 0; i < missed; i++) this.decode.read(this.frame, this.frame.length);
    }
    const n = this.decode.read(this.frame, this.frame.length);
    if (n > 0) {
      this.encode.send(this.frame, now);
    } else {
      this.idleTicks++;
      this.encode.skip(1, now);
    }
  };

  stats(): TranscodeStats {
    return {
      from: codecLabel(this.fromMedia),
      to: codecLabel(this.toMedia),
      decode: { ...this.decode.stats },
      encode: { ...this.encode.stats },
      jitter: { ...this.decode.jb.stats },
      dtmfForwarded: this.dtmfForwarded,
      dtmfDropped: this.dtmfDropped,
      idleTicks: this.idleTicks,
      missedTicks: this.pacer.missedTotal,
    };
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pacer.stop();
    this.decode.close();
    this.decoder.close();
    this.encoder.close();
  }
}
