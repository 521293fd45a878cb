/**
 * Typed views of a message's headers, parsed on demand from the raw lines (parser.ts keeps them
 * raw) through one table of header parsers keyed by lower-case long name.
 *
 * When msg.headers is a `Headers`, results are memoised until the header list changes. The
 * returned objects are shared with that memo: treat them as read-only; to change a header,
 * clone (cloneVia, cloneNameAddr), edit, format and `headers.set(...)` it.
 *
 * Malformed values read as absent (`undefined` / `[]`): run validateRequest/validateResponse
 * (validate.ts) on input first; they report what is wrong.
 */
import type { CSeq, NameAddr, SipMessage, Via } from './types';
import * as headersModule from './headers';
import * as headerNamesMod from './header-names';
import * as nameAddrMod from './name-addr';
import * as paramsMod from './params';
import * as scalarsMod from './scalars';
import type { MediaType } from './scalars';
import * as viaMod from './via';

// Module-local aliases of imported functions (see the note in parser.ts: exported bindings live in
// cells TurboFan does not fold).
const { headerKey } = headerNamesMod;
const { parseNameAddr, parseNameAddrList } = nameAddrMod;
const { getParam } = paramsMod;
const { parseCSeq, parseCallId, parseDeltaSeconds, parseMaxForwards, parseMediaType } = scalarsMod;
const { parseVia, viaBranch } = viaMod;

// Module-local aliases: an exported binding lives in a cell TurboFan does not fold, so
// `instanceof Headers` on an imported class is not reduced to a map check.
const Headers = headersModule.Headers;
type Headers = headersModule.Headers;
const {
  MEMO_SLOTS, HOT_VIA, HOT_FROM, HOT_TO, HOT_CALL_ID, HOT_CSEQ, HOT_CONTACT, MULTI_VIA, MULTI_CONTACT,
  MEMO_CONTACT, MEMO_FROM, MEMO_TO, MEMO_CSEQ, MEMO_VIA_LINE,
} = headersModule;

interface HeaderParser {
  /** Memo slot in Headers. */
  slot: number;
  /** List headers concatenate the values of every line; others read the first line. */
  list: boolean;
  /**
   * Parses a value: the whole string, or the range s[from, end) of a message's header text
   * (`bytes`: the text's bytes, see bytes.ts).
   */
  parse: RangeParser;
}

type RangeParser = (s: string, from: number, end: number, bytes?: Uint8Array) => unknown;

/** A string-only parser used on a range: cut the range out first (cold headers only). */
function onSlice(parse: (v: string) => unknown): RangeParser {
  return (s, from, end) => parse(from === 0 && end === s.length ? s : s.slice(from, end));
}

const TABLE: Array<[key: string, list: boolean, parse: RangeParser]> = [
  ['via', true, parseVia],
  ['contact', true, parseNameAddrList],
  ['route', true, parseNameAddrList],
  ['record-route', true, parseNameAddrList],
  ['path', true, parseNameAddrList],
  ['from', false, parseNameAddr],
  ['to', false, parseNameAddr],
  ['refer-to', false, parseNameAddr],
  ['referred-by', false, parseNameAddr],
  ['cseq', false, parseCSeq],
  ['call-id', false, onSlice(parseCallId)],
  ['max-forwards', false, onSlice(parseMaxForwards)],
  ['expires', false, onSlice(parseDeltaSeconds)],
  ['min-expires', false, onSlice(parseDeltaSeconds)],
  ['content-type', false, onSlice(parseMediaType)],
];

/** The table of header parsers, keyed by lower-case long name (see headerKey). */
export const HEADER_PARSERS: ReadonlyMap<string, HeaderParser> = new Map(
  TABLE.map(([key, list, parse], slot) => [key, { slot, list, parse }]),
);

const MISSING = Symbol('missing');
/** Memo slot for the first Via line's values (getTopVia, and getVias when there is one line). */
const FIRST_VIA_LINE_SLOT = TABLE.length;
if (FIRST_VIA_LINE_SLOT >= MEMO_SLOTS) throw new Error('accessors: raise MEMO_SLOTS in headers.ts');

function parser(key: string): HeaderParser {
  return HEADER_PARSERS.get(key)!;
}
const P_VIA = parser('via');
const P_CONTACT = parser('contact');
const P_ROUTE = parser('route');
const P_RECORD_ROUTE = parser('record-route');
const P_FROM = parser('from');
const P_TO = parser('to');
const P_CSEQ = parser('cseq');
const P_MAX_FORWARDS = parser('max-forwards');
const P_EXPIRES = parser('expires');
const P_CONTENT_TYPE = parser('content-type');
if (P_CONTACT.slot !== MEMO_CONTACT || P_FROM.slot !== MEMO_FROM || P_TO.slot !== MEMO_TO || P_CSEQ.slot !== MEMO_CSEQ ||
  FIRST_VIA_LINE_SLOT !== MEMO_VIA_LINE) {
  throw new Error('accessors: TABLE order must match the MEMO_ slots of headers.ts');
}

