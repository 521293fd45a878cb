/**
 * parseMessage: one SIP message from a datagram or a framed stream chunk (RFC 3261 §7, §18.3).
 *
 *   *CRLF                                  leading CRLFs (keep-alives) are skipped
 *   Request-Line / Status-Line CRLF        exactly one SP between elements (RFC 4475 lwsstart, trws)
 *   *( header-name *WSP ":" value CRLF     names are tokens; a line starting with SP/HTAB folds
 *      *( 1*WSP continuation CRLF ) )      into the previous value as one SP (§7.3.1)
 *   CRLF
 *   body                                   Content-Length octets; bytes beyond are ignored (§18.3)
 *
 * The header section is located on the bytes (CRLF CRLF), decoded once as UTF-8 and walked with
 * indexOf/char scanning; header values stay raw strings until an accessor asks (accessors.ts).
 * The body is sliced from the bytes, never decoded (RFC 4475 mpart01: NUL and bare CR inside).
 *
 * Never throws: every failure is `{ ok: false }`. A failed request whose start line named a
 * method carries `answerable` (whatever headers were readable) so the stack can answer 400 with
 * the error as reason phrase.
 */
import * as nodeBuffer from 'node:buffer';
import type { ParseResult, SipRequest, SipResponse, SipUri } from './types';
import * as chars from './chars';
import { isWsp, scan, skipWsp } from './chars';
import * as headersModule from './headers';
import * as headerNames from './header-names';
import { parseContentLength } from './scalars';
import * as uriModule from './uri';
import * as bytes from './bytes';

// Local aliases of what the hot path reads: exported module bindings live in cells that TurboFan
// does not fold (a read costs a load and a check, and a callee is not a known constant); a
// module-local const is read like a constant.
const DIGIT = chars.DIGIT;
const TOKEN = chars.TOKEN;
const SPAN_BITS = headersModule.SPAN_BITS;
const Headers = headersModule.Headers;
const isAscii = nodeBuffer.isAscii;
const { commonNameAt, commonNameAtBytes, usualNameColonAt, computeHeaderKey, hotAt, hotOfKey, keyAt, lengthAt, spellingAt } = headerNames;
const MULTI_VIA = headersModule.MULTI_VIA;
const MULTI_CONTACT = headersModule.MULTI_CONTACT;
const { parseUri, parseUriIn } = uriModule;
const { knownMethodAt, parseDigitsB, scanB } = bytes;

export interface ParseOptions {
  /** Reject a message with more header lines than this (400). Default 256. */
  maxHeaders?: number;
  /** Reject a header name longer than this (400). Default 128; the longest registered name has 41 chars. */
  maxHeaderNameLength?: number;
  /**
   * Copy the body out of `buf`. Default false: the body is a view (subarray) of `buf`, which is
   * safe because transports hand over a buffer per message (a datagram, or a framed copy) and
   * never reuse it. Pass true if `buf` will be overwritten.
   */
  copyBody?: boolean;
  /**
   * The buffer is a message framed out of a stream transport: Content-Length is mandatory
   * (RFC 3261 §20.14, §18.3). Default false (datagram: no Content-Length = rest of datagram).
   */
  stream?: boolean;
}

export const DEFAULT_MAX_HEADERS = 256;
export const DEFAULT_MAX_HEADER_NAME_LENGTH = 128;

const CRLF = Buffer.from('\r\n');
const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

/** Placeholder Request-URI for an `answerable` request whose Request-URI could not be parsed. */
function unknownUri(): SipUri {
  return { scheme: 'sip', host: '', params: [], headers: [] };
}

const SIP_2_0 = 'SIP/2.0';

