/**
 * Parse and format the four authentication headers: WWW-Authenticate / Proxy-Authenticate
 * (challenges) and Authorization / Proxy-Authorization (credentials).
 *
 * Grammar (RFC 3261 §25.1, RFC 7616 §3.3-3.4, RFC 7235 §2.1):
 *
 *   challenge   = auth-scheme 1*SP [ token68 / auth-param *( COMMA auth-param ) ]
 *   auth-param  = token EQUAL ( token / quoted-string )      ; names are case-insensitive
 *   COMMA/EQUAL = SWS "," SWS / SWS "=" SWS
 *
 * One header line may hold several challenges ("Digest realm=a, Basic realm=b"); SIP usually sends
 * one per line, so the parsers accept a line or a list of lines. The scanner below reads the value
 * once, left to right, with no regular expressions (architecture.md habit 1): attacker-controlled
 * text never meets a backtracking engine.
 *
 * Malformed input never throws: an item that cannot be read is dropped, and callers see "no
 * credentials" (RFC 4475 §3.3.7 regaut01: an unknown scheme earns a fresh Digest challenge).
 */

/** Bounds so a hostile header costs linear time and bounded memory. */
export const AUTH_HEADER_LIMITS = {
  /** Characters in one header value; longer values are ignored entirely. */
  maxValueLength: 8192,
  /** auth-params in one challenge/credentials item. */
  maxParams: 32,
  /** Challenges (or credentials) in one header value. */
  maxItems: 8,
} as const;

/** One scheme with its parameters, as read from the wire. */
export interface AuthItem {
  /** Scheme as written (compare case-insensitively; see isDigest). */
  scheme: string;
  /** Lower-cased parameter names -> values (quoted strings unquoted and unescaped). */
  params: Map<string, string>;
  /** Names of params whose value was a quoted-string (some, like qop in credentials, must not be). */
  quoted: Set<string>;
  /** RFC 7235 token68 form (e.g. Basic), when present instead of params. */
  token68?: string;
}

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** stale=true (case-insensitive), RFC 7616 §3.3. */
  stale: boolean;
  /** The algorithm token as sent; 'MD5' when absent (RFC 7616 §3.3). */
  algorithm: string;
  /** qop-options, lower-cased; empty when the server sent no qop (RFC 2069 mode). */
  qop: string[];
  domain?: string;
  charset?: string;
  userhash?: boolean;
}

/** Every field optional: verification reports what is missing instead of the parser guessing. */
export interface DigestCredentials {
  username?: string;
  realm?: string;
  nonce?: string;
  uri?: string;
  response?: string;
  algorithm?: string;
  cnonce?: string;
  opaque?: string;
  qop?: string;
  nc?: string;
  userhash?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Character classes (RFC 3261 §25.1 token; RFC 7235 token68).

const TOKEN_CHARS = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) TOKEN_CHARS[c] = 1;
for (const ch of '"(),/:;<=>?@[\\]{}') TOKEN_CHARS[ch.charCodeAt(0)] = 0;
// RFC 3261 token (unlike HTTP's) admits none of the separators above, which matches.

const TOKEN68_CHARS = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TOKEN68_CHARS[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN68_CHARS[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN68_CHARS[c] = 1;
for (const ch of '-._~+/') TOKEN68_CHARS[ch.charCodeAt(0)] = 1;

function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN_CHARS[c] === 1;
}
function isWs(c: number): boolean {
  // SP, HTAB, and CR/LF left over from folded lines (the message parser normally unfolds).
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** A tiny cursor over one header value. */
class Scanner {
  pos = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): number {
    return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1;
  }
  skipWs(): void {
    while (this.pos < this.s.length && isWs(this.s.charCodeAt(this.pos))) this.pos++;
  }
  token(): string {
    const start = this.pos;
    this.skipToken();
    return this.s.slice(start, this.pos);
  }
  /** Moves past a token without building it. */
  skipToken(): void {
    while (this.pos < this.s.length && isTokenChar(this.s.charCodeAt(this.pos))) this.pos++;
  }
  /** Reads a quoted-string at pos (which must be '"'); undefined when unterminated or bad. */
  quoted(): string | undefined {
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += this.s.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === 0x5c) {
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        out += this.s.slice(runStart, this.pos);
        const next = this.s.charCodeAt(this.pos + 1);
        if (Number.isNaN(next) || next === 0x0a || next === 0x0d || next > 0x7f) return undefined;
        out += this.s[this.pos + 1];
        this.pos += 2;
        runStart = this.pos;
        continue;
      }
      if (c === 0x0a || c === 0x0d) return undefined; // bare CR/LF inside a quoted string
      this.pos++;
    }
    return undefined; // unterminated (cf. RFC 4475 quotbal)
  }
  /** Looks ahead (without moving) for `token68 [SWS] (',' | end)`; returns its end or -1. */
  token68End(): number {
    let p = this.pos;
    const s = this.s;
    while (p < s.length && s.charCodeAt(p) < 128 && TOKEN68_CHARS[s.charCodeAt(p)] === 1) p++;
    if (p === this.pos) return -1;
    while (p < s.length && s.charCodeAt(p) === 0x3d) p++; // trailing '=' padding
    let q = p;
    while (q < s.length && isWs(s.charCodeAt(q))) q++;
    if (q < s.length && s.charCodeAt(q) !== 0x2c) return -1;
    return p;
  }
}

