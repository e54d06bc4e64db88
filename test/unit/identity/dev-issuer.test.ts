import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { JoseTokenVerifier } from '#shared/identity/jose-token-verifier.js';
import { DEV_AUDIENCE, DEV_ISSUER, DevIssuer } from '#local/dev-issuer.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'airlock-issuer-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('DevIssuer', () => {
  it('creates its P-256 key once (mode 0600) and keeps the same kid, the RFC 7638 thumbprint', async () => {
    const dir = tempDir();
    const a = await DevIssuer.open(dir);
    const b = await DevIssuer.open(dir);
    expect(statSync(join(dir, 'keys', 'dev-issuer.pem')).mode & 0o777).toBe(0o600);
    expect(b.kid).toBe(a.kid);
    const [jwk] = a.jwks().keys;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: a.kid, alg: 'ES256' });
    expect(jwk).not.toHaveProperty('d');
    const { kid: _kid, alg: _alg, use: _use, ...bare } = jwk!;
    expect(await calculateJwkThumbprint(bare, 'sha256')).toBe(a.kid);
  });

  it('agrees on one key when two processes create it at once', async () => {
    const dir = tempDir();
    const [a, b] = await Promise.all([DevIssuer.open(dir), DevIssuer.open(dir)]);
    expect(a.kid).toBe(b.kid);
  });

  it('issues tokens the JoseTokenVerifier accepts, with iss/aud constants, kid, iat/nbf/exp and act', async () => {
    const issuer = await DevIssuer.open(tempDir());
    const now = 1_800_000_000;
    const jwt = await issuer.issue({ sub: 'alice', email: 'alice@example.com', groups: ['analysts'], ttlSeconds: 900, act: { sub: 'claude' }, now });
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES256', kid: issuer.kid });
    expect(decodeJwt(jwt)).toMatchObject({ iss: DEV_ISSUER, aud: DEV_AUDIENCE, iat: now, nbf: now, exp: now + 900 });
    const verifier = new JoseTokenVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwks: issuer.jwks(), clock: { now: () => new Date((now + 60) * 1000) } });
    expect(await verifier.verify(`Bearer ${jwt}`)).toEqual({
      iss: 'https://airlock.local/dev',
      sub: 'alice',
      email: 'alice@example.com',
      groups: ['analysts'],
      act: { sub: 'claude' },
    });
  });

  it('refuses a ttl that is not a positive integer', async () => {
    const issuer = await DevIssuer.open(tempDir());
    for (const ttl of [0, -1, 1.5, Number.NaN]) await expect(issuer.issue({ sub: 'a', ttlSeconds: ttl })).rejects.toThrow(RangeError);
  });
});
