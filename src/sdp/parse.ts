/**
 * SDP parser (RFC 8866; RFC 4566 wording where the two agree). One linear pass over the text,
 * bounded by SdpParseLimits before any per-line work, no regex (security.md: attacker input).
 *
 * What is fatal (StrowgerError SDP_PARSE, which the endpoint turns into 488/400):
 *   - body larger than maxBytes, a line longer than maxLineLength, NUL or other control bytes
 *     (CVE-2018-1000099 `a=fmtp\x00:...`), a line that is not `<letter>=...`;
 *   - missing or malformed v=, o=, s=; malformed c= or m=; payload types outside 0..127,
 *     ports outside 0..65535 or with signs/leading zeros (CVE-2018-1000098 and friends);
 *   - too many m= sections, formats or attributes;
 *   - an m= line with a non-zero port and no connection address at either level.
 * What is ignored (reported in `ignored`): unknown type letters (RFC 8866 §5 allows ignoring),
 * malformed b= (CVE-2026-46334), malformed rtpmap/fmtp/ptime/rtcp attributes, duplicate rtpmap
 * or fmtp for one payload type (the first one wins), attributes whose name is not a token.
 * Both CRLF and bare LF line ends are accepted (RFC 8866 §5); a last line without one is fine.
 */
import { StrowgerError } from '../util/errors';
import {
  isDigits,
  isToken,
  isValidAddress,
  parseAddrType,
  parseConnection,
  parseDecimal,
  parseUint,
  splitWords,
} from './fields';
import {
  DIRECTIONS,
  type Attribute,
  type Bandwidth,
  type Direction,
  type MediaDescription,
  type Origin,
  type SessionDescription,
} from './types';

export interface SdpParseLimits {
  /** Whole body, in bytes (Uint8Array input) or UTF-16 units (string input). */
  maxBytes: number;
  maxLineLength: number;
  maxMediaSections: number;
  /** Formats on one m= line. RTP has only 128 payload types. */
  maxFormats: number;
  /** a= lines in the whole description. */
  maxAttributes: number;
}

export const DEFAULT_SDP_LIMITS: Readonly<SdpParseLimits> = {
  maxBytes: 64 * 1024,
  maxLineLength: 4096,
  maxMediaSections: 16,
  maxFormats: 128,
  maxAttributes: 1024,
};

export interface SdpParseResult {
  sdp: SessionDescription;
  /** Why lines were skipped (first 32 reasons), for debug logging by the caller. */
  ignored: string[];
}

const MAX_IGNORED_REASONS = 32;

class ParseError extends StrowgerError {
  constructor(line: number, reason: string) {
    super('SDP_PARSE', line > 0 ? `SDP line ${line}: ${reason}` : `SDP: ${reason}`, { line });
  }
}

/** True for RTP-based transport protocols, whose formats are payload type numbers. */
export function isRtpProto(proto: string): boolean {
  return proto.includes('RTP/');
}

/** Canonical model order: rtpmap/fmtp entries follow the m= format order (others after, stably). */
function sortByFormatOrder(m: MediaDescription): void {
  // The usual description is in order already (the sort is stable, so skipping it then changes nothing).
  if (inFormatOrder(m.rtpmaps, m.formats) && inFormatOrder(m.fmtps, m.formats)) return;
  const rank = (pt: number): number => {
    const i = m.formats.indexOf(String(pt));
    return i < 0 ? m.formats.length : i;
  };
  m.rtpmaps.sort((a, b) => rank(a.pt) - rank(b.pt));
  m.fmtps.sort((a, b) => rank(a.pt) - rank(b.pt));
}

function formatRank(formats: readonly string[], pt: number): number {
  const i = formats.indexOf(String(pt));
  return i < 0 ? formats.length : i;
}

function inFormatOrder(list: ReadonlyArray<{ pt: number }>, formats: readonly string[]): boolean {
  if (list.length < 2) return true;
  let prev = formatRank(formats, list[0]!.pt);
  for (let i = 1; i < list.length; i++) {
    const r = formatRank(formats, list[i]!.pt);
    if (r < prev) return false;
    prev = r;
  }
  return true;
}

/** isToken(proto with every '/' removed), without building that string. */
function isProtoToken(proto: string, maxLen: number): boolean {
  let n = 0;
  for (let i = 0; i < proto.length; i++) {
    if (proto.charCodeAt(i) === 0x2f) continue;
    if (++n > maxLen || !isToken(proto[i]!, 1)) return false;
  }
  return n > 0;
}

function isDirection(s: string): s is Direction {
  return (DIRECTIONS as readonly string[]).includes(s);
}

