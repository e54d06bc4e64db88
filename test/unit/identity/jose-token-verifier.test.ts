import { createPublicKey } from 'node:crypto';
import { base64url, exportSPKI } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AirlockError, httpStatusFor, type AirlockErrorCode } from '#shared/errors.js';
import { JoseTokenVerifier, VERIFIED_TOKEN_TTL_MS } from '#shared/identity/jose-token-verifier.js';
import { AUDIENCE, ISSUER, NOW, makeKeys, token, unsignedToken, type Keys } from './token-fixtures.js';
import { expectCode } from '#test/helpers/expect-code.js';

let keys: Keys;
let verifier: JoseTokenVerifier;
const clock = { now: () => new Date(NOW * 1000) };

beforeAll(async () => {
  keys = await makeKeys();
  verifier = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, clock });
});

/** Asserts the verifier answers `header` with `code`, and never echoes the token (or any part of it) back. */
async function expectTokenCode(header: string | undefined, code: AirlockErrorCode | 'OK', v = verifier): Promise<void> {
  const err = await expectCode(v.verify(header), code);
  for (const part of (header ?? '').replace(/^\S+\s+/, '').split('.')) {
    if (part.length > 8) expect(err?.message ?? '').not.toContain(part);
  }
}

const bearer = (t: string) => `Bearer ${t}`;

