/**
 * RTP fixed header, read and written by hand (RFC 3550 §5.1). This is the per-packet path: no
 * allocation on parse (the caller passes a reusable RtpHeader), no exceptions (a malformed packet
 * returns an RtpParseError code that the caller counts).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      defined by profile       |            length             |  (X=1, RFC 3550 §5.3.1;
 * |                        header extension                       |   length in 32-bit words)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           payload  ...  | padding | pad count |  (P=1: last octet = count,
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+   including itself)
 */

export const RTP_HEADER_MIN = 12;
export const RTP_VERSION = 2;

/** Why a datagram was not accepted as RTP. 0 = OK. */
export const RtpParseError = {
  OK: 0,
  TOO_SHORT: 1,
  BAD_VERSION: 2,
  /** CSRC list runs past the end of the datagram. */
  BAD_CSRC: 3,
  /** Header extension (header or declared length) runs past the end of the datagram. */
  BAD_EXTENSION: 4,
  /** Padding count 0 or larger than what follows the header. */
  BAD_PADDING: 5,
} as const;
export type RtpParseErrorCode = (typeof RtpParseError)[keyof typeof RtpParseError];

/** A parsed header. Reused across packets on the hot path: copy what you keep. */
export class RtpHeader {
  padding = false;
  extension = false;
  csrcCount = 0;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  /** 16-bit "defined by profile" field of the header extension (0xBEDE = RFC 8285 one-byte). */
  extensionProfile = 0;
  /** Byte offset of the extension data (after its 4-byte header), 0 if none. */
  extensionOffset = 0;
  /** Length of the extension data in bytes (excluding its 4-byte header). */
  extensionLength = 0;
  /** Total header length: 12 + 4*CC + extension. */
  headerLength = RTP_HEADER_MIN;
  payloadOffset = RTP_HEADER_MIN;
  payloadLength = 0;
  paddingLength = 0;
}

/**
 * Parse the RTP header of `buf[0..len)` into `out`. Returns RtpParseError.OK or a reason code.
 * Never throws, never allocates.
 */
export function parseRtpHeader(buf: Uint8Array, len: number, out: RtpHeader): RtpParseErrorCode {
  if (len < RTP_HEADER_MIN || buf.length < len) return RtpParseError.TOO_SHORT;
  const b0 = buf[0]!;
  if (b0 >> 6 !== RTP_VERSION) return RtpParseError.BAD_VERSION;
  const b1 = buf[1]!;
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  let off = RTP_HEADER_MIN + cc * 4;
  if (off > len) return RtpParseError.BAD_CSRC;
  let extProfile = 0;
  let extOffset = 0;
  let extLen = 0;
  if (extension) {
    if (off + 4 > len) return RtpParseError.BAD_EXTENSION;
    extProfile = (buf[off]! << 8) | buf[off + 1]!;
    extLen = ((buf[off + 2]! << 8) | buf[off + 3]!) * 4;
    extOffset = off + 4;
    off = extOffset + extLen;
    if (off > len) return RtpParseError.BAD_EXTENSION;
  }
  let padLen = 0;
  if (padding) {
    // RFC 3550 §5.1: the last octet counts the padding, itself included.
    padLen = buf[len - 1]!;
    if (padLen === 0 || off + padLen > len) return RtpParseError.BAD_PADDING;
  }
  out.padding = padding;
  out.extension = extension;
  out.csrcCount = cc;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequenceNumber = (buf[2]! << 8) | buf[3]!;
  out.timestamp = ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0;
  out.ssrc = ((buf[8]! << 24) | (buf[9]! << 16) | (buf[10]! << 8) | buf[11]!) >>> 0;
  out.extensionProfile = extProfile;
  out.extensionOffset = extOffset;
  out.extensionLength = extLen;
  out.headerLength = off;
  out.payloadOffset = off;
  out.payloadLength = len - off - padLen;
  out.paddingLength = padLen;
  return RtpParseError.OK;
}