/**
 * Reads every auth item (challenge or credentials) in one header value. Returns [] when the value
 * is malformed anywhere: a half-read header is never trusted (security.md §2.4, "accepted but
 * half-parsed").
 */
export function parseAuthItems(value: string): AuthItem[] {
  if (value.length > AUTH_HEADER_LIMITS.maxValueLength) return [];
  const sc = new Scanner(value);
  const items: AuthItem[] = [];
  sc.skipWs();
  while (!sc.done) {
    if (items.length >= AUTH_HEADER_LIMITS.maxItems) return [];
    const scheme = sc.token();
    if (!scheme) return [];
    const item: AuthItem = { scheme, params: new Map(), quoted: new Set() };
    items.push(item);
    const afterScheme = sc.pos;
    sc.skipWs();
    if (sc.done) break;
    if (sc.peek() === 0x2c) {
      // "Scheme," with no params: move on to the next item.
      sc.pos++;
      sc.skipWs();
      continue;
    }
    if (sc.pos === afterScheme) return []; // scheme must be followed by whitespace
    // token68 form (e.g. "Basic QWxhZGRpbjpvcGVu"), only when not followed by "=value".
    // Digest never uses token68 (RFC 7616 §3.3), so "Digest realm=" is a broken param, not token68.
    const t68End = isDigest(item) ? -1 : sc.token68End();
    if (t68End >= 0 && !looksLikeParam(value, sc.pos)) {
      item.token68 = value.slice(sc.pos, t68End);
      sc.pos = t68End;
      sc.skipWs();
      if (sc.peek() === 0x2c) {
        sc.pos++;
        sc.skipWs();
      }
      continue;
    }
    // auth-param list; a bare token followed by whitespace+token starts the next item.
    for (;;) {
      const nameStart = sc.pos;
      const name = sc.token();
      if (!name) return [];
      sc.skipWs();
      if (sc.peek() !== 0x3d) {
        // Not a param: this token is the next item's scheme (only valid right after a comma).
        if (item.params.size === 0 && item.token68 === undefined) return [];
        sc.pos = nameStart;
        break;
      }
      sc.pos++; // '='
      sc.skipWs();
      let v: string | undefined;
      let wasQuoted = false;
      if (sc.peek() === 0x22) {
        v = sc.quoted();
        wasQuoted = true;
      } else {
        v = sc.token();
        if (v === '') v = undefined;
      }
      if (v === undefined) return [];
      const key = name.toLowerCase();
      // RFC 7235 §2.2: each parameter name MUST only occur once per challenge. A duplicate is a
      // parser-differential hazard (two elements may pick different copies): reject the header.
      if (item.params.has(key)) return [];
      if (item.params.size >= AUTH_HEADER_LIMITS.maxParams) return [];
      item.params.set(key, v);
      if (wasQuoted) item.quoted.add(key);
      sc.skipWs();
      if (sc.done) break;
      if (sc.peek() !== 0x2c) return [];
      sc.pos++;
      sc.skipWs();
      if (sc.done) return []; // trailing comma
      // Decide: another param of this item, or a new item? Look at what follows the next token.
      const save = sc.pos;
      sc.skipToken();
      sc.skipWs();
      const isParam = sc.peek() === 0x3d;
      sc.pos = save;
      if (!isParam) break;
    }
  }
  return items;
}

/** True when the text at pos is `token SWS "="` followed by a value (not token68 padding). */
function looksLikeParam(s: string, pos: number): boolean {
  let p = pos;
  while (p < s.length && isTokenChar(s.charCodeAt(p))) p++;
  if (p === pos) return false;
  while (p < s.length && isWs(s.charCodeAt(p))) p++;
  if (s.charCodeAt(p) !== 0x3d) return false;
  p++;
  while (p < s.length && isWs(s.charCodeAt(p))) p++;
  if (p >= s.length) return false;
  const c = s.charCodeAt(p);
  return c === 0x22 || (isTokenChar(c) && c !== 0x3d);
}

export function isDigest(item: AuthItem): boolean {
  return item.scheme.length === 6 && item.scheme.toLowerCase() === 'digest';
}

function asLines(values: string | readonly string[]): readonly string[] {
  return typeof values === 'string' ? [values] : values;
}

/**
 * All Digest challenges in one or more WWW-Authenticate / Proxy-Authenticate values, in order
 * (RFC 8760 §2.4: the server lists its preferred algorithm first). Challenges without realm or
 * nonce, or with other schemes, are skipped.
 */