/** `SIP/1*DIGIT.1*DIGIT` (the literal is case-insensitive, normalised to `SIP`). */
function parseVersion(s: string, from: number, to: number): string | undefined {
  if (to - from < 7) return undefined;
  if ((s.charCodeAt(from) | 0x20) !== 0x73 || (s.charCodeAt(from + 1) | 0x20) !== 0x69) return undefined;
  if ((s.charCodeAt(from + 2) | 0x20) !== 0x70 || s.charCodeAt(from + 3) !== 0x2f) return undefined;
  const maj = scan(s, from + 4, DIGIT);
  if (maj === from + 4 || maj >= to || s.charCodeAt(maj) !== 0x2e) return undefined;
  const min = scan(s, maj + 1, DIGIT);
  if (min === maj + 1 || min !== to) return undefined;
  if (to - from === 7 && s.charCodeAt(from + 4) === 0x32 && s.charCodeAt(from + 6) === 0x30 && s.charCodeAt(from) === 0x53 &&
    s.charCodeAt(from + 1) === 0x49 && s.charCodeAt(from + 2) === 0x50) return SIP_2_0;
  const v = s.slice(from, to);
  return v.charCodeAt(0) === 0x53 && v.charCodeAt(1) === 0x49 && v.charCodeAt(2) === 0x50 ? v : 'SIP' + v.slice(3);
}

function trimEnd(s: string, from: number, to: number): number {
  while (to > from && isWsp(s.charCodeAt(to - 1))) to--;
  return to;
}

function sliceBody(buf: Buffer, from: number, to: number, copy: boolean | undefined): Buffer {
  if (!copy) return buf.subarray(from, to);
  const out = Buffer.allocUnsafe(to - from);
  buf.copy(out, 0, from, to);
  return out;
}

function hasCtl(s: string, from: number, to = s.length): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

export function parseMessage(buf: Buffer, opts?: ParseOptions): ParseResult {
  try {
    return parseFast(buf, opts) ?? parse(buf, opts);
  } catch (e) {
    // Defensive only: no known input reaches here (fuzzed in parser tests).
    return { ok: false, error: 'Unparseable message: ' + (e instanceof Error ? e.message : String(e)) };
  }
}

/**
 * parseMessage without the fast path (tests check that both paths agree).
 * @internal
 */
export function parseMessageGeneral(buf: Buffer, opts?: ParseOptions): ParseResult {
  try {
    return parse(buf, opts);
  } catch (e) {
    return { ok: false, error: 'Unparseable message: ' + (e instanceof Error ? e.message : String(e)) };
  }
}

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;

/** Node's Buffer#latin1Slice (behind toString('latin1'), which adds two JS wrappers), if present. */
type Latin1Slicer = { latin1Slice?(start: number, end: number): string };
const HAS_LATIN1_SLICE = typeof (Buffer.prototype as Latin1Slicer).latin1Slice === 'function';

/** b[from, from + 7) is exactly `SIP/2.0`. */
function isSip20(b: Uint8Array, from: number): boolean {
  return b[from] === 0x53 && b[from + 1] === 0x49 && b[from + 2] === 0x50 && b[from + 3] === 0x2f &&
    b[from + 4] === 0x32 && b[from + 5] === 0x2e && b[from + 6] === 0x30;
}

/**
 * Larger messages take the general path (the fast path decodes the body along with the head).
 * Below 2^SPAN_BITS: header value offsets are packed into one small integer (Headers.fromLines).
 */
const FAST_PATH_MAX_BYTES = 16 * 1024;
if (FAST_PATH_MAX_BYTES >= 1 << SPAN_BITS) throw new Error('parser: FAST_PATH_MAX_BYTES must stay below 2^SPAN_BITS');

/**
 * The fast path: the common, well-formed message, in one pass. It takes an all-ASCII message
 * (so latin1 decoding equals UTF-8 decoding and character offsets are byte offsets) of at most
 * FAST_PATH_MAX_BYTES, decodes it once, whole, and walks its lines with native indexOf. Header
 * values are not cut out: the Headers keep their ranges of the text (Headers.fromLines).
 *
 * It returns undefined, and the general parser (below) takes over from scratch, on anything
 * unusual: leading CRLFs, folding, no empty line, a bad line ending, a bad start line or header
 * line, an unknown name that is not a token, limits exceeded, a Content-Length problem. So every
 * error, and every rare form, has exactly one implementation, and for the messages it accepts the
 * fast path gives what the general parser gives (test/unit/sip/message/fast-path.test.ts checks
 * that over the torture fixtures and fuzzed messages).
 * @internal exported for that test
 */
