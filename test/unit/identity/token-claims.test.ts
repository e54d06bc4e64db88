import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AirlockError, httpStatusFor } from '#shared/errors.js';
import { JoseTokenVerifier } from '#shared/identity/jose-token-verifier.js';
import { AUDIENCE, ISSUER, NOW, makeKeys, type Keys } from './token-fixtures.js';

let keys: Keys;
let verifier: JoseTokenVerifier;
const TOLERANCE = 30;

beforeAll(async () => {
  keys = await makeKeys();
  verifier = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, clock: { now: () => new Date(NOW * 1000) }, clockToleranceSeconds: TOLERANCE });
});

const BASE: Record<string, unknown> = { iss: ISSUER, aud: AUDIENCE, sub: 'agent', exp: NOW + 600, iat: NOW - 5, email: 'agent@example.com', groups: ['analysts'] };

/** A real ES256 JWT with exactly these claims (undefined = left out). */
async function jwt(over: Record<string, unknown>): Promise<string> {
  const claims = Object.fromEntries(Object.entries({ ...BASE, ...over }).filter(([, v]) => v !== undefined));
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: keys.es.kid }).sign(keys.es.privateKey);
}

async function outcome(header: string): Promise<string> {
  try {
    await verifier.verify(header);
    return 'OK';
  } catch (e) {
    expect(e).toBeInstanceOf(AirlockError);
    return (e as AirlockError).code;
  }
}

// One row per claim and per way of getting it wrong; the expected codes come from RFC 7519 §4.1 / OIDC Core §2.
const CLAIMS: Array<[string, Record<string, unknown>, string]> = [
  ['all claims valid', {}, 'OK'],
  // iat (RFC 7519 §4.1.6): in the past or within the tolerance is fine; beyond it in the future is refused.
  ['iat now', { iat: NOW }, 'OK'],
  ['iat absent', { iat: undefined }, 'OK'],
  ['iat exactly at the tolerance', { iat: NOW + TOLERANCE }, 'OK'],
  ['iat one second past the tolerance', { iat: NOW + TOLERANCE + 1 }, 'ERR_TOKEN_IAT'],
  ['iat an hour in the future', { iat: NOW + 3600 }, 'ERR_TOKEN_IAT'],
  ['iat a string', { iat: String(NOW) }, 'ERR_TOKEN_CLAIMS'],
  ['iat null', { iat: null }, 'ERR_TOKEN_CLAIMS'],
  // exp (§4.1.4)
  ['exp absent', { exp: undefined }, 'ERR_TOKEN_CLAIMS'],
  ['exp passed beyond the tolerance', { exp: NOW - TOLERANCE - 1 }, 'ERR_TOKEN_EXPIRED'],
  ['exp a string', { exp: String(NOW + 600) }, 'ERR_TOKEN_CLAIMS'],
  // nbf (§4.1.5)
  ['nbf beyond the tolerance', { nbf: NOW + TOLERANCE + 10 }, 'ERR_TOKEN_NOT_YET_VALID'],
  ['nbf within the tolerance', { nbf: NOW + 10 }, 'OK'],
  ['nbf a string', { nbf: 'soon' }, 'ERR_TOKEN_CLAIMS'],
  // iss (§4.1.1) and aud (§4.1.3)
  ['iss absent', { iss: undefined }, 'ERR_TOKEN_ISSUER'],
  ['iss another issuer', { iss: 'https://evil.example.com' }, 'ERR_TOKEN_ISSUER'],
  ['iss with a trailing slash', { iss: `${ISSUER}/` }, 'ERR_TOKEN_ISSUER'],
  ['aud absent', { aud: undefined }, 'ERR_TOKEN_AUDIENCE'],
  ['aud another service', { aud: 'other' }, 'ERR_TOKEN_AUDIENCE'],
  ['aud a list holding this service', { aud: ['other', AUDIENCE] }, 'OK'],
  // sub (§4.1.2)
  ['sub absent', { sub: undefined }, 'ERR_TOKEN_CLAIMS'],
  ['sub empty', { sub: '' }, 'ERR_TOKEN_CLAIMS'],
  ['sub a number', { sub: 42 }, 'ERR_TOKEN_CLAIMS'],
  // groups: an array of strings, nothing else
  ['groups absent', { groups: undefined }, 'OK'],
  ['groups empty list', { groups: [] }, 'OK'],
  ['groups a string', { groups: 'admins' }, 'ERR_TOKEN_CLAIMS'],
  ['groups a space-separated string', { groups: 'admins analysts' }, 'ERR_TOKEN_CLAIMS'],
  ['groups a number', { groups: 7 }, 'ERR_TOKEN_CLAIMS'],
  ['groups an object', { groups: { admins: true } }, 'ERR_TOKEN_CLAIMS'],
  ['groups a list with a number', { groups: ['analysts', 1] }, 'ERR_TOKEN_CLAIMS'],
  ['groups a list with null', { groups: [null] }, 'ERR_TOKEN_CLAIMS'],
  ['groups a nested list', { groups: [['admins']] }, 'ERR_TOKEN_CLAIMS'],
  // email, azp, act
  ['email a list', { email: ['a@example.com'] }, 'ERR_TOKEN_CLAIMS'],
  ['azp a number', { azp: 1 }, 'ERR_TOKEN_CLAIMS'],
  ['act without sub', { act: { iss: ISSUER } }, 'ERR_TOKEN_CLAIMS'],
  ['act a string', { act: 'claude' }, 'ERR_TOKEN_CLAIMS'],
  ['act with a sub', { act: { sub: 'claude' } }, 'OK'],
];

describe('token claims, one row each (real ES256 JWTs via jose)', () => {
  it.each(CLAIMS)('%s → %s', async (_name, over, expected) => {
    expect(await outcome(`Bearer ${await jwt(over)}`)).toBe(expected);
    if (expected !== 'OK') expect(httpStatusFor(expected)).toBe(401);
  });
});

describe('the Authorization scheme', () => {
  it.each<[string, (t: string) => string, string]>([
    ['Bearer', (t) => `Bearer ${t}`, 'OK'],
    ['bearer (case-insensitive, RFC 7235)', (t) => `bearer ${t}`, 'OK'],
    ['the bare token', (t) => t, 'ERR_TOKEN_SCHEME'],
    ['Basic', (t) => `Basic ${t}`, 'ERR_TOKEN_SCHEME'],
    ['Token', (t) => `Token ${t}`, 'ERR_TOKEN_SCHEME'],
    ['Bearer without a space', (t) => `Bearer${t}`, 'ERR_TOKEN_SCHEME'],
    ['DPoP', (t) => `DPoP ${t}`, 'ERR_TOKEN_SCHEME'],
    ['Bearer and nothing', () => 'Bearer', 'ERR_TOKEN_MALFORMED'],
  ])('%s → %s', async (_name, header, expected) => {
    expect(await outcome(header(await jwt({})))).toBe(expected);
  });
});