/*
 * Line i of a Headers is parsed in place when it is still a range of the parsed message's text
 * (h.spanSource(i) !== undefined), otherwise from its string value. The hot accessors spell this
 * out (rather than sharing a helper that takes the parse function) so each call site of a parse
 * function stays monomorphic and inlinable.
 */

function parseWith(msg: SipMessage, key: string, p: HeaderParser): unknown {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    let result: unknown;
    if (p.list) {
      const lines = h.getAll(key);
      result = lines.length === 0 ? [] : concatLines(lines.length, (k) => p.parse(lines[k]!, 0, lines[k]!.length));
    } else {
      const v = h.get(key);
      result = v === undefined ? undefined : p.parse(v, 0, v.length);
    }
    return result;
  }
  const cached = h.memoGet(p.slot);
  if (cached !== undefined) return cached === MISSING ? undefined : cached;
  let result: unknown;
  if (p.list) {
    let all: unknown[] | undefined = [];
    for (let i = h.indexOfKey(key, 0); i >= 0; i = h.indexOfKey(key, i + 1)) {
      const part = parseLine(h, i, p.parse) as unknown[] | undefined;
      if (part === undefined) {
        all = undefined;
        break;
      }
      if (all.length === 0) all = part;
      else for (let j = 0; j < part.length; j++) all.push(part[j]);
    }
    result = all;
  } else {
    const i = h.indexOfKey(key, 0);
    result = i < 0 ? undefined : parseLine(h, i, p.parse);
  }
  h.memoSet(p.slot, result === undefined ? MISSING : result);
  return result;
}

function parseLine(h: Headers, i: number, parse: RangeParser): unknown {
  const src = h.spanSource(i);
  if (src !== undefined) return parse(src, h.spanStart(i), h.spanEnd(i), h.spanBytes());
  const v = h.valueAt(i);
  return parse(v, 0, v.length);
}

/** Values of n lines, in order, or undefined if any line is malformed. */
function concatLines(n: number, parseLineK: (k: number) => unknown): unknown[] | undefined {
  const all: unknown[] = [];
  for (let k = 0; k < n; k++) {
    const part = parseLineK(k) as unknown[] | undefined;
    if (part === undefined) return undefined;
    for (let j = 0; j < part.length; j++) all.push(part[j]);
  }
  return all;
}

/**
 * Parse header `name` of msg with its table entry: for list headers, every line's values in
 * order (undefined if any line is malformed); otherwise the first line's value.
 */
export function getParsedHeader<T>(msg: SipMessage, name: string): T | undefined {
  const key = headerKey(name);
  const p = HEADER_PARSERS.get(key);
  if (!p) throw new Error(`no parser for header ${name}`);
  return parseWith(msg, key, p) as T | undefined;
}

/** The values of the first Via line (memoised), or undefined when absent or malformed. */
function firstViaLine(h: Headers): Via[] | undefined {
  const cached = h.memoGet(MEMO_VIA_LINE);
  if (cached !== undefined) return cached === MISSING ? undefined : (cached as Via[]);
  const i = h.firstLine(HOT_VIA, 'via');
  let vias: Via[] | undefined;
  if (i >= 0) {
    const src = h.spanSource(i);
    if (src !== undefined) {
      vias = parseVia(src, h.spanStart(i), h.spanEnd(i), h.spanBytes());
    } else {
      const v = h.valueAt(i);
      vias = parseVia(v, 0, v.length);
    }
  }
  h.memoSet(MEMO_VIA_LINE, vias ?? MISSING);
  return vias;
}

/** Every Via value, top first, across all Via lines ([] if absent or any is malformed). */
export function getVias(msg: SipMessage): Via[] {
  const h = msg.headers;
  if (h instanceof Headers) {
    // One Via line (the usual case): its values are the whole list, shared with getTopVia.
    if (h.recordedSingle(HOT_VIA, MULTI_VIA)) return firstViaLine(h) ?? [];
    const first = h.indexOfKey('via', 0);
    if (first >= 0 && h.indexOfKey('via', first + 1) < 0) return firstViaLine(h) ?? [];
  }
  return (parseWith(msg, 'via', P_VIA) as Via[] | undefined) ?? [];
}

/*
 * Exported accessors that others here call are thin wrappers over module-local functions: a call
 * through an exported binding reads it from a module cell first.
 */

function topVia(msg: SipMessage): Via | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    const first = h.get('via');
    return first === undefined ? undefined : parseVia(first)?.[0];
  }
  return firstViaLine(h)?.[0];
}

/** The top Via value (only the first line is parsed). */
export function getTopVia(msg: SipMessage): Via | undefined {
  return topVia(msg);
}

/** Branch of the top Via (RFC 3261 §17.2.3 transaction matching). */
export function getBranch(msg: SipMessage): string | undefined {
  const v = topVia(msg);
  return v ? viaBranch(v) : undefined;
}

/**
 * The Call-ID as received (the parser already trimmed it). It is an opaque token compared
 * byte for byte (RFC 3261 §20.8), so no parsing happens here; validateRequest checks its grammar.
 */
export function getCallId(msg: SipMessage): string | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) return h.get('call-id');
  const i = h.firstLine(HOT_CALL_ID, 'call-id');
  return i < 0 ? undefined : h.valueAt(i);
}