describe('JoseTokenVerifier: each bad token gets its own code', () => {
  const cases: Array<[string, () => Promise<string | undefined>, AirlockErrorCode | 'OK']> = [
    ['a valid ES256 token', async () => bearer(await token(keys)), 'OK'],
    ['a valid RS256 token', async () => bearer(await token(keys, { alg: 'RS256', kid: keys.rs.kid, key: keys.rs.privateKey })), 'OK'],
    ['the scheme in lower case', async () => `bearer ${await token(keys)}`, 'OK'],
    ['no header', async () => undefined, 'ERR_TOKEN_MISSING'],
    ['an empty header', async () => '', 'ERR_TOKEN_MISSING'],
    ['Basic credentials', async () => 'Basic x', 'ERR_TOKEN_SCHEME'],
    ['Bearer with nothing after it', async () => 'Bearer ', 'ERR_TOKEN_MALFORMED'],
    ['garbage', async () => bearer('garbage'), 'ERR_TOKEN_MALFORMED'],
    ['two segments', async () => bearer('abc.def'), 'ERR_TOKEN_MALFORMED'],
    ['four segments', async () => bearer(`${await token(keys)}.x`), 'ERR_TOKEN_MALFORMED'],
    ['characters outside base64url', async () => bearer('ab+c.d/ef.ghi'), 'ERR_TOKEN_MALFORMED'],
    ['a header that is not JSON', async () => bearer(`${base64url.encode('not json')}.${base64url.encode('{}')}.sig`), 'ERR_TOKEN_MALFORMED'],
    ['a payload that is not JSON', async () => bearer(`${base64url.encode('{"alg":"ES256"}')}.${base64url.encode('nope')}.sig`), 'ERR_TOKEN_MALFORMED'],
    ['a header without alg', async () => bearer(`${base64url.encode('{"typ":"JWT"}')}.${base64url.encode('{}')}.sig`), 'ERR_TOKEN_MALFORMED'],
    ['a very long token', async () => bearer(`a.${'b'.repeat(20_000)}.c`), 'ERR_TOKEN_MALFORMED'],
    ['alg: none (unsigned)', async () => bearer(unsignedToken({ iss: ISSUER, aud: AUDIENCE, sub: 'agent', exp: NOW + 600 })), 'ERR_TOKEN_ALGORITHM'],
    [
      'HS256 keyed with the public key (algorithm confusion)',
      async () => {
        const pem = await exportSPKI(keys.es.publicKey);
        return bearer(await token(keys, { alg: 'HS256', key: new TextEncoder().encode(pem) }));
      },
      'ERR_TOKEN_ALGORITHM',
    ],
    [
      'an asymmetric algorithm outside the allow-list',
      // Refused on the header alone, so the signature need not be real.
      async () => bearer(`${base64url.encode(JSON.stringify({ alg: 'RS384', kid: keys.rs.kid }))}.${base64url.encode('{}')}.c2ln`),
      'ERR_TOKEN_ALGORITHM',
    ],
    ['a forged signature (another key, same kid)', async () => bearer(await token(keys, { key: keys.attacker.privateKey })), 'ERR_TOKEN_SIGNATURE'],
    [
      'a valid token with one signature byte flipped',
      async () => {
        const [h, p, s] = (await token(keys)).split('.') as [string, string, string];
        const sig = base64url.decode(s);
        sig[5] = (sig[5] ?? 0) ^ 1;
        return bearer(`${h}.${p}.${base64url.encode(sig)}`);
      },
      'ERR_TOKEN_SIGNATURE',
    ],
    ['an unknown kid', async () => bearer(await token(keys, { kid: 'nobody', key: keys.attacker.privateKey })), 'ERR_TOKEN_SIGNATURE'],
    ['a kid whose key has another type', async () => bearer(await token(keys, { kid: keys.rs.kid })), 'ERR_TOKEN_SIGNATURE'],
    ['expired beyond the 30 s tolerance', async () => bearer(await token(keys, { exp: NOW - 31 })), 'ERR_TOKEN_EXPIRED'],
    ['expired within the tolerance', async () => bearer(await token(keys, { exp: NOW - 10 })), 'OK'],
    ['nbf in the future', async () => bearer(await token(keys, { nbf: NOW + 120 })), 'ERR_TOKEN_NOT_YET_VALID'],
    ['nbf within the tolerance', async () => bearer(await token(keys, { nbf: NOW + 10 })), 'OK'],
    ['a wrong issuer', async () => bearer(await token(keys, { iss: 'https://evil.example' })), 'ERR_TOKEN_ISSUER'],
    ['no issuer', async () => bearer(await token(keys, { iss: null })), 'ERR_TOKEN_ISSUER'],
    ['a wrong audience', async () => bearer(await token(keys, { aud: 'someone-else' })), 'ERR_TOKEN_AUDIENCE'],
    ['no audience', async () => bearer(await token(keys, { aud: null })), 'ERR_TOKEN_AUDIENCE'],
    ['no sub', async () => bearer(await token(keys, { sub: null })), 'ERR_TOKEN_CLAIMS'],
    ['no exp', async () => bearer(await token(keys, { exp: null })), 'ERR_TOKEN_CLAIMS'],
    ['groups of the wrong type', async () => bearer(await token(keys, { claims: { groups: 42 } })), 'ERR_TOKEN_CLAIMS'],
    ['groups holding a non-string', async () => bearer(await token(keys, { claims: { groups: ['a', 1] } })), 'ERR_TOKEN_CLAIMS'],
    ['act without sub', async () => bearer(await token(keys, { claims: { act: { client: 'x' } } })), 'ERR_TOKEN_CLAIMS'],
  ];

  it.each(cases.map(([name, make, expected]) => [name, expected, make] as const))('%s → %s', async (_name, expected, make) => {
    await expectTokenCode(await make(), expected);
    if (expected !== 'OK') expect(httpStatusFor(expected)).toBe(401);
  });
});

