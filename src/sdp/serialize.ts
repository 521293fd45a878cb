/**
 * Deterministic SDP writer: the same model always gives the same bytes, CRLF line ends
 * (RFC 8866 §5), and parseSdp(serializeSdp(x)) gives back x (for models parseSdp can produce).
 *
 * Line order follows RFC 8866 §5: v o s i u e p c b t r z k a*, then per media m i c b k a*.
 * Within a media section: rtpmap/fmtp per format in m= order, then ptime, maxptime, rtcp, the
 * other attributes in their stored order, then the direction attribute.
 *
 * Text fields are checked for CR, LF and NUL so a value from configuration or from another leg
 * can never inject lines (throws StrowgerError SDP_PARSE "invalid SDP model").
 */
import { StrowgerError } from '../util/errors';
import { formatConnection } from './fields';
import type { Attribute, Bandwidth, MediaDescription, Origin, SessionDescription } from './types';

function invalid(what: string): never {
  throw new StrowgerError('SDP_PARSE', `invalid SDP model: ${what}`);
}

/**
 * False during serializeSdp's first pass, which checks the finished text once (wellFormed) instead
 * of every line as it is built: scanning each freshly concatenated line flattened it first, and
 * that was most of the serializer's time. Any doubt sends it to the checked pass.
 */
let checkLines = true;

function text(s: string, what: string): string {
  if (!checkLines) return s;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) invalid(`${what} contains a line break or NUL`);
  }
  return s;
}

function uint(n: number, max: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > max) invalid(`${what} out of range`);
  return n;
}

function ptimeText(n: number, what: string): string {
  if (!Number.isFinite(n) || n < 0) invalid(`${what} out of range`);
  return String(n);
}

export function formatOrigin(o: Origin): string {
  return text(`${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`, 'o=');
}

