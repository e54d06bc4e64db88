import { SignJWT, base64url, exportJWK, generateKeyPair, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose';

export const ISSUER = 'https://idp.example.com';
export const AUDIENCE = 'airlock';
/** A frozen "now" (seconds): 2027-01-15T08:00:00Z. */
export const NOW = 1_800_000_000;

export interface Keys {
  es: { privateKey: CryptoKey; publicKey: CryptoKey; kid: string };
  rs: { privateKey: CryptoKey; publicKey: CryptoKey; kid: string };
  /** Another P-256 key, never published: forgeries are signed with it. */
  attacker: { privateKey: CryptoKey; publicKey: CryptoKey };
  jwks: JSONWebKeySet;
}

export async function makeKeys(): Promise<Keys> {
  const es = { ...(await generateKeyPair('ES256', { extractable: true })), kid: 'es-1' };
  const rs = { ...(await generateKeyPair('RS256', { extractable: true })), kid: 'rs-1' };
  const attacker = await generateKeyPair('ES256', { extractable: true });
  const jwks = {
    keys: [
      { ...(await exportJWK(es.publicKey)), kid: es.kid, alg: 'ES256', use: 'sig' },
      { ...(await exportJWK(rs.publicKey)), kid: rs.kid, alg: 'RS256', use: 'sig' },
    ],
  };
  return { es, rs, attacker, jwks };
}

export interface TokenOptions {
  claims?: JWTPayload;
  alg?: string;
  kid?: string;
  key?: CryptoKey | Uint8Array;
  iss?: string | null;
  aud?: string | null;
  sub?: string | null;
  exp?: number | null;
  nbf?: number;
}

/** A signed token with sensible defaults; `null` leaves a claim out. */
export async function token(keys: Keys, o: TokenOptions = {}): Promise<string> {
  const jwt = new SignJWT({ email: 'agent@example.com', groups: ['analysts'], ...o.claims })
    .setProtectedHeader({ alg: o.alg ?? 'ES256', kid: o.kid ?? keys.es.kid })
    .setIssuedAt(NOW - 5);
  if (o.iss !== null) jwt.setIssuer(o.iss ?? ISSUER);
  if (o.aud !== null) jwt.setAudience(o.aud ?? AUDIENCE);
  if (o.sub !== null) jwt.setSubject(o.sub ?? 'agent');
  if (o.exp !== null) jwt.setExpirationTime(o.exp ?? NOW + 600);
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(o.key ?? keys.es.privateKey);
}

/** A hand-built unsigned token (`alg: none`), which jose refuses to produce with SignJWT. */
export function unsignedToken(payload: JWTPayload): string {
  const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(payload)}.`;
}
