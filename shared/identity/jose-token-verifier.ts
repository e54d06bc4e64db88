import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  type RemoteJWKSetOptions,
} from 'jose';
import { AirlockError, type AirlockErrorCode } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { TokenVerifier } from '../ports/token-verifier.js';
import type { Principal } from './principal.js';
import { TOKEN_ERROR_MESSAGES, joseErrorCode } from './jose-error-code.js';
import { principalFromClaims } from './principal-from-claims.js';
import { rememberBounded } from '../bounded-cache.js';

type KeySource = URL | JSONWebKeySet;

export interface JoseTokenVerifierConfig {
  issuer: string;
  audience: string;
  /**
   * Where the issuer's public keys come from: a JWKS URL (fetched and cached by jose), a
   * key set, or a getter returning either — for wiring that learns the URL only once
   * its server listens. A getter is called per verification; its result is cached by URL.
   */
  jwks: KeySource | (() => KeySource | Promise<KeySource>);
  /** Asymmetric only: an HMAC algorithm would let a public key act as a shared secret. */
  algorithms?: string[];
  clockToleranceSeconds?: number;
  /** The claim holding groups; a dotted path reaches nested claims. */
  groupsClaim?: string | undefined;
  remoteJwksOptions?: RemoteJWKSetOptions;
  /** Defaults to the wall clock; tests freeze it. */
  clock?: Clock;
}

export const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'];
// Real tokens are a few KiB; a cap keeps a hostile header from costing decode time.
const MAX_TOKEN_LENGTH = 16 * 1024;
const SEGMENT = /^[A-Za-z0-9_-]*$/;
/**
 * A verified token is remembered by its exact text for at most this long (and never past its `exp`):
 * an agent sends the same token on every request, and re-verifying it is pure CPU on the read path
 * (issue 17). Shorter than jose's own JWKS cache (10 min), so a key the IdP withdraws stops being
 * accepted no later than without this cache.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
const MAX_VERIFIED_TOKENS = 10_000;

/**
 * Verifies OIDC bearer JWTs with jose (signature, `iss`, `aud`, `exp` required, `nbf`,
 * allowed algorithms) and builds the principal. Every failure is an AirlockError with one
 * ERR_TOKEN_* code (ERR_JWKS_UNAVAILABLE when the keys cannot be fetched); messages never
 * echo the token.
 *
 * @example
 * const verifier = new JoseTokenVerifier({ issuer: 'https://idp.example.com', audience: 'airlock', jwks: new URL('https://idp.example.com/.well-known/jwks.json') });
 * const principal = await verifier.verify(req.headers.authorization);
 */
export class JoseTokenVerifier implements TokenVerifier {
  private readonly algorithms: string[];
  private readonly clockTolerance: number;
  private readonly groupsClaim: string;
  private readonly remote = new Map<string, JWTVerifyGetKey>();
  private readonly local = new WeakMap<JSONWebKeySet, JWTVerifyGetKey>();
  /** Token text → the principal it proved, and until when (ms) that answer may be reused. */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly config: JoseTokenVerifierConfig) {
    this.algorithms = config.algorithms ?? DEFAULT_ALGORITHMS;
    if (this.algorithms.some((a) => a === 'none' || a.startsWith('HS'))) {
      throw new Error('JoseTokenVerifier: only asymmetric algorithms may be allowed');
    }
    this.clockTolerance = config.clockToleranceSeconds ?? 30;
    this.groupsClaim = config.groupsClaim ?? 'groups';
  }

  async verify(authorizationHeader: string | undefined): Promise<Principal> {
    const token = bearerToken(authorizationHeader);
    const nowMs = (this.config.clock?.now() ?? new Date()).getTime();
    const known = this.verified.get(token);
    if (known !== undefined) {
      if (nowMs < known.until) return structuredClone(known.principal);
      this.verified.delete(token);
    }
    // Checked before jose sees the token, so `none` or a confused HS256 never reaches key lookup.
    const alg = headerAlgorithm(token);
    if (!this.algorithms.includes(alg)) fail('ERR_TOKEN_ALGORITHM');
    const getKey = await this.keys();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        clockTolerance: this.clockTolerance,
        requiredClaims: ['exp', 'sub'],
        ...(this.config.clock ? { currentDate: this.config.clock.now() } : {}),
      }));
    } catch (e) {
      fail(joseErrorCode(e), e);
    }
    // RFC 7519 §4.1.6 leaves iat unchecked; a token minted in the future is a skewed or forged clock.
    const now = (this.config.clock?.now() ?? new Date()).getTime() / 1000;
    if (payload.iat !== undefined && (typeof payload.iat !== 'number' || !Number.isFinite(payload.iat))) fail('ERR_TOKEN_CLAIMS');
    if (typeof payload.iat === 'number' && payload.iat > now + this.clockTolerance) fail('ERR_TOKEN_IAT');
    const principal = principalFromClaims(payload, this.groupsClaim);
    // Reused strictly before `exp` (no clock tolerance): past it, the token is verified again by jose.
    const until = Math.min(nowMs + VERIFIED_TOKEN_TTL_MS, (payload.exp as number) * 1000);
    if (until > nowMs) {
      rememberBounded(this.verified, token, { principal: structuredClone(principal), until }, MAX_VERIFIED_TOKENS);
    }
    return principal;
  }

  private async keys(): Promise<JWTVerifyGetKey> {
    const source = typeof this.config.jwks === 'function' ? await this.config.jwks() : this.config.jwks;
    if (source instanceof URL) {
      let getKey = this.remote.get(source.href);
      if (!getKey) {
        getKey = createRemoteJWKSet(source, this.config.remoteJwksOptions);
        this.remote.set(source.href, getKey);
      }
      return getKey;
    }
    let getKey = this.local.get(source);
    if (!getKey) {
      getKey = createLocalJWKSet(source);
      this.local.set(source, getKey);
    }
    return getKey;
  }
}

function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') fail('ERR_TOKEN_MISSING');
  // RFC 6750 §2.1 / RFC 7235: the scheme name is case-insensitive; any other scheme (Basic, a bare token) says so.
  if (!/^Bearer(\s|$)/i.test(header.trim())) fail('ERR_TOKEN_SCHEME');
  const match = /^Bearer +(\S+)$/i.exec(header.trim());
  if (!match?.[1] || match[1].length > MAX_TOKEN_LENGTH) fail('ERR_TOKEN_MALFORMED');
  const token = match[1];
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p)) || parts[0] === '' || parts[1] === '') fail('ERR_TOKEN_MALFORMED');
  return token;
}

function headerAlgorithm(token: string): string {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
    decodeJwt(token); // the payload must be a JSON object too
  } catch (e) {
    fail('ERR_TOKEN_MALFORMED', e);
  }
  if (typeof alg !== 'string') fail('ERR_TOKEN_MALFORMED');
  return alg;
}

function fail(code: AirlockErrorCode, cause?: unknown): never {
  throw new AirlockError(code, TOKEN_ERROR_MESSAGES[code] ?? 'the token was refused', cause === undefined ? undefined : { cause });
}
