/**
 * Digest authentication of a REGISTER against the directory (freeswitch-behaviour.md §1.4
 * steps 5-9, security.md §3.3-3.4):
 *
 *   no Digest credentials for us ───────────────────────────────► challenge (401)
 *   credentials ─► directory user (force-register-domain, else the credentials' realm;
 *                  id or number-alias)
 *       unknown / pointer / no secret ─► verifyUnknownUser (same work, never ok)
 *       no password, allow-empty-password ─► accepted unchecked (FS default; config warns)
 *       else ─► DigestServer.verify (password or a1-hash)
 *   outcome:  ok ─► user checks (sip-forbid-register, auth-acl) ─► authorized | forbidden
 *             stale ─► challenge with stale=true (only after a correct response)
 *             bad-response, username-mismatch, uri-mismatch ─► forbidden, counts as a failure
 *             anything else (unknown nonce, replayed nc, missing fields, other realm,
 *             algorithm or qop) ─► a fresh challenge, not counted
 *
 * An unknown user and a wrong password take the same path to the same 403 (same headers, same
 * work): users cannot be enumerated (goal G16). The user checks run after the digest, so a
 * forbidden user cannot be told apart from a wrong password either.
 */
import { checkAclRefs, parseAclRefs, parseBool, type AclRef, type AclRegistry } from '../../config';
import type { Directory, DirectoryUser } from '../../directory';
import { formatUri, parseUri, type NameAddr, type SipRequest } from '../../sip';
import {
  findDigestCredentials,
  isCredentialFailure,
  sameRequestUri,
  type DigestAlgorithm,
  type DigestCredentials,
  type DigestServer,
  type VerifyOutcome,
  type VerifyResult,
} from '../../sip/auth';
import type { RegistrarSettings } from './registrar-settings';

export type AuthDecision =
  | {
      kind: 'authorized';
      via: 'digest' | 'empty-password';
      /** Digest username and realm (FS sip_username / sip_realm). */
      username: string;
      realm: string;
      user: DirectoryUser;
    }
  | { kind: 'challenge'; stale: boolean; outcome?: VerifyOutcome; algorithms?: DigestAlgorithm[] }
  | { kind: 'forbidden'; outcome: VerifyOutcome | 'sip-forbid-register' | 'auth-acl'; username?: string; countsAsFailure: boolean };

export interface AuthCounters {
  /** Credentials actually evaluated against a secret (or the dummy one). */
  verifications: number;
  unknownUser: number;
}

/**
 * The challenge realm (challenge-realm): auto_to = To host, auto_from = From host, else the
 * literal value.
 */
export function challengeRealmFor(setting: string, to: NameAddr, from: NameAddr | undefined): string {
  if (setting === 'auto_to') return to.uri.host;
  if (setting === 'auto_from') return from?.uri.host ?? to.uri.host;
  return setting;
}

/** Digest uri vs Request-URI: the same text, or the same URI once both are put in canonical form. */
export function requestUriMatcher(req: SipRequest): (digestUri: string) => boolean {
  const canonical = formatUri(req.uri);
  return (digestUri) => {
    if (sameRequestUri(digestUri, canonical)) return true;
    const u = parseUri(digestUri);
    return u !== undefined && formatUri(u) === canonical;
  };
}

export class RegisterAuthenticator {
  readonly counters: AuthCounters = { verifications: 0, unknownUser: 0 };
  /** auth-acl values parsed once per distinct text. */
  private readonly authAclCache = new Map<string, AclRef[] | null>();

  constructor(
    private readonly settings: RegistrarSettings,
    private readonly directory: Directory,
    readonly digest: DigestServer,
    private readonly acls: AclRegistry,
  ) {}

  /** Our Digest credentials among the Authorization lines (other schemes are ignored, RFC 4475 regaut01). */
  credentials(req: SipRequest, realm: string): DigestCredentials | undefined {
    const lines = req.headers.getAll('authorization');
    if (lines.length === 0) return undefined;
    return findDigestCredentials(lines, realm) ?? findDigestCredentials(lines);
  }

