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
import { Headers, MEMO_SLOTS } from './headers';
import { headerKey } from './header-names';
import { parseNameAddr, parseNameAddrList } from './name-addr';
import { getParam } from './params';
import { parseCSeq, parseCallId, parseDeltaSeconds, parseMaxForwards, parseMediaType, type MediaType } from './scalars';
import { parseVia, viaBranch } from './via';

interface HeaderParser {
  /** Memo slot in Headers. */
  slot: number;
  /** List headers concatenate the values of every line; others read the first line. */
  list: boolean;
  parse: (v: string) => unknown;
}

const TABLE: Array<[key: string, list: boolean, parse: (v: string) => unknown]> = [
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
  ['call-id', false, parseCallId],
  ['max-forwards', false, parseMaxForwards],
  ['expires', false, parseDeltaSeconds],
  ['min-expires', false, parseDeltaSeconds],
  ['content-type', false, parseMediaType],
];

/** The table of header parsers, keyed by lower-case long name (see headerKey). */
export const HEADER_PARSERS: ReadonlyMap<string, HeaderParser> = new Map(
  TABLE.map(([key, list, parse], slot) => [key, { slot, list, parse }]),
);

const MISSING = Symbol('missing');
const TOP_VIA_SLOT = TABLE.length;
if (TOP_VIA_SLOT >= MEMO_SLOTS) throw new Error('accessors: raise MEMO_SLOTS in headers.ts');

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

function parseWith(msg: SipMessage, key: string, p: HeaderParser): unknown {
  const h = msg.headers;
  const memo = h instanceof Headers ? h : undefined;
  if (memo !== undefined) {
    const cached = memo.memoGet(p.slot);
    if (cached !== undefined) return cached === MISSING ? undefined : cached;
  }
  let result: unknown;
  if (p.list) {
    const lines = memo !== undefined ? memo.getAllByKey(key) : h.getAll(key);
    let all: unknown[] | undefined = [];
    for (let i = 0; i < lines.length; i++) {
      const part = p.parse(lines[i]!) as unknown[] | undefined;
      if (part === undefined) {
        all = undefined;
        break;
      }
      for (let j = 0; j < part.length; j++) all.push(part[j]);
    }
    result = all;
  } else {
    const v = memo !== undefined ? memo.getByKey(key) : h.get(key);
    result = v === undefined ? undefined : p.parse(v);
  }
  if (memo !== undefined) memo.memoSet(p.slot, result === undefined ? MISSING : result);
  return result;
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

/** Every Via value, top first, across all Via lines ([] if absent or any is malformed). */
export function getVias(msg: SipMessage): Via[] {
  return (parseWith(msg, 'via', P_VIA) as Via[] | undefined) ?? [];
}

/** The top Via value (only the first line is parsed). */
export function getTopVia(msg: SipMessage): Via | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    const first = h.get('via');
    return first === undefined ? undefined : parseVia(first)?.[0];
  }
  const cached = h.memoGet(TOP_VIA_SLOT);
  if (cached !== undefined) return cached === MISSING ? undefined : (cached as Via);
  const first = h.getByKey('via');
  const top = first === undefined ? undefined : parseVia(first)?.[0];
  h.memoSet(TOP_VIA_SLOT, top ?? MISSING);
  return top;
}

/** Branch of the top Via (RFC 3261 §17.2.3 transaction matching). */
export function getBranch(msg: SipMessage): string | undefined {
  const v = getTopVia(msg);
  return v ? viaBranch(v) : undefined;
}

/**
 * The Call-ID as received (the parser already trimmed it). It is an opaque token compared
 * byte for byte (RFC 3261 §20.8), so no parsing happens here; validateRequest checks its grammar.
 */
export function getCallId(msg: SipMessage): string | undefined {
  const h = msg.headers;
  return h instanceof Headers ? h.getByKey('call-id') : h.get('call-id');
}

/*
 * The hot single-valued accessors are spelled out (not routed through parseWith) so each call
 * site of a parse function stays monomorphic and inlinable.
 */
export function getCSeq(msg: SipMessage): CSeq | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    const v = h.get('cseq');
    return v === undefined ? undefined : parseCSeq(v);
  }
  const cached = h.memoGet(P_CSEQ.slot);
  if (cached !== undefined) return cached === MISSING ? undefined : (cached as CSeq);
  const v = h.getByKey('cseq');
  const r = v === undefined ? undefined : parseCSeq(v);
  h.memoSet(P_CSEQ.slot, r ?? MISSING);
  return r;
}

export function getFrom(msg: SipMessage): NameAddr | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    const v = h.get('from');
    return v === undefined ? undefined : parseNameAddr(v);
  }
  const cached = h.memoGet(P_FROM.slot);
  if (cached !== undefined) return cached === MISSING ? undefined : (cached as NameAddr);
  const v = h.getByKey('from');
  const r = v === undefined ? undefined : parseNameAddr(v);
  h.memoSet(P_FROM.slot, r ?? MISSING);
  return r;
}

export function getTo(msg: SipMessage): NameAddr | undefined {
  const h = msg.headers;
  if (!(h instanceof Headers)) {
    const v = h.get('to');
    return v === undefined ? undefined : parseNameAddr(v);
  }
  const cached = h.memoGet(P_TO.slot);
  if (cached !== undefined) return cached === MISSING ? undefined : (cached as NameAddr);
  const v = h.getByKey('to');
  const r = v === undefined ? undefined : parseNameAddr(v);
  h.memoSet(P_TO.slot, r ?? MISSING);
  return r;
}

function tagOf(n: NameAddr | undefined): string | undefined {
  if (!n) return undefined;
  const t = getParam(n.params, 'tag');
  return t === null ? undefined : t;
}

export function getFromTag(msg: SipMessage): string | undefined {
  return tagOf(getFrom(msg));
}

export function getToTag(msg: SipMessage): string | undefined {
  return tagOf(getTo(msg));
}

/** Every Contact value across all lines ([] if absent or malformed). A `*` is `{ wildcard: true }`. */
export function getContacts(msg: SipMessage): NameAddr[] {
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
