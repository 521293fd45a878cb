/**
 * Who is calling (freeswitch-behaviour.md §1.5 steps 2-4, §7.2): apply-inbound-acl, then digest
 * with 407 Proxy-Authenticate / Proxy-Authorization (RFC 3261 §22.3), then the directory user's
 * variables.
 *
 *   looped from our own listener     -> no challenge, sip_looped_call=true
 *   ACL pass (auth-calls)            -> authorised by ACL (a user@domain token makes it that user)
 *   ACL fail, auth-calls=false       -> 403 (unless the ACL names a fail context)
 *   ACL fail, auth-calls-acl-only    -> 403
 *   auth-calls or credentials given  -> digest:
 *        no / stale / unusable credentials   -> 407 (stale=true when the password was right)
 *        wrong password or unknown user      -> 403, the same for both (security.md §3.3)
 *        source banned by the throttle       -> 403 without evaluating anything
 *   accept-blind-auth                -> accepted unchallenged; From user's variables applied
 *
 * Lookup: user = digest username (number-alias too), domain = force-register-domain, else the
 * realm the credentials answer (FS); an unknown user costs the same as a wrong password.
 */
import type { AclRegistry, ProfileConfig } from '../../config';
import { checkAclRefs } from '../../config';
import type { Directory, DirectoryUser } from '../../directory';
import { getFrom, getTo, formatUri, parseUri, type InboundEnvelope, type SipRequest } from '../../sip';
import { findDigestCredentials, isCredentialFailure, sanitizeLogField, type AuthThrottle, type DigestServer } from '../../sip/auth';
import type { Logger } from '../../util/logger';

export type InviteAuthResult =
  | {
      kind: 'ok';
      user?: DirectoryUser;
      /** Context decided by an ACL pass/fail context (wins over user_context). */
      context?: string;
      vars: Record<string, string>;
    }
  | { kind: 'challenge'; headers: Array<[string, string]> }
  | { kind: 'forbidden'; reason: string };

export interface InviteAuthDeps {
  config: ProfileConfig;
  directory?: Directory;
  acls?: AclRegistry;
  digest: DigestServer;
  throttle?: AuthThrottle;
  log: Logger;
  /** True when ip:port is one of our own listeners (a call looped through us, §1.5 step 3). */
  isOwnAddress?(ip: string, port: number): boolean;
}

/**
 * Digest uri vs Request-URI (RFC 2617 §3.2.2.5): the same URI, or (sipp 3.6.1 answers INVITE
 * challenges with uri="sip:<host>:<port>") the same host and port without a user part. The nonce
 * is still bound to the realm, the client IP and a nonce-count, so this does not open a replay.
 */
export function inviteUriMatcher(req: SipRequest): (digestUri: string) => boolean {
  const canonical = formatUri(req.uri);
  return (digestUri) => {
    if (digestUri === canonical || digestUri.toLowerCase() === canonical.toLowerCase()) return true;
    const u = parseUri(digestUri);
    if (!u) return false;
    if (formatUri(u) === canonical) return true;
    return u.user === undefined && u.scheme === req.uri.scheme && u.host === req.uri.host && (u.port ?? 5060) === (req.uri.port ?? 5060);
  };
}

/** The realm we challenge with (challenge-realm: auto_to, auto_from, or a literal). */
export function challengeRealm(config: ProfileConfig, req: SipRequest): string {
  const r = config.challengeRealm;
  if (r === 'auto_from') return getFrom(req)?.uri.host || req.uri.host;
  if (r === 'auto_to') return getTo(req)?.uri.host || req.uri.host;
  return r;
}

/** Channel variables of an authenticated (or ACL-identified) directory user (§1.5 step 4). */
export function userVariables(u: DirectoryUser, authUser: string, realm: string | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [k, v] of u.variables) vars[k] = v;
  vars.sip_authorized = 'true';
  vars.user_name = u.id;
  vars.domain_name = u.domain;
  vars.sip_auth_username = authUser;
  if (realm) vars.sip_auth_realm = realm;
  vars.requested_user_name = authUser;
  if (realm) vars.requested_domain_name = realm;
  if (u.numberAlias) {
    vars.number_alias = u.numberAlias;
    vars.sip_number_alias = u.numberAlias;
  }
  return vars;
}

