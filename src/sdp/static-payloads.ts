/**
 * Static RTP payload types (RFC 3551 §6, Tables 4 and 5) and a few codec facts negotiation needs.
 * A static PT may appear in `m=` without an `a=rtpmap` (RFC 8866 §6.6); this table names it.
 */

export interface StaticPayload {
  encoding: string;
  clockRate: number;
  channels?: number;
}

const TABLE: ReadonlyMap<number, StaticPayload> = new Map<number, StaticPayload>([
  [0, { encoding: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { encoding: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { encoding: 'G723', clockRate: 8000, channels: 1 }],
  [5, { encoding: 'DVI4', clockRate: 8000, channels: 1 }],
  [6, { encoding: 'DVI4', clockRate: 16000, channels: 1 }],
  [7, { encoding: 'LPC', clockRate: 8000, channels: 1 }],
  [8, { encoding: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { encoding: 'G722', clockRate: 8000, channels: 1 }],
  [10, { encoding: 'L16', clockRate: 44100, channels: 2 }],
  [11, { encoding: 'L16', clockRate: 44100, channels: 1 }],
  [12, { encoding: 'QCELP', clockRate: 8000, channels: 1 }],
  [13, { encoding: 'CN', clockRate: 8000, channels: 1 }],
  [14, { encoding: 'MPA', clockRate: 90000 }],
  [15, { encoding: 'G728', clockRate: 8000, channels: 1 }],
  [16, { encoding: 'DVI4', clockRate: 11025, channels: 1 }],
  [17, { encoding: 'DVI4', clockRate: 22050, channels: 1 }],
  [18, { encoding: 'G729', clockRate: 8000, channels: 1 }],
  [25, { encoding: 'CelB', clockRate: 90000 }],
  [26, { encoding: 'JPEG', clockRate: 90000 }],
  [28, { encoding: 'nv', clockRate: 90000 }],
  [31, { encoding: 'H261', clockRate: 90000 }],
  [32, { encoding: 'MPV', clockRate: 90000 }],
  [33, { encoding: 'MP2T', clockRate: 90000 }],
  [34, { encoding: 'H263', clockRate: 90000 }],
]);

export function staticPayload(pt: number): StaticPayload | undefined {
  return TABLE.get(pt);
}

/** The static PT for an encoding at a clock rate, if RFC 3551 assigns one. */
export function staticPtFor(encoding: string, clockRate: number, channels = 1): number | undefined {
  const want = encoding.toLowerCase();
  for (const [pt, p] of TABLE) {
    if (p.encoding.toLowerCase() === want && p.clockRate === clockRate && (p.channels ?? 1) === channels) return pt;
  }
  return undefined;
}

/** RFC 3551 §3: 96..127 are dynamic. */
export const FIRST_DYNAMIC_PT = 96;
export const LAST_DYNAMIC_PT = 127;

export function isDynamicPt(pt: number): boolean {
  return pt >= FIRST_DYNAMIC_PT;
}

/**
 * Default packet time for a codec (freeswitch-behaviour.md §3.1): 20 ms, except iLBC, iSAC and
 * G723 which default to 30 ms.
 */
export function defaultPtime(name: string): number {
  const n = name.toLowerCase();
  return n === 'ilbc' || n === 'isac' || n === 'g723' ? 30 : 20;
}

export function sameName(a: string, b: string): boolean {
  return a.length === b.length && a.toLowerCase() === b.toLowerCase();
}

export function isTelephoneEvent(name: string): boolean {
  return sameName(name, 'telephone-event');
}

export function isComfortNoise(name: string): boolean {
  return sameName(name, 'CN');
}

export function isOpus(name: string): boolean {
  return sameName(name, 'opus');
}

/** RFC 7587 §7: opus is always written `opus/48000/2` in SDP whatever the actual audio rate. */
export const OPUS_SDP_CLOCK = 48000;