function attr(a: Attribute): string {
  return text(a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`, 'attribute');
}

function bw(b: Bandwidth): string {
  return text(`b=${b.type}:${uint(b.value, 0xffffffff, 'bandwidth')}`, 'b=');
}

/** a=rtpmap and a=fmtp of one payload type, once (`written` holds the PTs already written). */
function writeFormat(m: MediaDescription, pt: number, written: number[], out: string[]): void {
  if (written.includes(pt)) return;
  written.push(pt);
  const maps = m.rtpmaps;
  for (let i = 0; i < maps.length; i++) {
    const r = maps[i]!;
    if (r.pt !== pt) continue;
    const ch = r.channels !== undefined ? `/${uint(r.channels, 255, 'channels')}` : '';
    out.push(text(`a=rtpmap:${uint(pt, 127, 'payload type')} ${r.encoding}/${uint(r.clockRate, 0x7fffffff, 'clock rate')}${ch}`, 'rtpmap'));
    break;
  }
  const fmtps = m.fmtps;
  for (let i = 0; i < fmtps.length; i++) {
    const f = fmtps[i]!;
    if (f.pt !== pt) continue;
    out.push(text(f.params === '' ? `a=fmtp:${pt}` : `a=fmtp:${pt} ${f.params}`, 'fmtp'));
    break;
  }
}

function mediaLines(m: MediaDescription, out: string[]): void {
  const port = uint(m.port, 65535, 'm= port');
  const portText = m.numPorts !== undefined ? `${port}/${uint(m.numPorts, 65535, 'm= port count')}` : `${port}`;
  out.push(text(`m=${m.type} ${portText} ${m.proto}${m.formats.length ? ' ' + m.formats.join(' ') : ''}`, 'm='));
  if (m.title !== undefined) out.push(text(`i=${m.title}`, 'i='));
  if (m.connection) out.push(text(`c=${formatConnection(m.connection)}`, 'c='));
  for (const b of m.bandwidths) out.push(bw(b));
  if (m.key !== undefined) out.push(text(`k=${m.key}`, 'k='));
  const written: number[] = [];
  for (const f of m.formats) {
    const pt = Number(f);
    if (Number.isInteger(pt) && f.length > 0) writeFormat(m, pt, written, out);
  }
  // Mappings for payload types not listed in m= (legal, if odd): keep them, in stored order.
  for (const r of m.rtpmaps) writeFormat(m, r.pt, written, out);
  for (const f of m.fmtps) writeFormat(m, f.pt, written, out);
  if (m.ptime !== undefined) out.push(`a=ptime:${ptimeText(m.ptime, 'ptime')}`);
  if (m.maxptime !== undefined) out.push(`a=maxptime:${ptimeText(m.maxptime, 'maxptime')}`);
  if (m.rtcp) {
    const c = m.rtcp.connection ? ` ${formatConnection(m.rtcp.connection)}` : '';
    out.push(text(`a=rtcp:${uint(m.rtcp.port, 65535, 'rtcp port')}${c}`, 'a=rtcp'));
  }
  for (const a of m.attributes) out.push(attr(a));
  if (m.direction) out.push(`a=${m.direction}`);
}

/**
 * True when `s` is exactly `lines` lines each ended by CRLF, with no other CR or LF and no NUL:
 * then no field put a line break or NUL into a line (a field with CRLF would add a line).
 */
function wellFormed(s: string, lines: number): boolean {
  let crlf = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x0d) continue;
    if (c === 0x0d) {
      if (s.charCodeAt(i + 1) !== 0x0a) return false;
      crlf++;
      i++;
    } else if (c === 0x0a || c === 0) {
      return false;
    }
  }
  return crlf === lines;
}

export function serializeSdp(sdp: SessionDescription): string {
  let out: string[] | undefined;
  let s = '';
  checkLines = false;
  try {
    out = sdpLines(sdp);
    s = out.join('\r\n') + '\r\n';
  } catch {
    out = undefined;
  } finally {
    checkLines = true;
  }
  if (out !== undefined && wellFormed(s, out.length)) return s;
  // Something is wrong with the model: build it again checking every line, which throws the
  // error a line-by-line check gives (the first bad line or value, in line order).
  return sdpLines(sdp).join('\r\n') + '\r\n';
}

function sdpLines(sdp: SessionDescription): string[] {
  const out: string[] = [];
  out.push(`v=${uint(sdp.version, 9, 'version')}`);
  out.push(`o=${formatOrigin(sdp.origin)}`);
  out.push(text(`s=${sdp.sessionName === '' ? '-' : sdp.sessionName}`, 's='));
  if (sdp.info !== undefined) out.push(text(`i=${sdp.info}`, 'i='));
  if (sdp.uri !== undefined) out.push(text(`u=${sdp.uri}`, 'u='));
  for (const e of sdp.emails) out.push(text(`e=${e}`, 'e='));
  for (const p of sdp.phones) out.push(text(`p=${p}`, 'p='));
  if (sdp.connection) out.push(text(`c=${formatConnection(sdp.connection)}`, 'c='));
  for (const b of sdp.bandwidths) out.push(bw(b));
  const times = sdp.times.length ? sdp.times : [{ start: '0', stop: '0', repeats: [] }];
  for (const t of times) {
    out.push(text(`t=${t.start} ${t.stop}`, 't='));
    for (const r of t.repeats) out.push(text(`r=${r}`, 'r='));
  }
  if (sdp.zone !== undefined) out.push(text(`z=${sdp.zone}`, 'z='));
  if (sdp.key !== undefined) out.push(text(`k=${sdp.key}`, 'k='));
  for (const a of sdp.attributes) out.push(attr(a));
  if (sdp.direction) out.push(`a=${sdp.direction}`);
  for (const m of sdp.media) mediaLines(m, out);
  return out;
}

/** Deep copy of a model (plain data; safe to mutate the copy). */
export function cloneSdp(sdp: SessionDescription): SessionDescription {
  return structuredClone(sdp);
}

/** Decimal string + 1, for session versions beyond 2^53. */
function incrementDecimal(s: string): string {
  return (BigInt(s) + 1n).toString();
}

/**
 * RFC 3264 §8: each new offer/answer in a session carries the previous version + 1 when the
 * description changed, and the same version when it did not.
 * Returns a copy of `next` whose o= line continues `previous` (same username/session id).
 */
export function nextSdpVersion(previous: SessionDescription | undefined, next: SessionDescription): SessionDescription {
  const out = cloneSdp(next);
  if (!previous) return out;
  out.origin.username = previous.origin.username;
  out.origin.sessionId = previous.origin.sessionId;
  out.origin.sessionVersion = previous.origin.sessionVersion;
  if (serializeSdp(out) !== serializeSdp(previous)) {
    out.origin.sessionVersion = incrementDecimal(previous.origin.sessionVersion);
  }
  return out;
}

/** A copy with the o= version bumped by one (for a re-offer known to differ). */
export function bumpOriginVersion(sdp: SessionDescription): SessionDescription {
  const out = cloneSdp(sdp);
  out.origin.sessionVersion = incrementDecimal(sdp.origin.sessionVersion);
  return out;
}
