/** sip/auth: digest challenge/verify (UAS), answer (UAC), brute-force throttle. Plain data in and out. */
export {
  AUTH_HEADER_LIMITS,
  findDigestCredentials,
  formatDigestChallenge,
  formatDigestCredentials,
  isDigest,
  parseAuthItems,
  parseDigestChallenges,
  parseDigestCredentials,
  type AuthItem,
  type DigestChallenge,
  type DigestCredentials,
} from './auth-header';
export {
  DIGEST_ALGORITHMS,
  computeHa1,
  computeResponse,
  digestHexLength,
  hexDigestsEqual,
  normalizeAlgorithm,
  type DigestAlgorithm,
  type DigestHash,
} from './digest';
export {
  DigestServer,
  isCredentialFailure,
  sameRequestUri,
  type ChallengeOptions,
  type DigestServerOptions,
  type UserSecret,
  type VerifyInput,
  type VerifyOutcome,
  type VerifyResult,
} from './digest-server';
export { answerChallenge, selectChallenge, type AnswerChallengeInput, type DigestAnswer } from './digest-client';
export {
  AuthThrottle,
  formatAuthFailureLine,
  formatBanLine,
  sanitizeLogField,
  type AuthFailureLine,
  type BanEvent,
  type FailureResult,
  type ThrottleOptions,
} from './throttle';
