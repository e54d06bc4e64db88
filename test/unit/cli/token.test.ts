import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTtl } from '#cli/commands/token.js';
import { JoseTokenVerifier } from '#shared/identity/jose-token-verifier.js';
import { DEV_AUDIENCE, DEV_ISSUER, DevIssuer } from '#local/dev-issuer.js';
import { runCli } from '#test/helpers/run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function airlock(argv: string[], env: Record<string, string> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'airlock-token-'));
  dirs.push(cwd);
  return { ...(await runCli(['token', ...argv], { env, cwd })), cwd };
}

describe('airlock token', () => {
  it('prints only a JWT that verifies against the dev issuer JWKS, with the defaults', async () => {
    const { code, out, cwd } = await airlock([]);
    expect(code).toBe(0);
    expect(out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    // Default data folder: .airlock under cwd, created on demand.
    const issuer = await DevIssuer.open(join(cwd, '.airlock'));
    const verifier = new JoseTokenVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwks: issuer.jwks() });
    const p = await verifier.verify(`Bearer ${out.trim()}`);
    expect(p).toEqual({ iss: 'https://airlock.local/dev', sub: 'agent', email: 'agent@example.com', groups: [] });
    const claims = decodeJwt(out.trim());
    expect(claims.exp! - claims.iat!).toBe(3600);
  });

  it('takes --sub, --email, --groups and --ttl, and AIRLOCK_DATA_DIR relative to cwd', async () => {
    const { code, out, cwd } = await airlock(['--sub', 'u-42', '--email', 'approver1@example.com', '--groups', 'analysts, oncall', '--ttl', '15m'], {
      AIRLOCK_DATA_DIR: 'state',
    });
    expect(code).toBe(0);
    const issuer = await DevIssuer.open(join(cwd, 'state'));
    const p = await new JoseTokenVerifier({ issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwks: issuer.jwks() }).verify(`Bearer ${out.trim()}`);
    expect(p).toMatchObject({ sub: 'u-42', email: 'approver1@example.com', groups: ['analysts', 'oncall'] });
    const claims = decodeJwt(out.trim());
    expect(claims.exp! - claims.iat!).toBe(900);
  });

  it.each([['--ttl', '5x'], ['--ttl', '0'], ['--ttl', '-1h'], ['--ttl', '99d'], ['--bogus'], ['extra'], ['--sub', '']])(
    'exits 2 on bad usage: %s %s',
    async (...argv) => {
      const { code, out, err } = await airlock(argv);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/^airlock token: /);
    },
  );

  it('parses ttl units', () => {
    expect([parseTtl('30s'), parseTtl('15m'), parseTtl('1h'), parseTtl('2d'), parseTtl('45')]).toEqual([30, 900, 3600, 172_800, 45]);
  });
});
