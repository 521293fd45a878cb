/**
 * Character classes of the RFC 3261 §25.1 grammar as a lookup table, plus %-escaping.
 *
 * Every scanner in this folder walks strings index by index and asks `is(code, CLASS)`; there is
 * no regular expression anywhere on the parse path (architecture.md habit 1).
 *
 * Scanners take an explicit `end` (default: the string's length) because header values are
 * parsed in place, as ranges of the message's flat header text (headers.ts, accessors.ts):
 * cutting each value out first would cost a copy and make every charCodeAt slower (a sliced
 * string is read through its parent).
 */

export const TOKEN = 1; //       alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
export const WORD = 2; //        token chars + "(" ")" "<" ">" ":" "\" DQUOTE "/" "[" "]" "?" "{" "}"
export const UNRESERVED = 4; //  alphanum / mark ("-" "_" "." "!" "~" "*" "'" "(" ")")
export const USER = 8; //        unreserved / user-unreserved ("&" "=" "+" "$" "," ";" "?" "/")
export const PASSWORD = 16; //   unreserved / "&" "=" "+" "$" ","
export const PARAM = 32; //      paramchar without escaped: param-unreserved ("[" "]" "/" ":" "&" "+" "$") / unreserved
export const HNV = 64; //        hnv-unreserved ("[" "]" "/" "?" ":" "+" "$") / unreserved
export const HOST = 128; //      hostname chars: alphanum "-" "." (and "_", tolerated)
export const URIC = 256; //      uric for absoluteURI: reserved / unreserved / "%" (+ "[" "]" "#")
export const HEX = 512;
export const DIGIT = 1024;
export const GENVALUE = 2048; // token chars + "[" "]" ":" (gen-value = token / host / quoted-string)
export const SCHEME = 4096; //   ALPHA / DIGIT / "+" / "-" / "."
export const TEL = 8192; //      tel number chars we accept unescaped (RFC 3966 par minus ";" "?")
export const TOKEN_LWS = 16384; // token chars + SP + HTAB (an unquoted display-name)
export const ADDR_SPEC_END = 32768; // ";" "," SP HTAB: where an addr-spec without <> ends
export const USERINFO = 65536; //  USER / "%" / ":": what may stand before the "@" of a sip URI
/** Letter-case bits (scanCased). */
export const UPPER = 1 << 17;
export const LOWER = 1 << 18;

/** Class bits by code; 256 entries so a byte indexes it without a range check (>= 128: none). */
const TBL = new Int32Array(256); // module-local: exported bindings are slower to read in hot code
export const TABLE = TBL;

function add(chars: string, flag: number): void {
  for (let i = 0; i < chars.length; i++) TBL[chars.charCodeAt(i)]! |= flag;
}

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = ALPHA + DIGITS;
const MARK = "-_.!~*'()";

add(ALNUM + "-.!%*_+`'~", TOKEN);
add(ALNUM + "-.!%*_+`'~" + '()<>:\\"/[]?{}', WORD);
add(ALNUM + MARK, UNRESERVED);
add(ALNUM + MARK + '&=+$,;?/', USER);
add(ALNUM + MARK + '&=+$,', PASSWORD);
add(ALNUM + MARK + '[]/:&+$', PARAM);
add(ALNUM + MARK + '[]/?:+$', HNV);
add(ALNUM + '-._', HOST);
add(ALNUM + MARK + ';/?:@&=+$,%[]#', URIC);
add(DIGITS + 'abcdefABCDEF', HEX);
add(DIGITS, DIGIT);
add(ALNUM + "-.!%*_+`'~" + '[]:', GENVALUE);
add(ALNUM + '+-.', SCHEME);
add(ALNUM + MARK + '&=+$,/:@[]#', TEL);
add(ALNUM + "-.!%*_+`'~" + ' \t', TOKEN_LWS);
add(';, \t', ADDR_SPEC_END);
add(ALNUM + MARK + '&=+$,;?/%:', USERINFO);
add('ABCDEFGHIJKLMNOPQRSTUVWXYZ', UPPER);
add('abcdefghijklmnopqrstuvwxyz', LOWER);

/** True when the UTF-16 code unit `c` is ASCII and in class `flag`. */
export function is(c: number, flag: number): boolean {
  return c < 128 && (TBL[c]! & flag) !== 0;
}

export function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Index of the first char at or after `i` (before `end`) that is not SP/HTAB. */
export function skipWsp(s: string, i: number, end = s.length): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}

/** Index after the run of chars of class `flag` starting at `i` (at most `end`). */
export function scan(s: string, i: number, flag: number, end = s.length): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (TBL[c]! & flag) === 0) break;
    i++;
  }
  return i;
}

/** ASCII case-insensitive equality without allocating (toLowerCase costs ~100 ns). */
export function equalsIgnoreCase(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const lx = x | 0x20;
    if (lx !== (y | 0x20) || lx < 0x61 || lx > 0x7a) return false;
  }
  return true;
}

/** True when every char of s[from, to) is in class `flag`. */
export function allIn(s: string, flag: number, from = 0, to = s.length): boolean {
  return scan(s, from, flag, to) >= to;
}

export function isToken(s: string): boolean {
  return s.length > 0 && allIn(s, TOKEN);
}

export function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

const HEXDIGITS = '0123456789ABCDEF';

/** %-escape every octet of s (as UTF-8) that is not an ASCII char of class `allowed`. */
export function escape(s: string, allowed: number): string {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (TBL[c]! & allowed) === 0 || c === 0x25) break;
    i++;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  const rest = Buffer.from(s.slice(i), 'utf8');
  for (let j = 0; j < rest.length; j++) {
    const b = rest[j]!;
    if (b < 128 && b !== 0x25 && (TBL[b]! & allowed) !== 0) out += String.fromCharCode(b);
    else out += '%' + HEXDIGITS[b >> 4] + HEXDIGITS[b & 15];
  }
  return out;
}

/**
 * Parse a run of decimal digits s[from, to) as an unsigned integer no larger than `max`.
 * Leading zeros are allowed (`0009`, RFC 4475 wsinv); signs, spaces, `0x`, exponents are not,
 * unlike parseInt/Number. Returns undefined when empty, not all digits, or above `max`.
 */
export function parseDigits(s: string, from: number, to: number, max: number): number | undefined {
  if (to <= from) return undefined;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    v = v * 10 + (c - 48);
    if (v > max) return undefined;
  }
  return v;
}

/** Parse a whole (trimmed) string as digits; see parseDigits. */
export function parseUnsigned(s: string, max: number): number | undefined {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return parseDigits(s, a, b, max);
}

/** The content of the quoted string s[from, to) (quotes included) with quoted-pairs resolved. */
export function unquote(s: string, from = 0, to = s.length): string {
  const inner = s.slice(from + 1, to - 1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else {
      out += c;
    }
  }
  return out;
}

/** Quote `s` as a quoted-string, escaping `"` and `\`; CR and LF (not representable) become SP. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += '\\' + s[i];
    else if (c === 0x0d || c === 0x0a) out += ' ';
    else if ((c < 0x20 && c !== 0x09) || c === 0x7f) out += '\\' + s[i];
    else out += s[i];
  }
  return out + '"';
}
