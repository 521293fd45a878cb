/**
 * The codecs Strowger knows, as data: canonical SDP name, payload type, clock and audio rates, and
 * which modifiers a FreeSWITCH codec string may apply (freeswitch-behaviour.md §3.1).
 */
import type { CodecDescription } from './types';

export interface CodecInfo {
  /** Canonical IANA name (RFC 3551 / RFC 4733 / RFC 7587 case). */
  readonly name: string;
  readonly staticPt?: number;
  /** Default SDP clock rate and audio rate. */
  readonly clockRate: number;
  readonly sampleRate: number;
  /** Audio rates accepted after `@<rate>h`; for G722 both 8000 (SDP convention) and 16000 mean 16 kHz audio. */
  readonly rates: readonly number[];
  /** True when the SDP clock rate stays fixed whatever audio rate is chosen (G722 8000, opus 48000). */
  readonly fixedClock: boolean;
  readonly defaultPtime: number;
  readonly ptimes: readonly number[];
  readonly channels: readonly number[];
  /** Fixed bitrate (G.711, G.722) or the allowed range (opus); undefined = no bitrate modifier. */
  readonly bitrate?: number;
  readonly bitrateRange?: readonly [number, number];
  readonly defaultFmtp?: string;
  /** False for telephone-event: described, never encoded or decoded here. */
  readonly audio: boolean;
}

const TEN_TO_120 = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120] as const;

export const CODECS: readonly CodecInfo[] = [
  // RFC 3551 §4.5.14, Table 4: PCMU PT 0, PCMA PT 8, 8000 Hz.
  { name: 'PCMU', staticPt: 0, clockRate: 8000, sampleRate: 8000, rates: [8000], fixedClock: false, defaultPtime: 20, ptimes: TEN_TO_120, channels: [1], bitrate: 64000, audio: true },
  { name: 'PCMA', staticPt: 8, clockRate: 8000, sampleRate: 8000, rates: [8000], fixedClock: false, defaultPtime: 20, ptimes: TEN_TO_120, channels: [1], bitrate: 64000, audio: true },
  // RFC 3551 §4.5.2: G722 PT 9, RTP clock 8000 "for historical reasons", sampled at 16 kHz.
  { name: 'G722', staticPt: 9, clockRate: 8000, sampleRate: 16000, rates: [8000, 16000], fixedClock: true, defaultPtime: 20, ptimes: TEN_TO_120, channels: [1], bitrate: 64000, audio: true },
  // RFC 7587 §7: opus/48000/2 in SDP whatever the audio; we decode/encode at 48, 16 or 8 kHz.
  { name: 'opus', clockRate: 48000, sampleRate: 48000, rates: [48000, 16000, 8000], fixedClock: true, defaultPtime: 20, ptimes: [10, 20, 40, 60], channels: [1, 2], bitrateRange: [6000, 510000], audio: true },
  // RFC 3551 §4.5.11: L16, network byte order; dynamic PT at the rates we resample to.
  { name: 'L16', clockRate: 8000, sampleRate: 8000, rates: [8000, 16000, 48000], fixedClock: false, defaultPtime: 20, ptimes: TEN_TO_120, channels: [1], audio: true },
  // RFC 4733: described only; events are media's business.
  { name: 'telephone-event', clockRate: 8000, sampleRate: 8000, rates: [8000, 16000, 48000], fixedClock: false, defaultPtime: 20, ptimes: TEN_TO_120, channels: [1], defaultFmtp: '0-15', audio: false },
];

const BY_LOWER = new Map<string, CodecInfo>(CODECS.map((c) => [c.name.toLowerCase(), c]));

/** Case-insensitive lookup ('OPUS' -> opus). */
export function findCodec(name: string): CodecInfo | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

/** The default description of a known codec (ptime 20, default rates), or undefined. */
export function defaultDescription(name: string): CodecDescription | undefined {
  const info = findCodec(name);
  if (!info) return undefined;
  return describe(info, {});
}

export interface DescribeOverrides {
  rate?: number;
  ptime?: number;
  channels?: number;
  bitrate?: number;
  fmtp?: string;
}

/** Build a CodecDescription from registry data plus already-validated overrides. */
export function describe(info: CodecInfo, o: DescribeOverrides): CodecDescription {
  let sampleRate = info.sampleRate;
  let clockRate = info.clockRate;
  if (o.rate !== undefined) {
    if (info.name === 'G722') sampleRate = 16000; // @8000h and @16000h both name the one G.722
    else sampleRate = o.rate;
    if (!info.fixedClock) clockRate = o.rate;
  }
  const d: CodecDescription = {
    name: info.name,
    clockRate,
    sampleRate,
    channels: o.channels ?? 1,
    ptime: o.ptime ?? info.defaultPtime,
  };
  if (info.staticPt !== undefined) d.staticPt = info.staticPt;
  const bitrate = o.bitrate ?? info.bitrate;
  if (bitrate !== undefined) d.bitrate = bitrate;
  const fmtp = o.fmtp ?? info.defaultFmtp;
  if (fmtp !== undefined) d.fmtp = fmtp;
  return d;
}
