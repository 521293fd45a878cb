/**
 * RFC 4733 telephone-events (DTMF named events, §3): payload parse/build, a receiver that turns the
 * packet stream into start/end events, and the packet plan for generating an event.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     event     |E|R| volume    |          duration             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * One event is identified by its RTP timestamp (the event's start, §2.5.1.2); every packet of the
 * event repeats it with a growing duration; the end packet (E=1) is sent three times (§2.5.1.4).
 */

export const DTMF_PAYLOAD_SIZE = 4;
const DIGITS = '0123456789*#ABCD';

/** Event code (0..15) for a DTMF character, or -1. */
export function dtmfCode(ch: string): number {
  const c = ch.length === 1 ? ch.toUpperCase() : '';
  const i = c === '' ? -1 : DIGITS.indexOf(c);
  return i;
}

/** DTMF character for an event code, or '' for codes outside 0..15 (e.g. 16 = flash). */
export function dtmfDigit(code: number): string {
  return code >= 0 && code < 16 ? DIGITS[code]! : '';
}

export interface TelephoneEventPayload {
  event: number;
  end: boolean;
  volume: number;
  duration: number;
}

/** Parse the first event of a telephone-event payload; undefined if shorter than 4 bytes. */
export function parseTelephoneEvent(buf: Uint8Array, off: number, len: number): TelephoneEventPayload | undefined {
  if (len < DTMF_PAYLOAD_SIZE || off + DTMF_PAYLOAD_SIZE > buf.length) return undefined;
  const b1 = buf[off + 1]!;
  return {
    event: buf[off]!,
    end: (b1 & 0x80) !== 0,
    volume: b1 & 0x3f,
    duration: (buf[off + 2]! << 8) | buf[off + 3]!,
  };
}

export function writeTelephoneEvent(out: Uint8Array, off: number, e: TelephoneEventPayload): void {
  out[off] = e.event & 0xff;
  out[off + 1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  const d = Math.max(0, Math.min(0xffff, Math.round(e.duration)));
  out[off + 2] = d >>> 8;
  out[off + 3] = d & 0xff;
}

/** A DTMF event as the layers above see it. */
export interface DtmfEvent {
  /** '0'-'9', '*', '#', 'A'-'D'; '' for non-DTMF events (code >= 16). */
  digit: string;
  code: number;
  /** false at the event's first packet, true once at its end. */
  end: boolean;
  /** Duration so far (final duration when end) in timestamp units and in milliseconds. */
  duration: number;
  durationMs: number;
  volume: number;
  /** RTP timestamp that identifies the event. */
  timestamp: number;
  /** true when the end was inferred (a new event started, or flush()) instead of received. */
  endInferred?: boolean;
}

export const DtmfPacketKind = {
  START: 0,
  CONTINUE: 1,
  END: 2,
  /** A retransmitted end packet or a packet of an event already ended. */
  REPEAT: 3,
  MALFORMED: 4,
} as const;
export type DtmfPacketKindCode = (typeof DtmfPacketKind)[keyof typeof DtmfPacketKind];

/** Turns the telephone-event packet stream of one source into start/end DtmfEvents. */
export class DtmfReceiver {
  private active = false;
  private ended = true;
  private curTs = 0;
  private curCode = -1;
  private curDuration = 0;
  private curVolume = 0;
  private lastEndedTs = -1;
  events = 0;

  constructor(private readonly emit: (e: DtmfEvent) => void) {}

  handle(buf: Uint8Array, off: number, len: number, ts: number, clockRate: number): DtmfPacketKindCode {
    const p = parseTelephoneEvent(buf, off, len);
    if (!p) return DtmfPacketKind.MALFORMED;
    if (this.active && ts === this.curTs && p.event === this.curCode) {
      if (this.ended) return DtmfPacketKind.REPEAT;
      if (p.duration > this.curDuration) this.curDuration = p.duration;
      if (!p.end) return DtmfPacketKind.CONTINUE;
      this.ended = true;
      this.lastEndedTs = ts;
      this.fire(true, clockRate, false);
      return DtmfPacketKind.END;
    }
    // A late retransmission of the previous event's end after a newer one started: ignore.
    if (p.end && ts === this.lastEndedTs) return DtmfPacketKind.REPEAT;
    if (this.active && !this.ended) this.fire(true, clockRate, true);
    this.active = true;
    this.ended = false;
    this.curTs = ts;
    this.curCode = p.event;
    this.curDuration = p.duration;
    this.curVolume = p.volume;
    this.events++;
    this.fire(false, clockRate, false);
    if (p.end) {
      this.ended = true;
      this.lastEndedTs = ts;
      this.fire(true, clockRate, false);
      return DtmfPacketKind.END;
    }
    return DtmfPacketKind.START;
  }

  /** End an event whose end packets never came (call on media timeout / close). */
  flush(clockRate: number): void {
    if (this.active && !this.ended) {
      this.ended = true;
      this.fire(true, clockRate, true);
    }
  }

  private fire(end: boolean, clockRate: number, inferred: boolean): void {
    const e: DtmfEvent = {
      digit: dtmfDigit(this.curCode),
      code: this.curCode,
      end,
      duration: this.curDuration,
      durationMs: Math.round((this.curDuration * 1000) / clockRate),
      volume: this.curVolume,
      timestamp: this.curTs,
    };
    if (inferred) e.endInferred = true;
    this.emit(e);
  }
}

/** One packet of a generated event. */
export interface DtmfPacketPlanStep {
  /** Offset from the event start in ms at which to send it. */
  atMs: number;
  marker: boolean;
  payload: TelephoneEventPayload;
}

/**
 * The packets that carry one event of `durationMs` (RFC 4733 §2.5.1): the first with the marker
 * bit, one per `intervalMs` with the duration so far, and the end packet three times.
 */
export function planDtmfPackets(
  code: number,
  durationMs: number,
  intervalMs: number,
  clockRate: number,
  volume = 10,
): DtmfPacketPlanStep[] {
  const total = Math.max(1, Math.min(0xffff, Math.round((durationMs * clockRate) / 1000)));
  const step = Math.max(1, Math.round((intervalMs * clockRate) / 1000));
  const steps: DtmfPacketPlanStep[] = [];
  let dur = step;
  let at = 0;
  while (dur < total) {
    steps.push({ atMs: at, marker: at === 0, payload: { event: code, end: false, volume, duration: dur } });
    dur += step;
    at += intervalMs;
  }
  for (let i = 0; i < 3; i++) {
    steps.push({ atMs: at, marker: at === 0 && i === 0, payload: { event: code, end: true, volume, duration: total } });
    at += intervalMs;
  }
  return steps;
}
