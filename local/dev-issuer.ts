import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, type JSONWebKeySet, type JWK } from 'jose';

/** Constants, not derived from the port: a token stays valid when the server moves. */
export const DEV_ISSUER = 'https://airlock.local/dev';
export const DEV_AUDIENCE = 'airlock';
export const DEV_ALGORITHM = 'ES256';

export interface IssueInput {
  sub: string;
  email?: string;
  groups?: string[];
  ttlSeconds: number;
  /** RFC 8693 actor: the agent acting for `sub`. */
  act?: { sub: string; iss?: string };
  /** Defaults to the wall clock; tests pass a fixed time (seconds since the epoch). */
  now?: number;
}

/**
 * The local stand-in for the corporate IdP: an ES256 (P-256) key kept at
 * `<dataDir>/keys/dev-issuer.pem` (PKCS#8, mode 0600), its public JWKS for
 * `GET /.well-known/jwks.json`, and token issuance. Its tokens are verified by the same
 * JoseTokenVerifier as a real IdP's; `kid` is the RFC 7638 thumbprint, so it is stable
 * across restarts.
 *
 * @example
 * const issuer = await DevIssuer.open('.airlock');
 * const jwt = await issuer.issue({ sub: 'agent', email: 'agent@example.com', groups: [], ttlSeconds: 3600 });
 */
export class DevIssuer {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicJwk: JWK,
    readonly kid: string,
  ) {}

  static keyPath(dataDir: string): string {
    return join(dataDir, 'keys', 'dev-issuer.pem');
  }

  static async open(dataDir: string): Promise<DevIssuer> {
    const path = DevIssuer.keyPath(dataDir);
    const privateKey = await loadOrCreateKey(path);
    const jwk = await exportJWK(createPublicKey(privateKey));
    const kid = await calculateJwkThumbprint(jwk, 'sha256');
    return new DevIssuer(privateKey, { ...jwk, kid, alg: DEV_ALGORITHM, use: 'sig' }, kid);
  }

  /** The public key set; never holds the private part. */
  jwks(): JSONWebKeySet {
    return { keys: [{ ...this.publicJwk }] };
  }

  async issue(input: IssueInput): Promise<string> {
    if (!Number.isInteger(input.ttlSeconds) || input.ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');
    const now = input.now ?? Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { groups: input.groups ?? [] };
    if (input.email !== undefined) claims['email'] = input.email;
    if (input.act !== undefined) claims['act'] = { ...input.act };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: DEV_ALGORITHM, kid: this.kid, typ: 'JWT' })
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setSubject(input.sub)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + input.ttlSeconds)
      .sign(this.privateKey);
  }
}

async function loadOrCreateKey(path: string): Promise<KeyObject> {
  try {
    return createPrivateKey(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Written whole to a temp file, then linked into place: link refuses to overwrite, so when
  // two processes race (serve + token), the loser reads the winner's complete key.
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, path);
    return privateKey;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return createPrivateKey(await readFile(path, 'utf8'));
  } finally {
    await unlink(tmp);
  }
}