export function getCSeq(msg: SipMessage): CSeq | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    const v = h.get('cseq');
    return v === undefined ? undefined : parseCSeq(v);
  }
  const cached = h.memoGet(MEMO_CSEQ);
  if (cached !== undefined) return cached === MISSING ? undefined : (cached as CSeq);
  const i = h.firstLine(HOT_CSEQ, 'cseq');
  let r: CSeq | undefined;
  if (i >= 0) {
    const src = h.spanSource(i);
    if (src !== undefined) {
      r = parseCSeq(src, h.spanStart(i), h.spanEnd(i), h.spanBytes());
    } else {
      const v = h.valueAt(i);
      r = parseCSeq(v, 0, v.length);
    }
  }
  h.memoSet(MEMO_CSEQ, r ?? MISSING);
  return r;
}

/** First line of a single name-addr header (From, To), parsed in place when possible. */
function nameAddrLine(h: Headers, hot: number, key: string, slot: number): NameAddr | undefined {
  const cached = h.memoGet(slot);
  if (cached !== undefined) return cached === MISSING ? undefined : (cached as NameAddr);
  const i = h.firstLine(hot, key);
  let r: NameAddr | undefined;
  if (i >= 0) {
    const src = h.spanSource(i);
    if (src !== undefined) {
      r = parseNameAddr(src, h.spanStart(i), h.spanEnd(i), h.spanBytes());
    } else {
      const v = h.valueAt(i);
      r = parseNameAddr(v, 0, v.length);
    }
  }
  h.memoSet(slot, r ?? MISSING);
  return r;
}

function from(msg: SipMessage): NameAddr | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    const v = h.get('from');
    return v === undefined ? undefined : parseNameAddr(v);
  }
  return nameAddrLine(h, HOT_FROM, 'from', MEMO_FROM);
}

function to(msg: SipMessage): NameAddr | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    const v = h.get('to');
    return v === undefined ? undefined : parseNameAddr(v);
  }
  return nameAddrLine(h, HOT_TO, 'to', MEMO_TO);
}

export function getFrom(msg: SipMessage): NameAddr | undefined {
  return from(msg);
}

export function getTo(msg: SipMessage): NameAddr | undefined {
  return to(msg);
}

function tagOf(n: NameAddr | undefined): string | undefined {
  if (!n) return undefined;
  const t = getParam(n.params, 'tag');
  return t === null ? undefined : t;
}

export function getFromTag(msg: SipMessage): string | undefined {
  return tagOf(from(msg));
}

export function getToTag(msg: SipMessage): string | undefined {
  return tagOf(to(msg));
}

/** Every Contact value across all lines ([] if absent or malformed). A `*` is `{ wildcard: true }`. */
export function getContacts(msg: SipMessage): NameAddr[] {
  const h = msg.headers;
  if (h instanceof Headers) {
    // One Contact line (the usual case): its list is the whole list; no concatenation.
    const cached = h.memoGet(MEMO_CONTACT);
    if (cached !== undefined) return cached === MISSING ? [] : (cached as NameAddr[]);
    const i = h.firstLine(HOT_CONTACT, 'contact');
    if (i >= 0 && (h.recordedSingle(HOT_CONTACT, MULTI_CONTACT) || h.indexOfKey('contact', i + 1) < 0)) {
      const src = h.spanSource(i);
      let list: NameAddr[] | undefined;
      if (src !== undefined) {
        list = parseNameAddrList(src, h.spanStart(i), h.spanEnd(i), h.spanBytes());
      } else {
        const v = h.valueAt(i);
        list = parseNameAddrList(v, 0, v.length);
      }
      h.memoSet(MEMO_CONTACT, list ?? MISSING);
      return list ?? [];
    }
  }
  return (parseWith(msg, 'contact', P_CONTACT) as NameAddr[] | undefined) ?? [];
}

export function getMaxForwards(msg: SipMessage): number | undefined {
  return parseWith(msg, 'max-forwards', P_MAX_FORWARDS) as number | undefined;
}

/** Expires header in seconds (undefined if absent, malformed, or above 2^32-1). */
export function getExpires(msg: SipMessage): number | undefined {
  return parseWith(msg, 'expires', P_EXPIRES) as number | undefined;
}

/** Lower-case `type/subtype` of Content-Type, without parameters. */
export function getContentType(msg: SipMessage): string | undefined {
  return (parseWith(msg, 'content-type', P_CONTENT_TYPE) as MediaType | undefined)?.type;
}

export function getMediaType(msg: SipMessage): MediaType | undefined {
  return parseWith(msg, 'content-type', P_CONTENT_TYPE) as MediaType | undefined;
}

export function getRoutes(msg: SipMessage): NameAddr[] {
  return (parseWith(msg, 'route', P_ROUTE) as NameAddr[] | undefined) ?? [];
}

export function getRecordRoutes(msg: SipMessage): NameAddr[] {
  return (parseWith(msg, 'record-route', P_RECORD_ROUTE) as NameAddr[] | undefined) ?? [];
}
