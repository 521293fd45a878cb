/**
 * Digest arithmetic (RFC 7616 §3.4.1-3.4.3, RFC 2617 §3.2.2, RFC 2069, RFC 8760 for SIP):
 *
 *   A1       = username ":" realm ":" password
 *   HA1      = H(A1)                                   (or a precomputed a1-hash, MD5 only, as FS)
 *   HA1-sess = H(HA1 ":" nonce ":" cnonce)             (the "-sess" algorithms)
 *   A2       = method ":" digest-uri                   (qop=auth, or no qop)
 *   response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))   qop=auth
 *            = H(HA1 ":" nonce ":" H(A2))                               RFC 2069 (no qop)
 *
 * All strings are hashed as UTF-8; hex digests are lower-case.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * crypto.hash (Node >= 20.12): one-shot, ~0.5 µs for a short MD5 against ~1.2 µs for
 * createHash().update().digest() (no Hash object). createHash where it is missing.
 */
const oneShotHash: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined =
  typeof (nodeCrypto as { hash?: unknown }).hash === 'function' ? nodeCrypto.hash : undefined;

export const DIGEST_ALGORITHMS = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];
/** The hash family, without the -sess suffix. */
export type DigestHash = 'MD5' | 'SHA-256' | 'SHA-512-256';

const NODE_HASH: Record<DigestHash, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };
const HEX_LENGTH: Record<DigestHash, number> = { MD5: 32, 'SHA-256': 64, 'SHA-512-256': 64 };

const ALGORITHM_BY_UPPER = new Map<string, DigestAlgorithm>(DIGEST_ALGORITHMS.map((a) => [a.toUpperCase(), a]));

/**
 * Canonical algorithm for a wire token (case-insensitive). An absent or empty token means MD5
 * (RFC 7616 §3.3); anything unknown returns undefined (the server then re-challenges).
 */
export function normalizeAlgorithm(token: string | undefined): DigestAlgorithm | undefined {
  if (token === undefined || token === '') return 'MD5';
  if (token === 'MD5' || token === 'SHA-256') return token; // as sent by nearly every client
  return ALGORITHM_BY_UPPER.get(token.toUpperCase());
}

const HASH_OF: Record<DigestAlgorithm, DigestHash> = {
  MD5: 'MD5', 'MD5-sess': 'MD5', 'SHA-256': 'SHA-256', 'SHA-256-sess': 'SHA-256', 'SHA-512-256': 'SHA-512-256', 'SHA-512-256-sess': 'SHA-512-256',
};

export function hashOf(alg: DigestAlgorithm): DigestHash {
  // hashHex also takes a bare DigestHash, which maps to itself.
  return HASH_OF[alg] ?? (alg as DigestHash);
}

export function isSessionAlgorithm(alg: DigestAlgorithm): boolean {
  return alg.endsWith('-sess');
}

/** Length of the hex response for this algorithm (32 for MD5, 64 for the SHA-2 family). */
export function digestHexLength(alg: DigestAlgorithm): number {
  return HEX_LENGTH[hashOf(alg)];
}

export function hashHex(alg: DigestAlgorithm | DigestHash, data: string): string {
  const name = NODE_HASH[hashOf(alg as DigestAlgorithm)];
  return oneShotHash ? oneShotHash(name, data, 'hex') : createHash(name).update(data, 'utf8').digest('hex');
}

/** H(username:realm:password) with the algorithm's hash (no -sess step). */
export function computeHa1(alg: DigestAlgorithm | DigestHash, username: string, realm: string, password: string): string {
  return hashHex(alg, `${username}:${realm}:${password}`);
}

export interface ResponseInput {
  algorithm: DigestAlgorithm;
  /** H(A1) without the -sess step, lower- or upper-case hex. */
  ha1: string;
  nonce: string;
  method: string;
  uri: string;
  /** 'auth' or undefined (RFC 2069). 'auth-int' is not supported. */
  qop?: string;
  /** 8 hex digits, as sent. Required with qop. */
  nc?: string;
  /** Required with qop and for -sess algorithms. */
  cnonce?: string;
}

/** The expected `response` value, lower-case hex. */
export function computeResponse(i: ResponseInput): string {
  let ha1 = i.ha1.toLowerCase();
  if (isSessionAlgorithm(i.algorithm)) ha1 = hashHex(i.algorithm, `${ha1}:${i.nonce}:${i.cnonce ?? ''}`);
  const ha2 = hashHex(i.algorithm, `${i.method}:${i.uri}`);
  if (i.qop !== undefined) {
    return hashHex(i.algorithm, `${ha1}:${i.nonce}:${i.nc ?? ''}:${i.cnonce ?? ''}:${i.qop}:${ha2}`);
  }
  return hashHex(i.algorithm, `${ha1}:${i.nonce}:${ha2}`);
}

/**
 * Constant-time comparison of two hex digests, case-insensitive (FS compares case-insensitively).
 * Different lengths return false at once: the length is public (it follows from the algorithm),
 * and timingSafeEqual requires equal lengths (cf. PJSIP CVE-2022-24754).
 */
export function hexDigestsEqual(expected: string, received: string): boolean {
  if (expected.length !== received.length) return false;
  const a = Buffer.from(expected.toLowerCase(), 'latin1');
  const b = Buffer.from(received.toLowerCase(), 'latin1');
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

/** True when s is exactly n hex digits. */
export function isHex(s: string, n?: number): boolean {
  if (n !== undefined && s.length !== n) return false;
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46))) return false;
  }
  return true;
}