export function parseDigestChallenges(values: string | readonly string[]): DigestChallenge[] {
  const out: DigestChallenge[] = [];
  for (const line of asLines(values)) {
    for (const item of parseAuthItems(line)) {
      if (!isDigest(item)) continue;
      const p = item.params;
      const realm = p.get('realm');
      const nonce = p.get('nonce');
      if (realm === undefined || nonce === undefined) continue;
      const ch: DigestChallenge = {
        realm,
        nonce,
        stale: (p.get('stale') ?? '').toLowerCase() === 'true',
        algorithm: p.get('algorithm') ?? 'MD5',
        qop: splitQopOptions(p.get('qop')),
      };
      const opaque = p.get('opaque');
      if (opaque !== undefined) ch.opaque = opaque;
      const domain = p.get('domain');
      if (domain !== undefined) ch.domain = domain;
      const charset = p.get('charset');
      if (charset !== undefined) ch.charset = charset;
      const userhash = p.get('userhash');
      if (userhash !== undefined) ch.userhash = userhash.toLowerCase() === 'true';
      out.push(ch);
    }
  }
  return out;
}

/** qop-options = 1#qop-value inside one quoted string: split on commas, trim, lower-case. */
function splitQopOptions(v: string | undefined): string[] {
  if (v === undefined) return [];
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= v.length; i++) {
    if (i === v.length || v.charCodeAt(i) === 0x2c) {
      const part = v.slice(start, i).trim().toLowerCase();
      if (part) out.push(part);
      start = i + 1;
    }
  }
  return out;
}

const CREDENTIAL_FIELDS = ['username', 'realm', 'nonce', 'uri', 'response', 'algorithm', 'cnonce', 'opaque', 'qop', 'nc'] as const;

function credentialsFromItem(item: AuthItem): DigestCredentials {
  const p = item.params;
  const c: DigestCredentials = {};
  for (const f of CREDENTIAL_FIELDS) {
    const v = p.get(f);
    if (v !== undefined) c[f] = v;
  }
  const uh = p.get('userhash');
  if (uh !== undefined) c.userhash = uh.toLowerCase() === 'true';
  return c;
}

/** The first Digest credentials in one Authorization value; undefined for other schemes/garbage. */
export function parseDigestCredentials(value: string): DigestCredentials | undefined {
  for (const item of parseAuthItems(value)) {
    if (isDigest(item)) return credentialsFromItem(item);
  }
  return undefined;
}

/**
 * Picks the Digest credentials meant for `realm` among several Authorization lines (RFC 3261
 * §22.4: a UA may send one per realm). Without a realm, the first Digest credentials win.
 */
export function findDigestCredentials(values: string | readonly string[], realm?: string): DigestCredentials | undefined {
  for (const line of asLines(values)) {
    for (const item of parseAuthItems(line)) {
      if (!isDigest(item)) continue;
      const c = credentialsFromItem(item);
      if (realm === undefined || c.realm === realm) return c;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** quoted-string with `"` and `\` escaped; control characters (never legal there) dropped. */
export function quote(v: string): string {
  // Usual case (nonces, realms, URIs): nothing to escape or drop, one concatenation.
  let plain = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x22 || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return `"${v}"`;
  let out = '"';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) continue;
    if (c === 0x22 || c === 0x5c) out += '\\';
    out += v[i];
  }
  return out + '"';
}

/** `Digest realm="..", nonce="..", opaque="..", stale=TRUE, algorithm=X, qop="auth"` */
export function formatDigestChallenge(ch: {
  realm: string;
  nonce: string;
  algorithm?: string;
  qop?: readonly string[];
  opaque?: string;
  stale?: boolean;
  domain?: string;
}): string {
  const parts = [`realm=${quote(ch.realm)}`];
  if (ch.domain !== undefined) parts.push(`domain=${quote(ch.domain)}`);
  parts.push(`nonce=${quote(ch.nonce)}`);
  if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`);
  if (ch.stale) parts.push('stale=TRUE');
  if (ch.algorithm) parts.push(`algorithm=${ch.algorithm}`);
  if (ch.qop && ch.qop.length > 0) parts.push(`qop=${quote(ch.qop.join(','))}`);
  return `Digest ${parts.join(', ')}`;
}

/** Credentials in the order most servers expect; qop, nc and algorithm unquoted (RFC 7616 §3.4). */
export function formatDigestCredentials(c: DigestCredentials): string {
  const parts: string[] = [];
  if (c.username !== undefined) parts.push(`username=${quote(c.username)}`);
  if (c.realm !== undefined) parts.push(`realm=${quote(c.realm)}`);
  if (c.nonce !== undefined) parts.push(`nonce=${quote(c.nonce)}`);
  if (c.uri !== undefined) parts.push(`uri=${quote(c.uri)}`);
  if (c.response !== undefined) parts.push(`response=${quote(c.response)}`);
  if (c.algorithm !== undefined) parts.push(`algorithm=${c.algorithm}`);
  if (c.cnonce !== undefined) parts.push(`cnonce=${quote(c.cnonce)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  if (c.qop !== undefined) parts.push(`qop=${c.qop}`);
  if (c.nc !== undefined) parts.push(`nc=${c.nc}`);
  if (c.userhash !== undefined) parts.push(`userhash=${c.userhash ? 'true' : 'false'}`);
  return `Digest ${parts.join(', ')}`;
}