export function parseCommon(buf: Buffer, opts?: ParseOptions): ParseResult | undefined {
  return parseFast(buf, opts);
}

/** parseCommon, module-local (a call through an exported binding reads it from a module cell). */
function parseFast(buf: Buffer, opts: ParseOptions | undefined): ParseResult | undefined {
  const len = buf.length;
  if (len > FAST_PATH_MAX_BYTES || len < 8 || !isAscii(buf)) return undefined;
  const text = HAS_LATIN1_SLICE ? (buf as Latin1Slicer).latin1Slice!(0, len) : buf.toString('latin1', 0, len);
  const c0 = buf[0]!;
  if (c0 === CR || c0 === LF) return undefined;
  const firstEnd = text.indexOf('\r\n');
  const sp1 = text.indexOf(' ');
  if (sp1 <= 0 || firstEnd < 0 || sp1 > firstEnd) return undefined;

  // Start line (RFC 3261 §7.1, §7.2).
  let method = '';
  let uri: SipUri | undefined;
  let version: string | undefined;
  let status = 0;
  let reason = '';
  const isResponse = text.charCodeAt(3) === 0x2f && (c0 | 0x20) === 0x73 && (text.charCodeAt(1) | 0x20) === 0x69;
  if (isResponse) {
    version = sp1 === 7 && isSip20(buf, 0) ? SIP_2_0 : parseVersion(text, 0, sp1);
    const codeEnd = sp1 + 4;
    if (!version || codeEnd > firstEnd) return undefined;
    const d1 = text.charCodeAt(sp1 + 1) - 48;
    const d2 = text.charCodeAt(sp1 + 2) - 48;
    const d3 = text.charCodeAt(sp1 + 3) - 48;
    if (d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9 || d3 < 0 || d3 > 9) return undefined;
    if (codeEnd < firstEnd && text.charCodeAt(codeEnd) !== SP) return undefined;
    status = d1 * 100 + d2 * 10 + d3;
    if (codeEnd < firstEnd) {
      if (hasCtl(text, codeEnd + 1, firstEnd)) return undefined;
      reason = text.slice(codeEnd + 1, firstEnd);
    }
  } else {
    if (scanB(buf, 0, TOKEN, sp1) !== sp1) return undefined;
    const sp2 = text.indexOf(' ', sp1 + 1);
    if (sp2 < 0 || sp2 > firstEnd || sp2 === sp1 + 1) return undefined;
    version = firstEnd - sp2 === 8 && isSip20(buf, sp2 + 1) ? SIP_2_0 : parseVersion(text, sp2 + 1, firstEnd);
    if (!version) return undefined;
    uri = parseUriIn(text, buf, sp1 + 1, sp2);
    if (!uri) return undefined;
    method = knownMethodAt(buf, 0, sp1) ?? text.slice(0, sp1);
  }

  // Header lines: name *WSP ":" *WSP value *WSP CRLF, until the empty line.
  const maxHeaders = opts?.maxHeaders ?? DEFAULT_MAX_HEADERS;
  const maxNameLength = opts?.maxHeaderNameLength ?? DEFAULT_MAX_HEADER_NAME_LENGTH;
  // name, key, value span per line (Headers.fromLines).
  const lines: Array<string | number> = [];
  // First lines of the hot keys, 8 bits each (Headers.firstLine): Via, From, To; Call-ID, CSeq,
  // Contact, and the MULTI_ bits.
  let hot0 = 0;
  let hot1 = 0;
  let contentLength = -1;
  let pos = firstEnd + 2;
  let bodyStart: number;
  // Single chars are read from the bytes (same offsets: ASCII): a typed-array load is cheaper
  // than a charCodeAt; the searches are native indexOf on the text.
  for (;;) {
    if (buf[pos] === CR) {
      if (buf[pos + 1] !== LF) return undefined;
      bodyStart = pos + 2;
      break;
    }
    const lf = text.indexOf('\n', pos);
    const eol = lf - 1;
    // CRLF only: no bare CR or LF in the line (-1 when there is no LF at all: no empty line).
    if (lf < 0 || buf[eol] !== CR || text.indexOf('\r', pos) !== eol) return undefined;
    const next = buf[lf + 1];
    if (next === SP || next === HTAB) return undefined; // folded
    let name: string;
    let key: string;
    let vStart: number;
    let hot: number;
    const known = usualNameColonAt(buf, pos);
    if (known >= 0) {
      // `Name:` as usual: the name is a known spelling, so a token, and the colon follows it.
      if (lengthAt(known) > maxNameLength) return undefined;
      name = spellingAt(known);
      key = keyAt(known);
      hot = hotAt(known);
      vStart = pos + lengthAt(known) + 1;
    } else {
      // A line without a colon ends the fast path, so this search runs past a line at most once.
      const colon = text.indexOf(':', pos);
      if (colon < 0 || colon > eol) return undefined;
      let nameEnd = colon;
      while (nameEnd > pos && (buf[nameEnd - 1] === SP || buf[nameEnd - 1] === HTAB)) nameEnd--;
      if (nameEnd === pos || nameEnd - pos > maxNameLength) return undefined;
      const common = commonNameAtBytes(buf, pos, nameEnd);
      if (common >= 0) {
        name = spellingAt(common);
        key = keyAt(common);
        hot = hotAt(common);
      } else {
        if (scanB(buf, pos, TOKEN, nameEnd) !== nameEnd) return undefined;
        name = text.slice(pos, nameEnd);
        key = computeHeaderKey(name);
        hot = hotOfKey(key);
      }
      vStart = colon + 1;
    }
    if (hot >= 0) {
      // Record the first line (line numbers past 253 are left for scanning: 255).
      const line = lines.length / 3;
      const mark = line < 254 ? line + 1 : 255;
      if (hot < 3) {
        const shift = hot << 3;
        if (((hot0 >> shift) & 255) === 0) hot0 |= mark << shift;
        else if (hot === 0) hot1 |= MULTI_VIA;
      } else {
        const shift = (hot - 3) << 3;
        if (((hot1 >> shift) & 255) === 0) hot1 |= mark << shift;
        else if (hot === 5) hot1 |= MULTI_CONTACT;
      }
    }
    while (buf[vStart] === SP || buf[vStart] === HTAB) vStart++;
    let vEnd = eol;
    while (vEnd > vStart && (buf[vEnd - 1] === SP || buf[vEnd - 1] === HTAB)) vEnd--;
    lines.push(name, key, (vStart << SPAN_BITS) | vEnd);
    if (key === 'content-length') {
      const cl = parseDigitsB(buf, vStart, vEnd, 0x7fffffff);
      if (cl === undefined || (contentLength >= 0 && cl !== contentLength)) return undefined;
      contentLength = cl;
    }
    if (lines.length > 3 * maxHeaders) return undefined;
    pos = lf + 1;
  }

  // Body (RFC 3261 §18.3).
  let body: Buffer = EMPTY;
  const available = len - bodyStart;
  if (contentLength < 0) {
    if (opts?.stream) return undefined;
    if (available > 0) body = sliceBody(buf, bodyStart, len, opts?.copyBody);
  } else if (contentLength > available) {
    return undefined;
  } else if (contentLength > 0) {
    body = sliceBody(buf, bodyStart, bodyStart + contentLength, opts?.copyBody);
  }
  const headers = Headers.fromLines(lines, text, buf, hot0, hot1);
  if (isResponse) {
    const msg: SipResponse = { type: 'response', version, status, reason, headers, body };
    return { ok: true, msg };
  }
  const msg: SipRequest = { type: 'request', method, uri: uri!, version, headers, body };
  return { ok: true, msg };
}

