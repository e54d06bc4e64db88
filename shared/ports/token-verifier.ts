import type { Principal } from '../identity/principal.js';

/**
 * Verifies a bearer token and builds the principal. Throws AirlockError with one of
 * ERR_TOKEN_MISSING, ERR_TOKEN_MALFORMED, ERR_TOKEN_SIGNATURE, ERR_TOKEN_ALGORITHM,
 * ERR_TOKEN_EXPIRED, ERR_TOKEN_NOT_YET_VALID, ERR_TOKEN_ISSUER, ERR_TOKEN_AUDIENCE.
 *
 * @example
 * const principal = await verifier.verify(req.headers.authorization);
 */
export interface TokenVerifier {
  verify(authorizationHeader: string | undefined): Promise<Principal>;
}
