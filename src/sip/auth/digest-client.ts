/**
 * UAC side: answer a 401/407 challenge (gateways, tests).
 *
 * Which challenge: RFC 8760 §2.4 — the server lists challenges most preferred first and the UAC
 * uses the topmost one whose algorithm it supports. qop: "auth" when offered; RFC 2069 form when
 * the challenge has no qop; auth-int only is refused (we do not hash bodies).
 *
 * Whom to answer is the caller's decision: credentials for a realm go only to the peer configured
 * for that realm (security.md §2.1 CVE-2021-41158, the digest leak). `expectedRealm` makes the
 * check explicit here too.
 */
import { randomBytes } from 'node:crypto';
import { StrowgerError } from '../../util/errors';
import { formatDigestCredentials, parseDigestChallenges, type DigestChallenge, type DigestCredentials } from './auth-header';
import { computeHa1, computeResponse, hashOf, normalizeAlgorithm, type DigestAlgorithm } from './digest';

export interface AnswerChallengeInput {
  /** WWW-Authenticate / Proxy-Authenticate value(s), or a challenge already parsed. */
  challenge: string | readonly string[] | DigestChallenge;
  method: string;
  /** digest-uri: the Request-URI of the request being authenticated. */
  uri: string;
  username: string;
  /** The password, or a precomputed MD5 HA1 (then only MD5 challenges can be answered). */
  password?: string;
  ha1?: string;
  /** Refuse challenges for any other realm (digest-leak guard). */
  expectedRealm?: string;
  /** Default: random 16 bytes, hex. */
  cnonce?: string;
  /** nonce-count for this nonce, starting at 1 (default 1). */
  nc?: number;
  /** Algorithms we are willing to use. Default: all we implement. */
  algorithms?: readonly DigestAlgorithm[];
}

export interface DigestAnswer {
  /** The Authorization / Proxy-Authorization header value. */
  header: string;
  credentials: DigestCredentials;
  algorithm: DigestAlgorithm;
  realm: string;
  nonce: string;
}

function authError(message: string, details?: Record<string, unknown>): StrowgerError {
  return new StrowgerError('SIP_AUTH', message, details);
}

/** Picks the first usable challenge (supported algorithm, qop auth or none, realm as expected). */
export function selectChallenge(
  challenges: readonly DigestChallenge[],
  opts: { algorithms?: readonly DigestAlgorithm[]; expectedRealm?: string; md5Only?: boolean } = {},
): { challenge: DigestChallenge; algorithm: DigestAlgorithm } | undefined {
  for (const ch of challenges) {
    const alg = normalizeAlgorithm(ch.algorithm);
    if (!alg) continue;
    if (opts.algorithms && !opts.algorithms.includes(alg)) continue;
    if (opts.md5Only && hashOf(alg) !== 'MD5') continue;
    if (opts.expectedRealm !== undefined && ch.realm !== opts.expectedRealm) continue;
    if (ch.qop.length > 0 && !ch.qop.includes('auth')) continue;
    return { challenge: ch, algorithm: alg };
  }
  return undefined;
}

/** Builds the credentials for a challenge. Throws StrowgerError('SIP_AUTH') when none is usable. */
export function answerChallenge(i: AnswerChallengeInput): DigestAnswer {
  if (i.password === undefined && i.ha1 === undefined) throw authError('a password or an HA1 is required');
  const parsed = typeof i.challenge === 'object' && !Array.isArray(i.challenge)
    ? [i.challenge as DigestChallenge]
    : parseDigestChallenges(i.challenge as string | readonly string[]);
  if (parsed.length === 0) throw authError('no Digest challenge found');
  const picked = selectChallenge(parsed, {
    algorithms: i.algorithms,
    expectedRealm: i.expectedRealm,
    md5Only: i.password === undefined,
  });
  if (!picked) {
    throw authError('no acceptable Digest challenge', {
      offered: parsed.map((c) => ({ realm: c.realm, algorithm: c.algorithm, qop: c.qop })),
    });
  }
  const { challenge: ch, algorithm } = picked;
  const nc = i.nc ?? 1;
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) throw authError('nc must be an integer in 1..2^32-1');
  const useQop = ch.qop.includes('auth');
  const cnonce = i.cnonce ?? randomBytes(16).toString('hex');
  const ncHex = nc.toString(16).padStart(8, '0');
  const ha1 = i.password !== undefined ? computeHa1(algorithm, i.username, ch.realm, i.password) : i.ha1!;
  const needsCnonce = useQop || algorithm.endsWith('-sess');
  const response = computeResponse({
    algorithm,
    ha1,
    nonce: ch.nonce,
    method: i.method,
    uri: i.uri,
    qop: useQop ? 'auth' : undefined,
    nc: useQop ? ncHex : undefined,
    cnonce: needsCnonce ? cnonce : undefined,
  });
  const credentials: DigestCredentials = {
    username: i.username,
    realm: ch.realm,
    nonce: ch.nonce,
    uri: i.uri,
    response,
    algorithm,
  };
  if (needsCnonce) credentials.cnonce = cnonce;
  if (ch.opaque !== undefined) credentials.opaque = ch.opaque;
  if (useQop) {
    credentials.qop = 'auth';
    credentials.nc = ncHex;
  }
  return { header: formatDigestCredentials(credentials), credentials, algorithm, realm: ch.realm, nonce: ch.nonce };
}
