/**
 * UAS side of SIP digest authentication: issue challenges, verify credentials.
 *
 * Plain data in, typed result out: this file knows nothing of the directory, profiles or the
 * registrar. The caller looks the user up and passes the password or HA1; for a user that does
 * not exist it calls verifyUnknownUser(), which does the same work against a dummy secret so the
 * two cases cost the same (security.md §3.3 enumeration, goal G16).
 *
 * Verification order (each step returns at the first failure):
 *
 *   parse ─► required fields ─► algorithm ─► qop ─► realm ─► username ─► opaque ─► nonce MAC
 *     ─► digest uri == Request-URI ─► response (constant time) ─► nonce age ─► nonce-count
 *
 * The response is checked before the nonce age so that stale=true is only ever sent to a client
 * that proved it knows the password (RFC 2617 §3.2.1: stale "indicating that the client knows the
 * correct username/password"); a wrong password on an old nonce is a plain failure.
 */
import { randomBytes } from 'node:crypto';
import { realClock, type Clock } from '../../util/clock';
import { formatDigestChallenge, parseDigestCredentials, type DigestCredentials } from './auth-header';
import {
  computeHa1,
  computeResponse,
  digestHexLength,
  hashOf,
  hexDigestsEqual,
  isHex,
  normalizeAlgorithm,
  type DigestAlgorithm,
} from './digest';
import { NonceSigner } from './nonce';
import { NonceCountTracker } from './nonce-tracker';

export type VerifyOutcome =
  | 'ok'
  /** Right password, but the nonce expired or came from a previous instance: re-challenge with stale=true. */
  | 'stale'
  /** Wrong password (or method/uri changed under the same response). Counts as a failure. */
  | 'bad-response'
  /** Nonce not issued by us, for another realm, another client IP, tampered, or wrong opaque. */
  | 'bad-nonce'
  /** nonce-count not above the last accepted one, or a single-use (no-qop) nonce reused. */
  | 'replay'
  /** username, realm, nonce, uri or response absent; qop without nc/cnonce; nc not 8 hex digits. */
  | 'missing-fields'
  /** The digest username is not the expected one (FS inbound-reg-force-matching-username). */
  | 'username-mismatch'
  /** The credentials answer another realm than the one we challenge with. */
  | 'realm-mismatch'
  /** Unknown algorithm, or one not offered by this server, or no HA1 for it. */
  | 'unsupported-algorithm'
  /** qop other than "auth" (auth-int is not offered), or qop missing when required. */
  | 'unsupported-qop'
  /** The digest `uri` is not the Request-URI (RFC 2617 §3.2.2.5). */
  | 'uri-mismatch';

export interface VerifyResult {
  outcome: VerifyOutcome;
  ok: boolean;
  /** Digest username from the credentials, when present (for logs; attacker-controlled). */
  username?: string;
  algorithm?: DigestAlgorithm;
}

export interface DigestServerOptions {
  /** HMAC key for nonces. Random per instance when absent (nonces then die with the process). */
  secret?: Buffer | string;
  /** Nonce lifetime in seconds (FS `nonce-ttl`, default 60). */
  nonceTtlSeconds?: number;
  /** Algorithms offered, most preferred first, and accepted. Default ['SHA-256', 'MD5']. */
  algorithms?: DigestAlgorithm[];
  /** Bind nonces to the client IP (replay variant (e)). Default true. */
  bindNonceToIp?: boolean;
  /**
   * Require the digest `uri` to equal the Request-URI (RFC 2617 §3.2.2.5, replay variant (h)).
   * Default true (secure by default). FreeSWITCH does not check it; turn off for broken UAs.
   */
  checkUri?: boolean;
  /** Accept RFC 2069 answers without qop (each nonce then works once). Default true, as FS. */
  allowNoQop?: boolean;
  /** Bound of the nonce-count map. Default 10 000. */
  maxTrackedNonces?: number;
  clock?: Clock;
}

export interface ChallengeOptions {
  realm: string;
  /** Client address to bind the nonce to (ignored when bindNonceToIp is false). */
  clientIp?: string;
  stale?: boolean;
  opaque?: string;
  /** Override the offered algorithms for this challenge (subset/reordering of the server's). */
  algorithms?: DigestAlgorithm[];
}

/** A user's secret: the password, or precomputed HA1 values per hash (FS `a1-hash` is MD5). */
export type UserSecret = { password: string } | { ha1: string | Partial<Record<'MD5' | 'SHA-256' | 'SHA-512-256', string>> };

