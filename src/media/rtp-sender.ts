/**
 * The outbound RTP stream of a session: our SSRC, the last sequence number and timestamp sent, and
 * the counters an RTCP SR needs. Several producers (relay, transcoder, DTMF generator, playback)
 * may feed it in turn; `owner` says who fed it last, so the next producer knows to re-synchronise.
 *
 * RFC 3550 §5.1: sequence number and timestamp start at random values; the timestamp advances with
 * the sampling clock, also across silence, so after a gap it continues from the last value plus the
 * elapsed time (timestampAfterGap).
 */
import { random32 } from '../util/ids';

export class RtpSender {
  readonly ssrc: number;
  /** Last sequence number sent (the next one is seq + 1). */
  seq: number;
  /** Timestamp of the packet with `seq`. */
  ts: number;
  /** Clock time (ms) of the last send. */
  lastSentAt: number;
  packets = 0;
  /** Payload octets (RTCP SR sender's octet count). */
  octets = 0;
  packetsAtLastReport = 0;
  owner: object | null = null;

  constructor(ssrc: number | undefined, now: number) {
    this.ssrc = (ssrc ?? random32()) >>> 0;
    this.seq = random32() & 0x7fff; // RFC 3550 §5.1: random; keep far from wrap at start
    this.ts = random32();
    this.lastSentAt = now;
  }

  /**
   * The timestamp "now" on this stream: the last one plus the time elapsed since it was sent, and at
   * least `minStep` beyond it (a producer taking over must not reuse the last frame's timestamp).
   */
  timestampAfterGap(now: number, clockRate: number, minStep = 0): number {
    const elapsed = Math.max(0, now - this.lastSentAt);
    return (this.ts + Math.max(minStep, Math.round((elapsed * clockRate) / 1000))) >>> 0;
  }
}