function challenge(deps: InviteAuthDeps, req: SipRequest, env: InboundEnvelope, stale: boolean): InviteAuthResult {
  const realm = challengeRealm(deps.config, req);
  const values = deps.digest.createChallenge({ realm, clientIp: env.remote.address, stale });
  return { kind: 'challenge', headers: values.map((v) => ['Proxy-Authenticate', v] as [string, string]) };
}

export function authorizeInvite(deps: InviteAuthDeps, req: SipRequest, env: InboundEnvelope): InviteAuthResult {
  const cfg = deps.config;
  const ip = env.remote.address;
  if (deps.isOwnAddress?.(ip, env.remote.port)) return { kind: 'ok', vars: { sip_looped_call: 'true' } };

  // §1.5 step 2: apply-inbound-acl.
  let aclContext: string | undefined;
  if (cfg.applyInboundAcl.length > 0 && deps.acls) {
    const v = checkAclRefs(cfg.applyInboundAcl, deps.acls, ip);
    if (v.allowed) {
      aclContext = v.ref?.passContext;
      const vars: Record<string, string> = { sip_acl_authed_by: v.ref?.text ?? '' };
      let user: DirectoryUser | undefined;
      if (v.token) {
        vars.sip_acl_token = v.token;
        const at = v.token.indexOf('@');
        user = deps.directory?.lookupUser(v.token.slice(0, at), v.token.slice(at + 1));
        if (user) Object.assign(vars, userVariables(user, user.id, user.domain));
      }
      if (cfg.authCalls) return { kind: 'ok', user, context: aclContext, vars };
    } else {
      const fail = v.ref?.failContext;
      if (fail) return { kind: 'ok', context: fail, vars: { sip_acl_authed_by: '' } };
      if (!cfg.authCalls || cfg.authCallsAclOnly) return { kind: 'forbidden', reason: 'inbound ACL' };
    }
  }

  const lines = req.headers.getAll('proxy-authorization');
  if (!cfg.authCalls && lines.length === 0) return { kind: 'ok', context: aclContext, vars: {} };

  if (cfg.acceptBlindAuth) {
    const from = getFrom(req);
    const realm = cfg.forceRegisterDomain ?? from?.uri.host;
    const user = from?.uri.user ? deps.directory?.lookupUser(from.uri.user, realm, { matchAlias: true }) : undefined;
    return { kind: 'ok', user, context: aclContext, vars: user ? userVariables(user, user.id, realm) : {} };
  }

  if (deps.throttle?.isBanned(ip)) return { kind: 'forbidden', reason: 'source banned' };

  const realm = challengeRealm(cfg, req);
  const creds = findDigestCredentials(lines, realm) ?? findDigestCredentials(lines);
  if (!creds || creds.username === undefined) return challenge(deps, req, env, false);
  const username = creds.username;
  const domain = cfg.forceRegisterDomain ?? creds.realm ?? realm;
  const user = username.length <= 128 ? deps.directory?.lookupUser(username, domain, { matchAlias: true }) : undefined;
  const requestUri = inviteUriMatcher(req);
  const input = { method: 'INVITE', credentials: creds, realm, clientIp: ip, requestUri };
  let result;
  if (user && !user.isPointer) {
    if (!user.password && !user.a1Hash) {
      if (user.allowEmptyPassword) return { kind: 'ok', user, context: aclContext, vars: userVariables(user, username, creds.realm) };
      result = deps.digest.verifyUnknownUser(input);
    } else {
      result = deps.digest.verify(user.a1Hash ? { ...input, ha1: user.a1Hash } : { ...input, password: user.password! });
    }
  } else {
    result = deps.digest.verifyUnknownUser(input);
  }
  if (result.ok && user) return { kind: 'ok', user, context: aclContext, vars: userVariables(user, username, creds.realm) };
  if (result.outcome === 'stale') return challenge(deps, req, env, true);
  if (isCredentialFailure(result.outcome)) {
    deps.throttle?.recordFailure(ip);
    if (cfg.logAuthFailures) {
      deps.log.warn(`SIP auth failure (INVITE) on sofia profile '${cfg.name}' for [${sanitizeLogField(username, 64)}@${sanitizeLogField(domain, 64)}] from ip ${ip}`);
    }
    return { kind: 'forbidden', reason: result.outcome };
  }
  // Missing fields, unknown nonce, other realm, replayed nc, unsupported algorithm: challenge anew.
  return challenge(deps, req, env, false);
}