describe('JoseTokenVerifier: the principal', () => {
  it('carries iss, sub, email, groups and client id', async () => {
    const p = await verifier.verify(bearer(await token(keys, { claims: { azp: 'claude-desktop', groups: ['analysts', 'oncall'] } })));
    expect(p).toEqual({ iss: ISSUER, sub: 'agent', email: 'agent@example.com', groups: ['analysts', 'oncall'], clientId: 'claude-desktop' });
  });

  it('refuses groups given as a string (not split into a list)', async () => {
    await expectTokenCode(bearer(await token(keys, { claims: { groups: 'analysts  oncall' } })), 'ERR_TOKEN_CLAIMS');
  });

  it('reads groups from a configured (nested) claim, and none when absent', async () => {
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, clock, groupsClaim: 'realm_access.roles' });
    const p = await v.verify(bearer(await token(keys, { claims: { realm_access: { roles: ['dba'] } } })));
    expect(p.groups).toEqual(['dba']);
    const none = await v.verify(bearer(await token(keys)));
    expect(none.groups).toEqual([]);
  });

  it('takes client_id when there is no azp', async () => {
    const p = await verifier.verify(bearer(await token(keys, { claims: { client_id: 'svc' } })));
    expect(p.clientId).toBe('svc');
  });

  it('records the RFC 8693 actor (the agent acting for sub)', async () => {
    const claims = { act: { sub: 'claude-agent', iss: 'https://agents.example.com', act: { sub: 'older' } } };
    const p = await verifier.verify(bearer(await token(keys, { sub: 'alice', claims })));
    expect(p.sub).toBe('alice');
    expect(p.act).toEqual({ sub: 'claude-agent', iss: 'https://agents.example.com' });
  });

  it('accepts a key-set getter and caches per key set', async () => {
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: async () => keys.jwks, clock });
    expect((await v.verify(bearer(await token(keys)))).sub).toBe('agent');
  });

  it('refuses to be configured with none or an HMAC algorithm', () => {
    expect(() => new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, algorithms: ['HS256'] })).toThrow(/asymmetric/);
    expect(() => new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, algorithms: ['none'] })).toThrow(/asymmetric/);
  });

  it('the public key used in the confusion case is a real SPKI key (the attack is well-formed)', async () => {
    expect(createPublicKey(await exportSPKI(keys.es.publicKey)).asymmetricKeyType).toBe('ec');
  });
});

describe('JoseTokenVerifier: verified tokens are remembered briefly (issue 17)', () => {
  const movable = () => {
    let t = NOW * 1000;
    return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
  };

  it('answers the same token again without re-verifying, and refuses it once expired', async () => {
    const c = movable();
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, clock: c });
    const t = bearer(await token(keys, { exp: NOW + 40 }));
    expect((await v.verify(t)).sub).toBe('agent');
    c.advance(20_000);
    expect((await v.verify(t)).sub).toBe('agent');
    // Past exp and past jose's 30 s tolerance: refused, never answered from memory.
    c.advance(51_000);
    await expectTokenCode(t, 'ERR_TOKEN_EXPIRED', v);
  });

  it('re-verifies after at most VERIFIED_TOKEN_TTL_MS: a withdrawn key stops being accepted', async () => {
    const c = movable();
    let current = keys.jwks;
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: () => current, clock: c });
    const t = bearer(await token(keys));
    await expectTokenCode(t, 'OK', v);
    current = { keys: keys.jwks.keys.filter((k) => k.kid !== keys.es.kid) };
    c.advance(VERIFIED_TOKEN_TTL_MS - 1000);
    await expectTokenCode(t, 'OK', v);
    c.advance(2000);
    await expectTokenCode(t, 'ERR_TOKEN_SIGNATURE', v);
  });

  it('matches the exact token text: a one-byte change to a remembered token is verified (and refused)', async () => {
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, clock });
    const good = await token(keys);
    await expectTokenCode(bearer(good), 'OK', v);
    const [h, p, s] = good.split('.') as [string, string, string];
    const sig = base64url.decode(s);
    sig[7] = (sig[7] ?? 0) ^ 1;
    await expectTokenCode(bearer(`${h}.${p}.${base64url.encode(sig)}`), 'ERR_TOKEN_SIGNATURE', v);
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;
    const forged = base64url.encode(JSON.stringify({ ...claims, sub: 'someone-else' }));
    await expectTokenCode(bearer(`${h}.${forged}.${s}`), 'ERR_TOKEN_SIGNATURE', v);
  });

  it('hands out a copy: a caller that changes its principal does not change the next answer', async () => {
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: keys.jwks, clock });
    const t = bearer(await token(keys));
    for (let i = 0; i < 3; i++) {
      const answer = await v.verify(t);
      expect(answer.sub).toBe('agent');
      expect(answer.groups).toEqual(['analysts']);
      answer.groups.push('admins');
      answer.sub = 'root';
    }
  });
});