export interface VerifyInput {
  method: string;
  /** The Authorization/Proxy-Authorization value, or credentials already parsed. */
  credentials: string | DigestCredentials;
  realm: string;
  clientIp?: string;
  /**
   * The Request-URI as received, or a predicate comparing the digest uri to it (lets the caller
   * apply RFC 3261 §19.1.4 URI equality). Required when checkUri is on.
   */
  requestUri?: string | ((digestUri: string) => boolean);
  /** When set, the digest username must equal it (else username-mismatch). */
  expectedUsername?: string;
  /** When a challenge carried opaque, the value it carried. */
  opaque?: string;
  /** Wall-clock ms; defaults to the clock. */
  now?: number;
}

const DUMMY_USER_SECRET_BYTES = 24;

export class DigestServer {
  readonly algorithms: readonly DigestAlgorithm[];
  readonly nonceTtlMs: number;
  private readonly signer: NonceSigner;
  private readonly tracker: NonceCountTracker;
  private readonly clock: Clock;
  private readonly bindIp: boolean;
  private readonly checkUri: boolean;
  private readonly allowNoQop: boolean;
  private readonly dummyPassword = randomBytes(DUMMY_USER_SECRET_BYTES).toString('base64');

  constructor(opts: DigestServerOptions = {}) {
    const secret =
      opts.secret === undefined ? randomBytes(32) : typeof opts.secret === 'string' ? Buffer.from(opts.secret, 'utf8') : opts.secret;
    this.signer = new NonceSigner(secret);
    this.algorithms = [...(opts.algorithms ?? ['SHA-256', 'MD5'])];
    if (this.algorithms.length === 0) throw new RangeError('at least one digest algorithm is required');
    const ttl = opts.nonceTtlSeconds ?? 60;
    if (!(ttl > 0)) throw new RangeError('nonceTtlSeconds must be > 0');
    this.nonceTtlMs = ttl * 1000;
    this.bindIp = opts.bindNonceToIp ?? true;
    this.checkUri = opts.checkUri ?? true;
    this.allowNoQop = opts.allowNoQop ?? true;
    this.clock = opts.clock ?? realClock;
    this.tracker = new NonceCountTracker(opts.maxTrackedNonces ?? 10_000, this.nonceTtlMs);
  }

  /** Nonces currently tracked for nonce-count checks (bounded by maxTrackedNonces). */
  get trackedNonces(): number {
    return this.tracker.size;
  }

  /**
   * One header value per algorithm, most preferred first (RFC 8760 §2.4), sharing one nonce.
   * Put each in its own WWW-Authenticate (401) or Proxy-Authenticate (407) line.
   */
  createChallenge(o: ChallengeOptions): string[] {
    const algs = o.algorithms ?? this.algorithms;
    const nonce = this.signer.issue(o.realm, this.bindIp ? o.clientIp : undefined, this.clock.wallNow());
    return algs.map((algorithm) =>
      formatDigestChallenge({ realm: o.realm, nonce, algorithm, qop: ['auth'], opaque: o.opaque, stale: o.stale }),
    );
  }

  verify(input: VerifyInput & UserSecret): VerifyResult {
    return this.run(input, input);
  }

  /**
   * For a username the directory does not know: the same steps, against a random dummy password,
   * never ok. A wrong password and an unknown user then give the same outcome for the same input
   * and take the same time (security.md §3.3, goal G16).
   */
  verifyUnknownUser(input: VerifyInput): VerifyResult {
    const r = this.run(input, { password: this.dummyPassword }, true);
    if (r.ok || r.outcome === 'stale' || r.outcome === 'replay') return { ...r, outcome: 'bad-response', ok: false };
    return r;
  }

