/**
 * Header names: case-insensitive (RFC 3261 §7.3.1) with compact forms. Every header is keyed by
 * its lower-case long name; `v`, `V`, `via` and `VIA` all have the key `via`.
 *
 * Compact forms: RFC 3261 §7.3.3 (c e f i k l m s t v), RFC 6665/3265 (o u), RFC 3515 (r),
 * RFC 3892 (b), RFC 4028 (x), RFC 3841 (a j d), RFC 4474 (y n).
 */

export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

/** Spellings seen on the wire for the headers every message carries, by (length, first letter). */
const COMMON = [
  'Via', 'From', 'To', 'Call-ID', 'Call-Id', 'CSeq', 'Cseq', 'Contact', 'Max-Forwards', 'Content-Length',
  'Content-Type', 'Route', 'Record-Route', 'Expires', 'Allow', 'Supported', 'Require', 'User-Agent', 'Server',
  'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Accept', 'Session-Expires',
  'Min-SE', 'Event', 'Subscription-State', 'Timestamp', 'Date', 'Subject', 'Allow-Events', 'Refer-To',
  'Referred-By', 'Organization', 'Privacy', 'P-Asserted-Identity', 'Remote-Party-ID', 'Reason', 'RSeq', 'RAck',
  'Content-Disposition', 'Accept-Language', 'Accept-Encoding', 'Unsupported', 'Proxy-Require', 'Warning',
  'Retry-After', 'Min-Expires', 'Path', 'Diversion',
];

/**
 * The same string, internalized by V8 (property keys are): keys compared with `===` against
 * literals then match by pointer instead of by content.
 */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0]!;
}

/** Parallel tables: SPELLINGS[i] (exact wire spelling) has the key KEYS[i]. */
const SPELLINGS: string[] = [];
const KEYS: string[] = [];
/**
 * Names are looked up by shape, slot = length * 32 + ((first char | 0x20) & 31): SHAPE_HEAD[slot]
 * is the first spelling index with that shape (-1: none), SHAPE_NEXT[i] the next one.
 */
const MAX_COMMON_LENGTH = 63;
const SHAPE_HEAD = new Int16Array((MAX_COMMON_LENGTH + 1) * 32).fill(-1);
const SHAPE_NEXT: number[] = [];
for (const spelling of COMMON) {
  for (const variant of [spelling, spelling.toLowerCase()]) {
    if (SPELLINGS.includes(variant)) continue;
    const idx = SPELLINGS.length;
    SPELLINGS.push(internalized(variant));
    KEYS.push(internalized(spelling.toLowerCase()));
    // Append at the tail of the slot's chain (first spellings first).
    const slot = variant.length * 32 + ((variant.charCodeAt(0) | 0x20) & 31);
    SHAPE_NEXT.push(-1);
    if (SHAPE_HEAD[slot] === -1) {
      SHAPE_HEAD[slot] = idx;
    } else {
      let k = SHAPE_HEAD[slot]!;
      while (SHAPE_NEXT[k]! >= 0) k = SHAPE_NEXT[k]!;
      SHAPE_NEXT[k] = idx;
    }
  }
}

/**
 * If s[from, to) is spelled exactly like one of the common header names, its index (for
 * spellingAt/keyAt), else -1. Lets the parser skip slicing and key computation for the headers
 * every message carries: the stored name is then an interned constant.
 */
export function commonNameAt(s: string, from: number, to: number): number {
  const len = to - from;
  if (len > MAX_COMMON_LENGTH) return -1;
  outer: for (let idx = SHAPE_HEAD[len * 32 + ((s.charCodeAt(from) | 0x20) & 31)]!; idx >= 0; idx = SHAPE_NEXT[idx]!) {
    const sp = SPELLINGS[idx]!;
    for (let k = 0; k < len; k++) if (sp.charCodeAt(k) !== s.charCodeAt(from + k)) continue outer;
    return idx;
  }
  return -1;
}

/** @internal The spellings the parser knows without scanning (for tests). */
export function commonSpellings(): readonly string[] {
  return SPELLINGS;
}

/** SPELLINGS as bytes, one after another; spelling i starts at CODE_START[i]. */
const CODES = new Uint8Array(SPELLINGS.reduce((n, sp) => n + sp.length, 0));
const CODE_START: number[] = [];
{
  let o = 0;
  for (let i = 0; i < SPELLINGS.length; i++) {
    CODE_START.push(o);
    for (let k = 0; k < SPELLINGS[i]!.length; k++) CODES[o++] = SPELLINGS[i]!.charCodeAt(k);
  }
}

/**
 * commonNameAt over bytes: buf[from, to) spelled exactly like a common header name. Typed-array
 * loads cost about half a string charCodeAt, and this runs once per header line.
 */