function parse(buf: Buffer, opts: ParseOptions | undefined): ParseResult {
  const len = buf.length;
  let start = 0;
  while (start < len && (buf[start] === 0x0d || buf[start] === 0x0a)) start++;
  if (start >= len) return { ok: false, error: 'Empty message' };

  // Locate the header section on the bytes.
  let error: string | undefined;
  let headEnd = buf.indexOf(CRLFCRLF, start);
  let bodyStart: number;
  let text: string;
  if (headEnd >= 0) {
    bodyStart = headEnd + 4;
    text = buf.toString('utf8', start, headEnd + 2);
  } else if (buf[len - 1] === 0x0a && buf[len - 2] === 0x0d) {
    // No empty line but the datagram ends on a line end (RFC 4475 baddn): the header section
    // ends with the datagram and the body is empty.
    headEnd = len - 2;
    bodyStart = len;
    text = buf.toString('utf8', start, len);
  } else {
    error = 'Incomplete header section';
    const last = buf.lastIndexOf(CRLF);
    bodyStart = len;
    text = last >= start ? buf.toString('utf8', start, last + 2) : buf.toString('utf8', start, len) + '\r\n';
  }

  // Start line.
  const firstEnd = text.indexOf('\r\n');
  const sp1 = text.indexOf(' ');
  if (sp1 <= 0 || sp1 > firstEnd) return { ok: false, error: 'Bad start line' };
  let isResponse = false;
  let method = '';
  let uri: SipUri | undefined;
  let version: string | undefined;
  let status = 0;
  let reason = '';
  if (text.charCodeAt(3) === 0x2f && (text.charCodeAt(0) | 0x20) === 0x73 && (text.charCodeAt(1) | 0x20) === 0x69) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 §7.2)
    isResponse = true;
    version = parseVersion(text, 0, sp1);
    const codeEnd = scan(text, sp1 + 1, DIGIT);
    if (!version || codeEnd - sp1 - 1 !== 3 || (codeEnd < firstEnd && text.charCodeAt(codeEnd) !== 0x20)) {
      return { ok: false, error: 'Bad Status-Line' };
    }
    status = (text.charCodeAt(sp1 + 1) - 48) * 100 + (text.charCodeAt(sp1 + 2) - 48) * 10 + (text.charCodeAt(sp1 + 3) - 48);
    reason = codeEnd < firstEnd ? text.slice(codeEnd + 1, firstEnd) : '';
    if (hasCtl(reason, 0)) return { ok: false, error: 'Bad Reason-Phrase' };
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 §7.1)
    method = text.slice(0, sp1);
    if (scan(method, 0, TOKEN) !== sp1) return { ok: false, error: 'Bad start line' };
    const sp2 = text.indexOf(' ', sp1 + 1);
    if (sp2 < 0 || sp2 > firstEnd || sp2 === sp1 + 1) {
      error ??= 'Bad Request-Line';
    } else {
      version = parseVersion(text, sp2 + 1, firstEnd);
      if (!version) error ??= 'Bad Request-Line';
      uri = parseUri(text.slice(sp1 + 1, sp2));
      if (!uri) error ??= 'Bad Request-URI';
    }
  }

  // Header lines.
  const maxHeaders = opts?.maxHeaders ?? DEFAULT_MAX_HEADERS;
  const maxNameLength = opts?.maxHeaderNameLength ?? DEFAULT_MAX_HEADER_NAME_LENGTH;
  const names: string[] = [];
  const values: string[] = [];
  const keys: string[] = [];
  let contentLength: number | undefined;
  const tlen = text.length;
  let pos = firstEnd + 2;
  let nextColon = -1;
  while (pos < tlen) {
    // One physical line: [pos, eol) then CRLF. A bare LF or CR anywhere is an error; for the
    // answerable copy a bare LF still ends the line.
    const lf = text.indexOf('\n', pos);
    let eol = lf - 1;
    if (text.charCodeAt(eol) !== 0x0d || text.indexOf('\r', pos) !== eol) {
      error ??= 'Bad line ending';
      if (text.charCodeAt(eol) !== 0x0d) eol = lf;
    }
    let next = lf + 1;
    let folded = false;
    while (next < tlen && isWsp(text.charCodeAt(next))) {
      folded = true;
      const lf2 = text.indexOf('\n', next);
      if (text.charCodeAt(lf2 - 1) !== 0x0d || text.indexOf('\r', next) !== lf2 - 1) error ??= 'Bad line ending';
      next = lf2 + 1;
    }
    // name *(SP / HTAB) ":" -- find the colon natively; a name spelled like a common header
    // is known to be a token without scanning it. Header names are tokens; only SP/HTAB may
    // precede the colon (GHSA-4h4c-qgxg-p3qv).
    // The first colon at or after pos; remembered across lines so lines without one cannot make
    // the search quadratic.
    if (nextColon < pos) {
      nextColon = text.indexOf(':', pos);
      if (nextColon < 0) nextColon = tlen;
    }
    const colon = nextColon;
    let nameEnd = colon;
    while (nameEnd > pos && isWsp(text.charCodeAt(nameEnd - 1))) nameEnd--;
    const common = colon < eol && nameEnd > pos ? commonNameAt(text, pos, nameEnd) : -1;
    if (common < 0 && (colon >= eol || nameEnd === pos || scan(text, pos, TOKEN) !== nameEnd)) {
      error ??= 'Bad header line';
      pos = next;
      continue;
    }
    if (nameEnd - pos > maxNameLength) {
      error ??= 'Header name too long';
      pos = next;
      continue;
    }
    const vStart = skipWsp(text, colon + 1);
    let value = text.slice(vStart, trimEnd(text, vStart, eol));
    if (folded) {
      // Unfold: every CRLF 1*WSP becomes one SP (RFC 3261 §7.3.1).
      let p = lf + 1;
      while (p < next) {
        const lf2 = text.indexOf('\n', p);
        const ps = skipWsp(text, p);
        const pe = trimEnd(text, ps, text.charCodeAt(lf2 - 1) === 0x0d ? lf2 - 1 : lf2);
        if (pe > ps) value = value.length > 0 ? value + ' ' + text.slice(ps, pe) : text.slice(ps, pe);
        p = lf2 + 1;
      }
    }
    const name = common >= 0 ? spellingAt(common) : text.slice(pos, nameEnd);
    const key = common >= 0 ? keyAt(common) : computeHeaderKey(name);
    pos = next;
    names.push(name);
    values.push(value);
    keys.push(key);
    if (key === 'content-length') {
      const cl = parseContentLength(value);
      if (cl === undefined) error ??= 'Bad Content-Length';
      else if (contentLength !== undefined && contentLength !== cl) error ??= 'Conflicting Content-Length headers';
      else contentLength = cl;
    }
    if (names.length > maxHeaders) {
      error ??= 'Too many headers';
      break;
    }
  }
  const headers = Headers.fromParsed(names, values, keys);

  // Body (RFC 3261 §18.3).
  let body: Buffer = EMPTY;
  if (!error) {
    const available = len - bodyStart;
    if (contentLength === undefined) {
      if (opts?.stream) error = 'Missing Content-Length';
      else if (available > 0) body = sliceBody(buf, bodyStart, len, opts?.copyBody);
    } else if (contentLength > available) {
      error = 'Content-Length exceeds body';
    } else if (contentLength > 0) {
      body = sliceBody(buf, bodyStart, bodyStart + contentLength, opts?.copyBody);
    }
  }

  if (isResponse) {
    if (error) return { ok: false, error };
    const msg: SipResponse = { type: 'response', version: version!, status, reason, headers, body };
    return { ok: true, msg };
  }
  const msg: SipRequest = { type: 'request', method, uri: uri ?? unknownUri(), version: version ?? 'SIP/2.0', headers, body };
  if (error) return { ok: false, error, status: 400, answerable: msg };
  return { ok: true, msg };
}