  private run(input: VerifyInput, secret: UserSecret, noCommit = false): VerifyResult {
    const c = typeof input.credentials === 'string' ? parseDigestCredentials(input.credentials) : input.credentials;
    if (!c) return { outcome: 'missing-fields', ok: false, username: undefined, algorithm: undefined };
    const { username, realm, nonce, uri, response } = c;
    if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return failWith(username, 'missing-fields');
    }
    return this.runParsed(input, secret, noCommit, c, username, realm, nonce, uri, response);
  }

  /** run() once the five required fields are known to be present. */
  private runParsed(
    input: VerifyInput,
    secret: UserSecret,
    noCommit: boolean,
    c: DigestCredentials,
    username: string,
    realm: string,
    nonce: string,
    uri: string,
    response: string,
  ): VerifyResult {
    const algorithm = normalizeAlgorithm(c.algorithm);
    if (!algorithm || !this.algorithms.includes(algorithm)) return failWith(username, 'unsupported-algorithm');

    let nc: number | undefined;
    if (c.qop !== undefined) {
      if (c.qop.toLowerCase() !== 'auth') return failWith(username, 'unsupported-qop', algorithm);
      if (c.nc === undefined || c.cnonce === undefined || c.cnonce === '') return failWith(username, 'missing-fields', algorithm);
      if (!isHex(c.nc, 8)) return failWith(username, 'missing-fields', algorithm);
      nc = parseInt(c.nc, 16);
    } else {
      if (!this.allowNoQop) return failWith(username, 'unsupported-qop', algorithm);
      // RFC 2617 §3.2.2: without qop, no nc, and a cnonce only for the -sess algorithms.
      if (c.nc !== undefined || (c.cnonce !== undefined && !algorithm.endsWith('-sess'))) return failWith(username, 'missing-fields', algorithm);
    }
    // -sess needs a cnonce even without qop (RFC 2617 §3.2.2.2).
    if (algorithm.endsWith('-sess') && !c.cnonce) return failWith(username, 'missing-fields', algorithm);

    if (realm !== input.realm) return failWith(username, 'realm-mismatch', algorithm);
    if (input.expectedUsername !== undefined && username !== input.expectedUsername) return failWith(username, 'username-mismatch', algorithm);
    if (input.opaque !== undefined && c.opaque !== input.opaque) return failWith(username, 'bad-nonce', algorithm);

    const now = input.now ?? this.clock.wallNow();
    const check = this.signer.check(nonce, input.realm, this.bindIp ? input.clientIp : undefined, now, this.nonceTtlMs);
    if (check.kind === 'invalid') return failWith(username, 'bad-nonce', algorithm);

    if (this.checkUri) {
      const r = input.requestUri;
      const same = typeof r === 'function' ? r(uri) : r !== undefined && sameRequestUri(uri, r);
      if (!same) return failWith(username, 'uri-mismatch', algorithm);
    }

    // The qop token is matched case-insensitively above but hashed exactly as sent (it is part
    // of what the client hashed). Response: length first (public: it follows from the algorithm), then constant time.
    if (response.length !== digestHexLength(algorithm) || !isHex(response)) return failWith(username, 'bad-response', algorithm);
    const ha1 = this.ha1For(secret, algorithm, username, realm);
    if (ha1 === undefined) return failWith(username, 'unsupported-algorithm', algorithm);
    const expected = computeResponse({ algorithm, ha1, nonce, method: input.method, uri, qop: c.qop, nc: c.nc, cnonce: c.cnonce });
    if (!hexDigestsEqual(expected, response)) return failWith(username, 'bad-response', algorithm);

    if (check.kind === 'expired' || check.kind === 'foreign-epoch') return failWith(username, 'stale', algorithm);

    const seen = this.tracker.check(check.seq, nc);
    if (seen === 'replay') return failWith(username, 'replay', algorithm);
    if (seen === 'unknown') return failWith(username, 'stale', algorithm);
    if (!noCommit) this.tracker.commit(check.seq, check.issuedAt, nc, now);
    return { outcome: 'ok', ok: true, username, algorithm };
  }

  private ha1For(secret: UserSecret, alg: DigestAlgorithm, username: string, realm: string): string | undefined {
    if ('password' in secret) return computeHa1(alg, username, realm, secret.password);
    const h = hashOf(alg);
    const v = typeof secret.ha1 === 'string' ? (h === 'MD5' ? secret.ha1 : undefined) : secret.ha1[h];
    if (v === undefined || !isHex(v, digestHexLength(alg))) return undefined;
    return v;
  }
}

function failWith(username: string | undefined, outcome: VerifyOutcome, algorithm?: DigestAlgorithm): VerifyResult {
  return { outcome, ok: false, username, algorithm };
}

/**
 * Digest uri vs Request-URI. Exact match, or equal ignoring ASCII case (scheme and host are
 * case-insensitive; phones copy the Request-URI verbatim, so the common case is exact). For full
 * RFC 3261 §19.1.4 equality pass a predicate as `requestUri`.
 */
export function sameRequestUri(digestUri: string, requestUri: string): boolean {
  if (digestUri === requestUri) return true;
  return digestUri.length === requestUri.length && digestUri.toLowerCase() === requestUri.toLowerCase();
}

/** Outcomes that mean "a guess at the secret was wrong": feed these to the brute-force throttle. */
export function isCredentialFailure(outcome: VerifyOutcome): boolean {
  return outcome === 'bad-response' || outcome === 'username-mismatch';
}