/** The i-th CSRC of a packet parsed into `h` (0 <= i < h.csrcCount). */
export function readCsrc(buf: Uint8Array, i: number): number {
  const o = RTP_HEADER_MIN + i * 4;
  return ((buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!) >>> 0;
}

// ---- in-place rewriting (relay path) ----

export function writeU16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 8) & 0xff;
  buf[off + 1] = v & 0xff;
}

export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 24) & 0xff;
  buf[off + 1] = (v >>> 16) & 0xff;
  buf[off + 2] = (v >>> 8) & 0xff;
  buf[off + 3] = v & 0xff;
}

/** Rewrite PT, marker, sequence number, timestamp and SSRC of an already-valid packet in place. */
export function rewriteRtpHeader(
  buf: Uint8Array,
  pt: number,
  marker: boolean,
  seq: number,
  ts: number,
  ssrc: number,
): void {
  buf[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  writeU16(buf, 2, seq);
  writeU32(buf, 4, ts);
  writeU32(buf, 8, ssrc);
}

// ---- building packets (generated media, DTMF, tests) ----

export interface RtpHeaderFields {
  marker?: boolean;
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  csrcs?: readonly number[];
  /** Header extension: profile id and data (length must be a multiple of 4). */
  extension?: { profile: number; data: Uint8Array };
}

/** Bytes the header of `f` takes. */
export function rtpHeaderSize(f: RtpHeaderFields): number {
  const cc = f.csrcs?.length ?? 0;
  return RTP_HEADER_MIN + cc * 4 + (f.extension ? 4 + f.extension.data.length : 0);
}

/**
 * Write the header of `f` at `out[0..]`; returns the header length. The caller sets the padding bit
 * (see buildRtpPacket). Throws on a programming error (CC > 15, extension not word aligned).
 */
export function writeRtpHeader(out: Uint8Array, f: RtpHeaderFields): number {
  const csrcs = f.csrcs ?? [];
  if (csrcs.length > 15) throw new RangeError('at most 15 CSRCs');
  if (f.extension && f.extension.data.length % 4 !== 0) throw new RangeError('extension length must be a multiple of 4');
  out[0] = (RTP_VERSION << 6) | (f.extension ? 0x10 : 0) | csrcs.length;
  out[1] = (f.marker ? 0x80 : 0) | (f.payloadType & 0x7f);
  writeU16(out, 2, f.sequenceNumber & 0xffff);
  writeU32(out, 4, f.timestamp >>> 0);
  writeU32(out, 8, f.ssrc >>> 0);
  let off = RTP_HEADER_MIN;
  for (const c of csrcs) {
    writeU32(out, off, c >>> 0);
    off += 4;
  }
  if (f.extension) {
    writeU16(out, off, f.extension.profile);
    writeU16(out, off + 2, f.extension.data.length / 4);
    out.set(f.extension.data, off + 4);
    off += 4 + f.extension.data.length;
  }
  return off;
}

/** A whole packet: header, payload and optional padding (`padding` octets, 1..255, count included). */
export function buildRtpPacket(f: RtpHeaderFields, payload: Uint8Array, padding = 0): Buffer {
  if (padding < 0 || padding > 255) throw new RangeError('padding must be 0..255');
  const hl = rtpHeaderSize(f);
  const buf = Buffer.allocUnsafe(hl + payload.length + padding);
  writeRtpHeader(buf, f);
  buf.set(payload, hl);
  if (padding > 0) {
    buf[0] = buf[0]! | 0x20;
    buf.fill(0, hl + payload.length, buf.length - 1);
    buf[buf.length - 1] = padding;
  }
  return buf;
}

/** Signed distance a-b between two 16-bit sequence numbers (RFC 1982 serial arithmetic). */
export function seqDiff(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/** Signed distance a-b between two 32-bit timestamps. */
export function tsDiff(a: number, b: number): number {
  return ((a - b) | 0);
}
