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
import { Headers } from './headers';
import { headerKey } from './header-names';
import { parseNameAddr, parseNameAddrList } from './name-addr';
import { getParam } from './params';
import { parseCSeq, parseCallId, parseDeltaSeconds, parseMaxForwards, parseMediaType, type MediaType } from './scalars';
import { parseVia, viaBranch } from './via';

/** How each structured header is parsed. `list` headers concatenate the values of every line. */
export const HEADER_PARSERS: Readonly<Record<string, { list: boolean; parse: (v: string) => unknown }>> = {
  via: { list: true, parse: parseVia },
  contact: { list: true, parse: parseNameAddrList },
  route: { list: true, parse: parseNameAddrList },
  'record-route': { list: true, parse: parseNameAddrList },
  path: { list: true, parse: parseNameAddrList },
  from: { list: false, parse: parseNameAddr },
  to: { list: false, parse: parseNameAddr },
  'refer-to': { list: false, parse: parseNameAddr },
  'referred-by': { list: false, parse: parseNameAddr },
  cseq: { list: false, parse: parseCSeq },
  'call-id': { list: false, parse: parseCallId },
  'max-forwards': { list: false, parse: parseMaxForwards },
  expires: { list: false, parse: parseDeltaSeconds },
  'min-expires': { list: false, parse: parseDeltaSeconds },
  'content-type': { list: false, parse: parseMediaType },
};

const MISSING = Symbol('missing');
const TOP_VIA = ' top-via'; // not a header key: header keys have no spaces

/**
 * Parse header `name` of msg with its table entry: for list headers, every line's values in
 * order (undefined if any line is malformed); otherwise the first line's value.
 */
export function getParsedHeader<T>(msg: SipMessage, name: string): T | undefined {
  const key = headerKey(name);
  const entry = HEADER_PARSERS[key];
  if (!entry) throw new Error(`no parser for header ${name}`);
  const h = msg.headers;
  const memo = h instanceof Headers ? h : undefined;
  if (memo) {
    const cached = memo.memoGet(key);
    if (cached !== undefined) return cached === MISSING ? undefined : (cached as T);
  }
  let result: unknown;
  if (entry.list) {
    const lines = h.getAll(key);
    let all: unknown[] | undefined = [];
    for (const line of lines) {
      const part = entry.parse(line) as unknown[] | undefined;
      if (!part) {
        all = undefined;
        break;
      }
      for (const x of part) all.push(x);
    }
    result = all;
  } else {
    const v = h.get(key);
    result = v === undefined ? undefined : entry.parse(v);
  }
  if (memo) memo.memoSet(key, result === undefined ? MISSING : result);
  return result as T | undefined;
}

/** Every Via value, top first, across all Via lines ([] if absent or any is malformed). */
export function getVias(msg: SipMessage): Via[] {
  return getParsedHeader<Via[]>(msg, 'via') ?? [];
}

/** The top Via value (only the first line is parsed). */
export function getTopVia(msg: SipMessage): Via | undefined {
  const h = msg.headers;
  const memo = h instanceof Headers ? h : undefined;
  const cached = memo?.memoGet(TOP_VIA);
  if (cached !== undefined) return cached === MISSING ? undefined : (cached as Via);
  const first = h.get('via');
  const top = first === undefined ? undefined : parseVia(first)?.[0];
  memo?.memoSet(TOP_VIA, top ?? MISSING);
  return top;
}

/** Branch of the top Via (RFC 3261 §17.2.3 transaction matching). */
export function getBranch(msg: SipMessage): string | undefined {
  const v = getTopVia(msg);
  return v ? viaBranch(v) : undefined;
}

export function getCallId(msg: SipMessage): string | undefined {
  return getParsedHeader<string>(msg, 'call-id');
}

export function getCSeq(msg: SipMessage): CSeq | undefined {
  return getParsedHeader<CSeq>(msg, 'cseq');
}

export function getFrom(msg: SipMessage): NameAddr | undefined {
  return getParsedHeader<NameAddr>(msg, 'from');
}

export function getTo(msg: SipMessage): NameAddr | undefined {
  return getParsedHeader<NameAddr>(msg, 'to');
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
  return getParsedHeader<NameAddr[]>(msg, 'contact') ?? [];
}

export function getMaxForwards(msg: SipMessage): number | undefined {
  return getParsedHeader<number>(msg, 'max-forwards');
}

/** Expires header in seconds (undefined if absent, malformed, or above 2^32-1). */
export function getExpires(msg: SipMessage): number | undefined {
  return getParsedHeader<number>(msg, 'expires');
}

/** Lower-case `type/subtype` of Content-Type, without parameters. */
export function getContentType(msg: SipMessage): string | undefined {
  return getParsedHeader<MediaType>(msg, 'content-type')?.type;
}

export function getMediaType(msg: SipMessage): MediaType | undefined {
  return getParsedHeader<MediaType>(msg, 'content-type');
}

export function getRoutes(msg: SipMessage): NameAddr[] {
  return getParsedHeader<NameAddr[]>(msg, 'route') ?? [];
}

export function getRecordRoutes(msg: SipMessage): NameAddr[] {
  return getParsedHeader<NameAddr[]>(msg, 'record-route') ?? [];
}
