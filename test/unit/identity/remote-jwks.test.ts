import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AirlockError, httpStatusFor } from '#shared/errors.js';
import { JoseTokenVerifier } from '#shared/identity/jose-token-verifier.js';
import { AUDIENCE, ISSUER, NOW, makeKeys, token, type Keys } from './token-fixtures.js';
import { expectCode } from '#test/helpers/expect-code.js';

let keys: Keys;
let server: Server;
let jwksUrl: URL;
let fetches = 0;
const clock = { now: () => new Date(NOW * 1000) };

beforeAll(async () => {
  keys = await makeKeys();
  server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(keys.jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});


describe('JoseTokenVerifier over a real HTTP JWKS (createRemoteJWKSet)', () => {
  it('verifies a token against the served key set, fetching it once', async () => {
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: jwksUrl, clock });
    const before = fetches;
    const p = await v.verify(`Bearer ${await token(keys)}`);
    await v.verify(`Bearer ${await token(keys, { alg: 'RS256', kid: keys.rs.kid, key: keys.rs.privateKey })}`);
    expect(p).toMatchObject({ iss: ISSUER, sub: 'agent', groups: ['analysts'] });
    expect(fetches - before).toBe(1);
  });

  it('accepts a getter that yields the URL (wiring that learns its port late)', async () => {
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: () => jwksUrl, clock });
    await expectCode(v.verify(`Bearer ${await token(keys)}`), 'OK');
  });

  it('refuses a forgery and an unknown kid', async () => {
    const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: jwksUrl, clock });
    await expectCode(v.verify(`Bearer ${await token(keys, { key: keys.attacker.privateKey })}`), 'ERR_TOKEN_SIGNATURE');
    await expectCode(v.verify(`Bearer ${await token(keys, { kid: 'rotated-away', key: keys.attacker.privateKey })}`), 'ERR_TOKEN_SIGNATURE');
  });

  it('reports a key set it cannot get as ERR_JWKS_UNAVAILABLE (a 503), not a bad token', async () => {
    const notFound = new URL(jwksUrl.href.replace('/.well-known/jwks.json', '/missing.json'));
    const refused = new URL('http://127.0.0.1:1/.well-known/jwks.json');
    for (const url of [notFound, refused]) {
      const v = new JoseTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks: url, clock, remoteJwksOptions: { timeoutDuration: 2000 } });
      await expectCode(v.verify(`Bearer ${await token(keys)}`), 'ERR_JWKS_UNAVAILABLE');
    }
    expect(httpStatusFor('ERR_JWKS_UNAVAILABLE')).toBe(503);
  });
});