/** Parse an SDP body; throws StrowgerError('SDP_PARSE') on anything fatal (see file header). */
export function parseSdp(input: string | Uint8Array, limits?: Partial<SdpParseLimits>): SessionDescription {
  return parseSdpDetailed(input, limits).sdp;
}

export function parseSdpDetailed(input: string | Uint8Array, limits?: Partial<SdpParseLimits>): SdpParseResult {
  const lim: Readonly<SdpParseLimits> = limits ? { ...DEFAULT_SDP_LIMITS, ...limits } : DEFAULT_SDP_LIMITS;
  let text: string;
  if (typeof input === 'string') {
    if (input.length > lim.maxBytes) throw new ParseError(0, `body larger than ${lim.maxBytes} bytes`);
    text = input;
  } else {
    if (input.byteLength > lim.maxBytes) throw new ParseError(0, `body larger than ${lim.maxBytes} bytes`);
    text = (Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)).toString('utf8');
  }
  return new Parser(text, lim).run();
}

class Parser {
  private readonly ignored: string[] = [];
  private lineNo = 0;
  private attributeCount = 0;
  private sawVersion = false;
  private origin: Origin | undefined;
  private sessionName: string | undefined;
  private readonly sdp: Omit<SessionDescription, 'origin' | 'sessionName'> = {
    version: 0,
    emails: [],
    phones: [],
    bandwidths: [],
    times: [],
    attributes: [],
    media: [],
  };
  private media: MediaDescription | undefined;

  constructor(
    private readonly text: string,
    private readonly lim: Readonly<SdpParseLimits>,
  ) {}

  run(): SdpParseResult {
    const text = this.text;
    let pos = 0;
    while (pos < text.length) {
      let end = text.indexOf('\n', pos);
      if (end < 0) end = text.length;
      let lineEnd = end;
      if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
      this.lineNo++;
      if (lineEnd - pos > this.lim.maxLineLength) this.fail(`line longer than ${this.lim.maxLineLength}`);
      if (lineEnd > pos) this.line(text.slice(pos, lineEnd));
      pos = end + 1;
    }
    if (!this.sawVersion) this.fail('missing v= line', 0);
    if (!this.origin) this.fail('missing o= line', 0);
    if (this.sessionName === undefined) this.fail('missing s= line', 0);
    // RFC 8866 requires t=; some devices omit it. Treat as "t=0 0" (unbounded session).
    if (this.sdp.times.length === 0) this.sdp.times.push({ start: '0', stop: '0', repeats: [] });
    // Completed in place rather than spread into a new object (a spread is V8's slow path here);
    // the keys end up in the same order: the parsed fields, then origin, then sessionName.
    const sdp = this.sdp as SessionDescription;
    sdp.origin = this.origin!;
    sdp.sessionName = this.sessionName!;
    for (let i = 0; i < sdp.media.length; i++) {
      const m = sdp.media[i]!;
      sortByFormatOrder(m);
      // RFC 8866 §5.7: every media needs a c= at media or session level.
      if (m.port !== 0 && !m.connection && !sdp.connection) this.fail(`m= section ${i + 1} has no connection address`, 0);
    }
    return { sdp, ignored: this.ignored };
  }

  private fail(reason: string, line = this.lineNo): never {
    throw new ParseError(line, reason);
  }

  private ignore(reason: string): void {
    if (this.ignored.length < MAX_IGNORED_REASONS) this.ignored.push(`line ${this.lineNo}: ${reason}`);
  }

