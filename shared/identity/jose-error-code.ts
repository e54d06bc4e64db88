import { errors } from 'jose';
import type { AirlockErrorCode } from '../errors.js';

/**
 * A jose verification failure → the token error code clients see (docs/interfaces.md).
 * Anything unrecognised is ERR_TOKEN_MALFORMED: fail closed, never accept.
 *
 * @example
 * joseErrorCode(new errors.JWTExpired('x', {})); // 'ERR_TOKEN_EXPIRED'
 */
export function joseErrorCode(e: unknown): AirlockErrorCode {
  if (e instanceof errors.JWTExpired) return 'ERR_TOKEN_EXPIRED';
  if (e instanceof errors.JWTClaimValidationFailed) {
    // A missing iss/aud is as untrusted as a wrong one; other missing claims (sub, exp) are CLAIMS.
    switch (e.claim) {
      case 'iss':
        return 'ERR_TOKEN_ISSUER';
      case 'aud':
        return 'ERR_TOKEN_AUDIENCE';
      case 'nbf':
        return e.reason === 'invalid' ? 'ERR_TOKEN_CLAIMS' : 'ERR_TOKEN_NOT_YET_VALID';
      case 'iat':
        return e.reason === 'check_failed' ? 'ERR_TOKEN_IAT' : 'ERR_TOKEN_CLAIMS';
      case 'exp':
        return e.reason === 'missing' || e.reason === 'invalid' ? 'ERR_TOKEN_CLAIMS' : 'ERR_TOKEN_EXPIRED';
      default:
        return 'ERR_TOKEN_CLAIMS';
    }
  }
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return 'ERR_TOKEN_ALGORITHM';
  if (
    e instanceof errors.JWSSignatureVerificationFailed ||
    e instanceof errors.JWKSNoMatchingKey ||
    e instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return 'ERR_TOKEN_SIGNATURE';
  }
  // The key set could not be fetched or read: not the caller's fault, and nothing was accepted.
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || e instanceof errors.JWKInvalid) {
    return 'ERR_JWKS_UNAVAILABLE';
  }
  // jose 6 throws the bare JOSEError only from the remote key-set fetch (non-200, bad JSON);
  // fetch itself fails with a TypeError (connection refused, DNS).
  if (e instanceof errors.JOSEError && e.constructor === errors.JOSEError) return 'ERR_JWKS_UNAVAILABLE';
  if (e instanceof TypeError && /fetch/i.test(e.message)) return 'ERR_JWKS_UNAVAILABLE';
  return 'ERR_TOKEN_MALFORMED';
}

export const TOKEN_ERROR_MESSAGES: Partial<Record<AirlockErrorCode, string>> = {
  ERR_TOKEN_MISSING: 'an Authorization: Bearer token is required',
  ERR_TOKEN_MALFORMED: 'the bearer token is not a well-formed JWT',
  ERR_TOKEN_SIGNATURE: 'the token signature does not verify against the issuer keys',
  ERR_TOKEN_ALGORITHM: 'the token algorithm is not allowed',
  ERR_TOKEN_EXPIRED: 'the token has expired',
  ERR_TOKEN_NOT_YET_VALID: 'the token is not valid yet',
  ERR_TOKEN_ISSUER: 'the token issuer is not trusted',
  ERR_TOKEN_AUDIENCE: 'the token audience is not this service',
  ERR_TOKEN_CLAIMS: 'the token lacks a required claim or has one of the wrong type',
  ERR_TOKEN_IAT: 'the token was issued in the future (iat is later than now plus the clock tolerance)',
  ERR_TOKEN_SCHEME: 'the Authorization header must use the Bearer scheme: Authorization: Bearer <token>',
  ERR_JWKS_UNAVAILABLE: "the issuer's key set could not be fetched",
};
