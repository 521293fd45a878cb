/**
 * Read-only views over a parsed description that negotiation, hold detection and the endpoint
 * share: effective direction, connection, ptime, and the offered payload formats resolved
 * through a=rtpmap or the static table.
 */
import { parseDecimal } from './fields';
import { isRtpProto } from './parse';
import { isDynamicPt, staticPayload } from './static-payloads';
import type { Connection, Direction, MediaDescription, SessionDescription } from './types';

/** One payload format of an m= line, resolved to a name and rate. */
export interface OfferedFormat {
  pt: number;
  encoding: string;
  clockRate: number;
  channels: number;
  fmtp?: string;
  /** False when the name came from the RFC 3551 static table (no a=rtpmap line). */
  hasRtpmap: boolean;
}

/** RFC 3264 §5.1 / RFC 8866 §6.7: media-level attribute, else session-level, else sendrecv. */
export function mediaDirection(sdp: SessionDescription, m: MediaDescription): Direction {
  return m.direction ?? sdp.direction ?? 'sendrecv';
}

/** RFC 8866 §5.7: media-level c= overrides the session-level one. */
export function mediaConnection(sdp: SessionDescription, m: MediaDescription): Connection | undefined {
  return m.connection ?? sdp.connection;
}

export function sessionAttribute(sdp: SessionDescription, name: string): string | undefined {
  for (const a of sdp.attributes) if (a.name === name) return a.value ?? '';
  return undefined;
}

export function mediaAttribute(m: MediaDescription, name: string): string | undefined {
  for (const a of m.attributes) if (a.name === name) return a.value ?? '';
  return undefined;
}

/**
 * Packet times outside 10..120 ms are treated as absent: `a=ptime:0` and `a=ptime:100000`
 * must never size a buffer (security.md, CVE-2026-41416). Fractions round to whole ms.
 */
export const MIN_PTIME = 10;
export const MAX_PTIME = 120;

export function sanePtime(n: number | undefined): number | undefined {
  if (n === undefined || !Number.isFinite(n)) return undefined;
  const r = Math.round(n);
  return r >= MIN_PTIME && r <= MAX_PTIME ? r : undefined;
}

function sessionNumber(sdp: SessionDescription, name: string): number | undefined {
  const v = sessionAttribute(sdp, name);
  return v === undefined ? undefined : parseDecimal(v.trim());
}

/**
 * The remote's packet time for an m= line (freeswitch-behaviour.md §3.3): a=ptime at media or
 * session level, capped by a=maxptime; undefined when the remote did not state one.
 */
export function remotePtime(sdp: SessionDescription, m: MediaDescription): number | undefined {
  const ptime = sanePtime(m.ptime ?? sessionNumber(sdp, 'ptime'));
  const max = remoteMaxptime(sdp, m);
  if (ptime !== undefined && max !== undefined && ptime > max) return max;
  return ptime;
}

export function remoteMaxptime(sdp: SessionDescription, m: MediaDescription): number | undefined {
  return sanePtime(m.maxptime ?? sessionNumber(sdp, 'maxptime'));
}

/** Find `key` in `a=fmtp` parameters `k=v;k2=v2` (case-insensitive key). */
export function fmtpParam(params: string | undefined, key: string): string | undefined {
  if (!params) return undefined;
  const want = key.toLowerCase();
  let start = 0;
  // Bounded: parameters are one line, itself bounded by the parser's maxLineLength.
  while (start <= params.length) {
    let end = params.indexOf(';', start);
    if (end < 0) end = params.length;
    const item = params.slice(start, end);
    const eq = item.indexOf('=');
    if (eq > 0 && item.slice(0, eq).trim().toLowerCase() === want) return item.slice(eq + 1).trim();
    start = end + 1;
  }
  return undefined;
}

/**
 * The payload formats of an RTP m= line in offer order, with names and rates. A dynamic PT
 * without a=rtpmap cannot be understood and is left out; a static PT without one takes its
 * RFC 3551 name. Duplicate PTs were already dropped by the parser.
 */
export function offeredFormats(m: MediaDescription): OfferedFormat[] {
  if (!isRtpProto(m.proto)) return [];
  const out: OfferedFormat[] = [];
  for (const f of m.formats) {
    const pt = Number(f);
    const map = m.rtpmaps.find((r) => r.pt === pt);
    const fmtp = m.fmtps.find((x) => x.pt === pt)?.params;
    let of: OfferedFormat | undefined;
    if (map) {
      of = { pt, encoding: map.encoding, clockRate: map.clockRate, channels: map.channels ?? 1, hasRtpmap: true };
    } else if (!isDynamicPt(pt)) {
      const st = staticPayload(pt);
      if (st) of = { pt, encoding: st.encoding, clockRate: st.clockRate, channels: st.channels ?? 1, hasRtpmap: false };
    }
    if (of === undefined) continue;
    if (fmtp !== undefined) of.fmtp = fmtp;
    out.push(of);
  }
  return out;
}

interface DirFlags {
  send: boolean;
  recv: boolean;
}

function flags(d: Direction): DirFlags {
  return { send: d === 'sendrecv' || d === 'sendonly', recv: d === 'sendrecv' || d === 'recvonly' };
}

function fromFlags(f: DirFlags): Direction {
  if (f.send && f.recv) return 'sendrecv';
  if (f.send) return 'sendonly';
  if (f.recv) return 'recvonly';
  return 'inactive';
}

/** RFC 3264 §6.1: sendonly ⇄ recvonly, inactive and sendrecv unchanged. */
export function mirrorDirection(d: Direction): Direction {
  const f = flags(d);
  return fromFlags({ send: f.recv, recv: f.send });
}

/** Both sides' wishes: send only if both allow sending, receive only if both allow receiving. */
export function intersectDirections(a: Direction, b: Direction): Direction {
  const x = flags(a);
  const y = flags(b);
  return fromFlags({ send: x.send && y.send, recv: x.recv && y.recv });
}

export function directionSends(d: Direction): boolean {
  return flags(d).send;
}

export function directionReceives(d: Direction): boolean {
  return flags(d).recv;
}
