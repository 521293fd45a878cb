/**
 * Field-level scanners shared by the parser: words, bounded unsigned integers, addresses.
 * All of them are linear scans over their input; none uses a regex (architecture.md habit 1,
 * security.md: no backtracking on attacker input). They return undefined on bad input and let
 * the caller decide whether that is fatal (throw SDP_PARSE) or ignorable (skip the attribute).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { AddressType, Connection } from './types';

/** Split on runs of SP/HTAB. Returns undefined when more than `max` words are present. */
export function splitWords(s: string, max: number): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && s.charCodeAt(i) !== 0x20 && s.charCodeAt(i) !== 0x09) i++;
    if (out.length >= max) return undefined;
    out.push(s.slice(start, i));
  }
  return out;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Digits only, at most `maxDigits`, no sign, no leading zero unless the value is "0". */
export function parseUint(s: string, maxDigits: number, max: number): number | undefined {
  if (s.length === 0 || s.length > maxDigits) return undefined;
  if (s.length > 1 && s.charCodeAt(0) === 0x30) return undefined;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isDigit(c)) return undefined;
    v = v * 10 + (c - 0x30);
  }
  return v <= max ? v : undefined;
}

/** Decimal digits (leading zeros allowed), kept as text: o= session id/version, t= times. */
export function isDigits(s: string, maxDigits: number): boolean {
  if (s.length === 0 || s.length > maxDigits) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** `20`, `20.0`, `22.5`: a non-negative decimal with at most 6 integer digits. */
export function parseDecimal(s: string): number | undefined {
  let i = 0;
  let intDigits = 0;
  while (i < s.length && isDigit(s.charCodeAt(i))) {
    i++;
    intDigits++;
  }
  if (intDigits === 0 || intDigits > 6) return undefined;
  if (i < s.length) {
    if (s.charCodeAt(i) !== 0x2e) return undefined;
    i++;
    let frac = 0;
    while (i < s.length && isDigit(s.charCodeAt(i))) {
      i++;
      frac++;
    }
    if (frac === 0 || frac > 6 || i !== s.length) return undefined;
  }
  return Number(s);
}

const TOKEN_PUNCT = "!#$%&'*+-.^_`{|}~";

/** RFC 8866 §9 `token`: visible ASCII except separators. */
export function isToken(s: string, maxLen = 256): boolean {
  if (s.length === 0 || s.length > maxLen) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) continue;
    if (c > 0x7e || TOKEN_PUNCT.indexOf(s[i]!) < 0) return false;
  }
  return true;
}

/** A host name (RFC 1123 letters, digits, '-', '.'), at most 253 characters, not all digits. */
function isHostName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  let letter = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isLetter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (isLetter) letter = true;
    else if (!isDigit(c) && c !== 0x2d && c !== 0x2e) return false;
  }
  return letter;
}

export function parseAddrType(s: string): AddressType | undefined {
  const u = s.toUpperCase();
  return u === 'IP4' || u === 'IP6' ? u : undefined;
}

/** RFC 8866 §9: IP4-address / IP6-address (no brackets) / FQDN. */
export function isValidAddress(addrType: AddressType, host: string): boolean {
  if (addrType === 'IP4') return isIPv4(host) || isHostName(host);
  return isIPv6(host) || isHostName(host);
}

/** `<nettype> <addrtype> <address>[/ttl][/count]` → Connection, or undefined when malformed. */
export function parseConnection(value: string): Connection | undefined {
  const w = splitWords(value, 3);
  if (!w || w.length !== 3) return undefined;
  const [netType, at, addr] = w as [string, string, string];
  if (!isToken(netType, 32)) return undefined;
  const addrType = parseAddrType(at);
  if (!addrType) return undefined;
  if (addr.indexOf('/') < 0) {
    // The usual unicast address: no TTL, no count, no array to split into.
    return isValidAddress(addrType, addr) ? { netType, addrType, address: addr } : undefined;
  }
  const parts = addr.split('/', 4);
  if (parts.length > 3) return undefined;
  const host = parts[0]!;
  if (!isValidAddress(addrType, host)) return undefined;
  const conn: Connection = { netType, addrType, address: host };
  if (addrType === 'IP4') {
    // RFC 8866 §5.7: IPv4 multicast is <base>/<ttl>[/<count>].
    if (parts.length >= 2) {
      const ttl = parseUint(parts[1]!, 3, 255);
      if (ttl === undefined) return undefined;
      conn.ttl = ttl;
    }
    if (parts.length === 3) {
      const count = parseUint(parts[2]!, 5, 65535);
      if (count === undefined || count === 0) return undefined;
      conn.count = count;
    }
  } else {
    // IPv6 multicast has no TTL: <base>[/<count>].
    if (parts.length === 3) return undefined;
    if (parts.length === 2) {
      const count = parseUint(parts[1]!, 5, 65535);
      if (count === undefined || count === 0) return undefined;
      conn.count = count;
    }
  }
  return conn;
}

export function formatConnection(c: Connection): string {
  let addr = c.address;
  if (c.ttl !== undefined) addr += `/${c.ttl}`;
  if (c.count !== undefined) addr += `/${c.count}`;
  return `${c.netType} ${c.addrType} ${addr}`;
}

/** RFC 2543 §B.5 style hold: `c=IN IP4 0.0.0.0` (RFC 3264 §8.4 keeps it recognisable). */
export function isNullAddress(c: Connection | undefined): boolean {
  return c !== undefined && c.addrType === 'IP4' && c.address === '0.0.0.0';
}

/** The address type our own IP needs in `c=`/`o=`. */
export function addrTypeOf(ip: string): AddressType {
  return isIPv6(ip) ? 'IP6' : 'IP4';
}