  authenticate(req: SipRequest, to: NameAddr, realm: string, sourceIp: string, creds: DigestCredentials): AuthDecision {
    const username = creds.username ?? '';
    const domain = this.settings.forceRegisterDomain ?? creds.realm ?? realm;
    const user = username ? this.directory.lookupUser(username, domain, { matchAlias: true }) : undefined;
    const input = {
      method: req.method,
      credentials: creds,
      realm,
      clientIp: sourceIp,
      requestUri: requestUriMatcher(req),
      expectedUsername: this.settings.forceMatchingUsername ? (to.uri.user ?? '') : undefined,
    };

    let result: VerifyResult;
    const secret = user && !user.isPointer ? secretOf(user) : undefined;
    if (user && !user.isPointer && secret === undefined && user.allowEmptyPassword) {
      // FS: allow-empty-password (default true) accepts a user without password or a1-hash.
      if (input.expectedUsername !== undefined && username !== input.expectedUsername) {
        return { kind: 'forbidden', outcome: 'username-mismatch', username, countsAsFailure: true };
      }
      return this.userChecks(user, sourceIp) ?? { kind: 'authorized', via: 'empty-password', username, realm, user };
    }
    this.counters.verifications++;
    if (!user || secret === undefined) {
      this.counters.unknownUser++;
      result = this.digest.verifyUnknownUser(input);
    } else {
      result = this.digest.verify(Object.assign(input, secret));
    }

    switch (result.outcome) {
      case 'ok':
        return this.userChecks(user!, sourceIp) ?? { kind: 'authorized', via: 'digest', username, realm, user: user! };
      case 'stale':
        return { kind: 'challenge', stale: true, outcome: 'stale' };
      case 'uri-mismatch':
        return { kind: 'forbidden', outcome: 'uri-mismatch', username, countsAsFailure: true };
      case 'unsupported-algorithm':
        // An a1-hash user can only answer MD5 (the hash is MD5 of user:realm:password).
        if (user && secret && 'ha1' in secret) return { kind: 'challenge', stale: false, outcome: result.outcome, algorithms: ['MD5'] };
        return { kind: 'challenge', stale: false, outcome: result.outcome };
      default:
        if (isCredentialFailure(result.outcome)) return { kind: 'forbidden', outcome: result.outcome, username, countsAsFailure: true };
        return { kind: 'challenge', stale: false, outcome: result.outcome };
    }
  }

  /** FS step 8 user params, applied once the credentials are known to be right. */
  private userChecks(user: DirectoryUser, sourceIp: string): AuthDecision | undefined {
    const forbid = user.params.get('sip-forbid-register');
    if (forbid !== undefined && safeBool(forbid)) {
      return { kind: 'forbidden', outcome: 'sip-forbid-register', username: user.id, countsAsFailure: false };
    }
    const authAcl = user.params.get('auth-acl');
    if (authAcl !== undefined) {
      const refs = this.authAcl(authAcl);
      if (!refs || !checkAclRefs(refs, this.acls, sourceIp).allowed) {
        return { kind: 'forbidden', outcome: 'auth-acl', username: user.id, countsAsFailure: false };
      }
    }
    return undefined;
  }

  private authAcl(text: string): AclRef[] | null {
    let refs = this.authAclCache.get(text);
    if (refs === undefined) {
      try {
        refs = parseAclRefs(text, this.acls, false);
      } catch {
        refs = null; // validated at startup; an unparseable value denies
      }
      this.authAclCache.set(text, refs);
    }
    return refs;
  }
}

function secretOf(user: DirectoryUser): { password: string } | { ha1: string } | undefined {
  if (user.a1Hash !== undefined) return { ha1: user.a1Hash };
  if (user.password !== undefined && user.password !== '') return { password: user.password };
  return undefined;
}

function safeBool(v: string): boolean {
  try {
    return parseBool(v);
  } catch {
    return false;
  }
}