  private line(l: string): void {
    // Control characters (NUL included) are not allowed anywhere in SDP text (RFC 8866 §9 byte-string).
    for (let i = 0; i < l.length; i++) {
      const c = l.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) this.fail('control character in line');
    }
    const t = l.charCodeAt(0);
    const letter = (t >= 0x41 && t <= 0x5a) || (t >= 0x61 && t <= 0x7a);
    if (!letter || l.length < 2 || l.charCodeAt(1) !== 0x3d) this.fail('not a <type>=<value> line');
    const type = l[0]!;
    const value = l.slice(2);
    if (!this.sawVersion) {
      if (type !== 'v') this.fail('first line must be v=');
      if (value.trim() !== '0') this.fail('unsupported SDP version');
      this.sawVersion = true;
      return;
    }
    if (this.media) this.mediaLine(type, value, this.media);
    else this.sessionLine(type, value);
  }

  private sessionLine(type: string, value: string): void {
    const s = this.sdp;
    switch (type) {
      case 'v':
        this.fail('duplicate v= line');
        break;
      case 'o':
        if (this.origin) this.fail('duplicate o= line');
        this.origin = this.parseOrigin(value);
        break;
      case 's':
        if (this.sessionName !== undefined) this.fail('duplicate s= line');
        this.sessionName = value.trim() === '' ? '-' : value;
        break;
      case 'i':
        s.info = value;
        break;
      case 'u':
        s.uri = value;
        break;
      case 'e':
        s.emails.push(value);
        break;
      case 'p':
        s.phones.push(value);
        break;
      case 'c': {
        if (s.connection) this.fail('duplicate session-level c= line');
        const c = parseConnection(value);
        if (!c) this.fail('malformed c= line');
        s.connection = c;
        break;
      }
      case 'b':
        this.bandwidth(value, s.bandwidths);
        break;
      case 't': {
        const w = splitWords(value, 2);
        if (!w || w.length !== 2 || !isDigits(w[0]!, 20) || !isDigits(w[1]!, 20)) this.fail('malformed t= line');
        s.times.push({ start: w[0]!, stop: w[1]!, repeats: [] });
        break;
      }
      case 'r': {
        const t = s.times[s.times.length - 1];
        if (t) t.repeats.push(value);
        else this.ignore('r= without t=');
        break;
      }
      case 'z':
        s.zone = value;
        break;
      case 'k':
        s.key = value;
        break;
      case 'a': {
        const a = this.attribute(value);
        if (!a) break;
        if (a.value === undefined && isDirection(a.name)) {
          if (s.direction === undefined) s.direction = a.name;
          else this.ignore('second session direction attribute');
        } else {
          s.attributes.push(a);
        }
        break;
      }
      case 'm':
        this.startMedia(value);
        break;
      default:
        this.ignore(`unknown type letter '${type}'`);
    }
  }

  private parseOrigin(value: string): Origin {
    const w = splitWords(value, 6);
    if (!w || w.length !== 6) this.fail('malformed o= line');
    const [username, sessionId, sessionVersion, netType, at, address] = w as [string, string, string, string, string, string];
    if (!isDigits(sessionId, 32) || !isDigits(sessionVersion, 32)) this.fail('o= session id/version must be digits');
    if (!isToken(netType, 32)) this.fail('malformed o= nettype');
    const addrType = parseAddrType(at);
    if (!addrType || !isValidAddress(addrType, address)) this.fail('malformed o= address');
    return { username, sessionId, sessionVersion, netType, addrType, address };
  }

  private bandwidth(value: string, out: Bandwidth[]): void {
    // RFC 8866 §5.8 `b=<bwtype>:<bandwidth>`; malformed ones are ignored (CVE-2026-46334 cases).
    const colon = value.indexOf(':');
    if (colon <= 0) return this.ignore('malformed b= line');
    const type = value.slice(0, colon);
    const v = parseUint(value.slice(colon + 1), 10, 0xffffffff);
    if (!isToken(type, 32) || v === undefined) return this.ignore('malformed b= line');
    out.push({ type, value: v });
  }

  private attribute(value: string): Attribute | undefined {
    if (++this.attributeCount > this.lim.maxAttributes) this.fail(`more than ${this.lim.maxAttributes} attributes`);
    const colon = value.indexOf(':');
    const name = colon < 0 ? value : value.slice(0, colon);
    if (!isToken(name, 64)) {
      this.ignore('attribute name is not a token');
      return undefined;
    }
    return colon < 0 ? { name } : { name, value: value.slice(colon + 1) };
  }

  private startMedia(value: string): void {
    if (this.sdp.media.length >= this.lim.maxMediaSections) this.fail(`more than ${this.lim.maxMediaSections} m= sections`);
    const w = splitWords(value, this.lim.maxFormats + 3);
    if (!w) this.fail(`more than ${this.lim.maxFormats} formats`);
    if (w.length < 3) this.fail('malformed m= line');
    const [type, portText, proto] = w as [string, string, string];
    if (!isToken(type, 32) || !isProtoToken(proto, 64)) this.fail('malformed m= line');
    const slash = portText.indexOf('/');
    const port = parseUint(slash < 0 ? portText : portText.slice(0, slash), 5, 65535);
    if (port === undefined) this.fail('m= port must be 0..65535');
    const m: MediaDescription = { type, port, proto, formats: [], bandwidths: [], rtpmaps: [], fmtps: [], attributes: [] };
    if (slash >= 0) {
      const n = parseUint(portText.slice(slash + 1), 5, 65535);
      if (n === undefined || n === 0) this.fail('malformed m= port count');
      m.numPorts = n;
    }
    const rtp = isRtpProto(proto);
    for (let i = 3; i < w.length; i++) {
      const f = w[i]!;
      if (rtp) {
        // RFC 3551 §3: payload types are 7 bits.
        if (parseUint(f, 3, 127) === undefined) this.fail('payload type must be 0..127');
      } else if (!isToken(f, 64)) {
        this.fail('malformed m= format');
      }
      if (m.formats.includes(f)) this.ignore('duplicate format in m= line');
      else m.formats.push(f);
    }
    if (m.formats.length === 0 && port !== 0) this.fail('m= line without formats');
    this.sdp.media.push(m);
    this.media = m;
  }

  private mediaLine(type: string, value: string, m: MediaDescription): void {
    switch (type) {
      case 'm':
        this.startMedia(value);
        break;
      case 'i':
        m.title = value;
        break;
      case 'c': {
        const c = parseConnection(value);
        if (!c) this.fail('malformed c= line');
        // RFC 8866 §5.7 allows several c= per media for layered multicast; we keep the first.
        if (m.connection) this.ignore('additional media-level c= line');
        else m.connection = c;
        break;
      }
      case 'b':
        this.bandwidth(value, m.bandwidths);
        break;
      case 'k':
        m.key = value;
        break;
      case 'a': {
        const a = this.attribute(value);
        if (a) this.mediaAttribute(a, m);
        break;
      }
      case 'v':
      case 'o':
      case 's':
        this.fail(`${type}= line inside a media section`);
        break;
      default:
        this.ignore(`'${type}=' line ignored in media section`);
    }
  }

  private mediaAttribute(a: Attribute, m: MediaDescription): void {
    const v = a.value;
    if (v === undefined) {
      if (isDirection(a.name)) {
        if (m.direction === undefined) m.direction = a.name;
        else this.ignore('second media direction attribute');
        return;
      }
      m.attributes.push(a);
      return;
    }
    switch (a.name) {
      case 'rtpmap':
        return this.rtpmap(v, m);
      case 'fmtp':
        return this.fmtp(v, m, a);
      case 'ptime':
      case 'maxptime': {
        const n = parseDecimal(v.trim());
        if (n === undefined) return this.ignore(`malformed a=${a.name}`);
        if (m[a.name] !== undefined) return this.ignore(`second a=${a.name}`);
        m[a.name] = n;
        return;
      }
      case 'rtcp': {
        // RFC 3605: a=rtcp:<port> [<nettype> <addrtype> <connection-address>]
        const sp = v.indexOf(' ');
        const port = parseUint(sp < 0 ? v : v.slice(0, sp), 5, 65535);
        if (port === undefined) return this.ignore('malformed a=rtcp');
        if (sp < 0) {
          m.rtcp = { port };
          return;
        }
        const connection = parseConnection(v.slice(sp + 1));
        if (!connection) return this.ignore('malformed a=rtcp address');
        m.rtcp = { port, connection };
        return;
      }
      default:
        m.attributes.push(a);
    }
  }

  private rtpmap(v: string, m: MediaDescription): void {
    // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
    const sp = v.indexOf(' ');
    if (sp <= 0) return this.ignore('malformed a=rtpmap');
    const pt = parseUint(v.slice(0, sp), 3, 127);
    const rest = v.slice(sp + 1).trim();
    const s1 = rest.indexOf('/');
    if (pt === undefined || s1 <= 0) return this.ignore('malformed a=rtpmap');
    const s2 = rest.indexOf('/', s1 + 1);
    const encoding = rest.slice(0, s1);
    const clockRate = parseUint(s2 < 0 ? rest.slice(s1 + 1) : rest.slice(s1 + 1, s2), 10, 0x7fffffff);
    if (!isToken(encoding, 64) || !clockRate) return this.ignore('malformed a=rtpmap');
    let channels: number | undefined;
    if (s2 >= 0) {
      channels = parseUint(rest.slice(s2 + 1), 3, 255);
      if (!channels) return this.ignore('malformed a=rtpmap channels');
    }
    for (const r of m.rtpmaps) if (r.pt === pt) return this.ignore(`duplicate a=rtpmap for ${pt}`);
    m.rtpmaps.push(channels === undefined ? { pt, encoding, clockRate } : { pt, encoding, clockRate, channels });
  }

  private fmtp(v: string, m: MediaDescription, a: Attribute): void {
    // a=fmtp:<format> <format specific parameters>; non-RTP formats are kept as plain attributes.
    const sp = v.indexOf(' ');
    const fmt = sp < 0 ? v : v.slice(0, sp);
    const params = sp < 0 ? '' : v.slice(sp + 1).trim();
    if (!isRtpProto(m.proto)) {
      m.attributes.push(a);
      return;
    }
    const pt = parseUint(fmt, 3, 127);
    if (pt === undefined) return this.ignore('malformed a=fmtp');
    if (m.fmtps.some((f) => f.pt === pt)) return this.ignore(`duplicate a=fmtp for ${pt}`);
    m.fmtps.push({ pt, params });
  }
}
