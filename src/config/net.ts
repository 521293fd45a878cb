/**
 * IP addresses and CIDR blocks for ACLs and bind addresses. No regex: addresses are validated by
 * node:net and then converted to bigints so IPv4 and IPv6 share one prefix test.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpAddress {
  family: 4 | 6;
  /** 32-bit (v4) or 128-bit (v6) address as an unsigned integer. */
  value: bigint;
}

export interface Cidr {
  family: 4 | 6;
  /** Network address (host bits cleared). */
  base: bigint;
  /** Prefix length: 0-32 (v4) or 0-128 (v6). */
  bits: number;
  /** The text it was parsed from, for logs and `sofia status`-like output. */
  text: string;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96 (RFC 4291 §2.5.5.2)

function parseV4(text: string): bigint {
  let value = 0n;
  for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function parseV6(text: string): bigint {
  const zone = text.indexOf('%');
  const addr = zone >= 0 ? text.slice(0, zone) : text;
  let groups: number[] = [];
  const pushPart = (part: string, out: number[]): void => {
    if (part.includes('.')) {
      const v4 = parseV4(part);
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else {
      out.push(parseInt(part, 16));
    }
  };
  const dbl = addr.indexOf('::');
  if (dbl >= 0) {
    const head: number[] = [];
    const tail: number[] = [];
    const left = addr.slice(0, dbl);
    const right = addr.slice(dbl + 2);
    if (left) for (const p of left.split(':')) pushPart(p, head);
    if (right) for (const p of right.split(':')) pushPart(p, tail);
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    for (const p of addr.split(':')) pushPart(p, groups);
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

/** Parses a literal IPv4 or IPv6 address; undefined if it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const t = text.trim();
  if (isIPv4(t)) return { family: 4, value: parseV4(t) };
  const unbracketed = t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
  if (isIPv6(unbracketed)) return { family: 6, value: parseV6(unbracketed) };
  return undefined;
}

export function isIpLiteral(text: string): boolean {
  return parseIp(text) !== undefined;
}

function mask(family: 4 | 6, bits: number): bigint {
  const width = family === 4 ? 32n : 128n;
  if (bits === 0) return 0n;
  const all = (1n << width) - 1n;
  return all ^ ((1n << (width - BigInt(bits))) - 1n);
}

function isDecimal(s: string): boolean {
  if (s.length === 0 || s.length > 3) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Parses `a.b.c.d/nn`, `x::y/nn` or a bare address (a host route: /32 or /128). Host bits set in
 * the address are cleared, as FreeSWITCH's switch_parse_cidr does. Returns an error text if invalid.
 */
export function parseCidr(text: string): Cidr | string {
  const t = text.trim();
  const slash = t.indexOf('/');
  const addrText = slash >= 0 ? t.slice(0, slash) : t;
  const ip = parseIp(addrText);
  if (!ip) return `"${t}" is not a valid IP address or CIDR block`;
  const maxBits = ip.family === 4 ? 32 : 128;
  let bits = maxBits;
  if (slash >= 0) {
    const b = t.slice(slash + 1);
    if (!isDecimal(b) || Number(b) > maxBits) return `"${t}" has an invalid prefix length (0-${maxBits})`;
    bits = Number(b);
  }
  return { family: ip.family, base: ip.value & mask(ip.family, bits), bits, text: t };
}

/** Maps ::ffff:a.b.c.d to the IPv4 address so v4 ACLs apply to dual-stack sockets. */
export function normalizeIp(ip: IpAddress): IpAddress {
  if (ip.family === 6 && ip.value >> 32n === 0xffffn && (ip.value & ~0xffffffffn) === V4_MAPPED_PREFIX) {
    return { family: 4, value: ip.value & 0xffffffffn };
  }
  return ip;
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  const n = normalizeIp(ip);
  if (n.family !== cidr.family) return false;
  return (n.value & mask(cidr.family, cidr.bits)) === cidr.base;
}

/** Formats an IPv4 bigint back to dotted quad (used for derived lists such as localnet.auto). */
export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}