export function commonNameAtBytes(buf: Uint8Array, from: number, to: number): number {
  const len = to - from;
  if (len > MAX_COMMON_LENGTH) return -1;
  outer: for (let idx = SHAPE_HEAD[len * 32 + ((buf[from]! | 0x20) & 31)]!; idx >= 0; idx = SHAPE_NEXT[idx]!) {
    const base = CODE_START[idx]! - from;
    for (let k = from; k < to; k++) if (CODES[base + k] !== buf[k]) continue outer;
    return idx;
  }
  return -1;
}

const LENGTHS: number[] = SPELLINGS.map((sp) => sp.length);

/**
 * A second index for the parser's fast path: every spelling of 3 or more chars with its colon
 * (`Allow:`), as little-endian 32-bit words, the last one masked to the bytes it holds; looked up
 * by a hash of the first word (the first 4 bytes as written), so a line is matched with a few
 * word compares.
 */
const COLON_WORDS: number[] = [];
const COLON_WORD_START: number[] = [];
const COLON_WORD_COUNT: number[] = [];
const COLON_LAST_MASK: number[] = [];
const COLON_HASH_BITS = 7;
const COLON_HEAD = new Int16Array(1 << COLON_HASH_BITS).fill(-1);
const COLON_NEXT: number[] = SPELLINGS.map(() => -1);

function colonHash(w: number): number {
  return Math.imul(w, 0x9e3779b1) >>> (32 - COLON_HASH_BITS);
}

for (let idx = 0; idx < SPELLINGS.length; idx++) {
  const withColon = SPELLINGS[idx]! + ':';
  COLON_WORD_START.push(COLON_WORDS.length);
  const n = (withColon.length + 3) >> 2;
  COLON_WORD_COUNT.push(n);
  for (let j = 0; j < n; j++) {
    let w = 0;
    for (let k = 0; k < 4 && 4 * j + k < withColon.length; k++) w |= withColon.charCodeAt(4 * j + k) << (8 * k);
    COLON_WORDS.push(w | 0);
  }
  const tail = withColon.length & 3;
  COLON_LAST_MASK.push(tail === 0 ? -1 : (1 << (8 * tail)) - 1);
  if (withColon.length < 4) continue; // `To:` / `to:`: matched by usualNameColonAt
  const h = colonHash(COLON_WORDS[COLON_WORD_START[idx]!]!);
  if (COLON_HEAD[h] === -1) {
    COLON_HEAD[h] = idx;
  } else {
    let k = COLON_HEAD[h]!;
    while (COLON_NEXT[k]! >= 0) k = COLON_NEXT[k]!;
    COLON_NEXT[k] = idx;
  }
}

/**
 * The common header name written at buf[pos] and followed directly by ":" (as nearly every
 * sender writes it), or -1: then the caller finds the colon and uses commonNameAtBytes. The name
 * ends at pos + lengthAt(idx). (Names shorter than 3 chars are left to usualNameColonAt.)
 */
export function commonNameColonAt(buf: Uint8Array, pos: number): number {
  const w = at4(buf, pos);
  outer: for (let idx = COLON_HEAD[colonHash(w)]!; idx >= 0; idx = COLON_NEXT[idx]!) {
    const start = COLON_WORD_START[idx]!;
    if (COLON_WORDS[start] !== w) continue;
    const n = COLON_WORD_COUNT[idx]!;
    if (n === 1) return idx;
    for (let j = 1; j < n - 1; j++) if (at4(buf, pos + 4 * j) !== COLON_WORDS[start + j]) continue outer;
    if ((at4(buf, pos + 4 * (n - 1)) & COLON_LAST_MASK[idx]!) === COLON_WORDS[start + n - 1]) return idx;
  }
  return -1;
}

/** b[p, p + 4) as a little-endian 32-bit word (bytes past the end read as 0). */
function at4(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) | 0;
}

function word(s: string): number {
  return (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) | 0;
}

function spelling(name: string): number {
  const i = SPELLINGS.indexOf(name);
  if (i < 0) throw new Error(`header-names: ${name} is not a common spelling`);
  return i;
}

// The spellings nearly every message uses, with their colon, as words: matched without walking
// the tables (commonNameColonAt is the general case).
const W_VIA = word('Via:');
const W_TO = word('To:\0') & 0xffffff;
const W_FROM = word('From');
const W_CSEQ = word('CSeq');
const W_CALL = word('Call');
const W_ID = word('-ID:');
const W_CONT = word('Cont');
const W_ACT = word('act:');
const W_ENT = word('ent-');
const W_TYPE = word('Type');
const W_LENG = word('Leng');
const W_TH = word('th:\0') & 0xffffff;
const W_MAX = word('Max-');
const W_FORW = word('Forw');
const W_ARDS = word('ards');
const I_VIA = spelling('Via');
const I_TO = spelling('To');
const I_FROM = spelling('From');
const I_CSEQ = spelling('CSeq');
const I_CALL_ID = spelling('Call-ID');
const I_CONTACT = spelling('Contact');
const I_CONTENT_TYPE = spelling('Content-Type');
const I_CONTENT_LENGTH = spelling('Content-Length');
const I_MAX_FORWARDS = spelling('Max-Forwards');

/**
 * commonNameColonAt with the usual spellings (Via, To, From, CSeq, Call-ID, Contact,
 * Content-Type, Content-Length, Max-Forwards) compared as 32-bit words first.
 */
export function usualNameColonAt(b: Uint8Array, p: number): number {
  const w = at4(b, p);
  if (w === W_VIA) return I_VIA;
  if ((w & 0xffffff) === W_TO) return I_TO;
  if (w === W_FROM) {
    if (b[p + 4] === 0x3a) return I_FROM;
  } else if (w === W_CSEQ) {
    if (b[p + 4] === 0x3a) return I_CSEQ;
  } else if (w === W_CALL) {
    if (at4(b, p + 4) === W_ID) return I_CALL_ID;
  } else if (w === W_CONT) {
    const w1 = at4(b, p + 4);
    if (w1 === W_ACT) return I_CONTACT;
    if (w1 === W_ENT) {
      const w2 = at4(b, p + 8);
      if (w2 === W_TYPE && b[p + 12] === 0x3a) return I_CONTENT_TYPE;
      if (w2 === W_LENG && (at4(b, p + 12) & 0xffffff) === W_TH) return I_CONTENT_LENGTH;
    }
  } else if (w === W_MAX) {
    if (at4(b, p + 4) === W_FORW && at4(b, p + 8) === W_ARDS && b[p + 12] === 0x3a) return I_MAX_FORWARDS;
  }
  return commonNameColonAt(b, p);
}

/** Hot keys (see Headers.firstLine): the parser records where their first line is. */
export const HOT_VIA = 0;
export const HOT_FROM = 1;
export const HOT_TO = 2;
export const HOT_CALL_ID = 3;
export const HOT_CSEQ = 4;
export const HOT_CONTACT = 5;
const HOT_BY_KEY = new Map([['via', 0], ['from', 1], ['to', 2], ['call-id', 3], ['cseq', 4], ['contact', 5]]);
const HOT_OF = KEYS.map((k) => HOT_BY_KEY.get(k) ?? -1);

/** The hot key number of spelling idx, or -1. */
export function hotAt(idx: number): number {
  return HOT_OF[idx]!;
}

/** The hot key number of a key (see headerKey), or -1. */
export function hotOfKey(key: string): number {
  return HOT_BY_KEY.get(key) ?? -1;
}

export function lengthAt(idx: number): number {
  return LENGTHS[idx]!;
}

export function spellingAt(idx: number): string {
  return SPELLINGS[idx]!;
}

export function keyAt(idx: number): string {
  return KEYS[idx]!;
}

const COMPACT_BY_CODE: Array<string | undefined> = [];
for (const [c, key] of Object.entries(COMPACT_FORMS)) COMPACT_BY_CODE[c.charCodeAt(0)] = key;

/**
 * The lower-case long name for a header name as written (`i` -> `call-id`, `MaX-fOrWaRdS` ->
 * `max-forwards`). Runs once per header line on the parse path, so the usual spellings are
 * matched by shape and one compare instead of hashing.
 */
export function headerKey(name: string): string {
  // API callers pass literals ('via', 'Call-ID'): interned strings hash for free.
  const cached = apiKeys.get(name);
  if (cached !== undefined) return cached;
  const key = computeHeaderKey(name);
  if (apiKeys.size < API_KEYS_MAX) apiKeys.set(name, key);
  return key;
}

const API_KEYS_MAX = 256;
const apiKeys = new Map<string, string>();

/** headerKey without the look-up cache (for names read off the wire). */
export function computeHeaderKey(name: string): string {
  const len = name.length;
  if (len === 1) {
    const k = COMPACT_BY_CODE[name.charCodeAt(0) | 0x20];
    if (k !== undefined) return k;
    return name.toLowerCase();
  }
  if (len === 0) return name;
  const idx = commonNameAt(name, 0, len);
  if (idx >= 0) return KEYS[idx]!;
  return name.toLowerCase();
}

/** Conventional spelling for headers this stack writes (`call-id` -> `Call-ID`). */
const PRETTY: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
};

export function prettyHeaderName(name: string): string {
  const key = headerKey(name);
  const p = PRETTY[key];
  if (p) return p;
  let out = '';
  let up = true;
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    out += up ? ch.toUpperCase() : ch;
    up = ch === '-';
  }
  return out;
}
