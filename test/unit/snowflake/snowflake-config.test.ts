import { describe, expect, it } from 'vitest';
import { secretsOf, snowflakeConfigOf } from '#shared/adapters/snowflake/snowflake-config.js';
import { parseEnv } from '#shared/config/env.js';
import { AirlockError } from '#shared/errors.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const base = { SNOWFLAKE_ACCOUNT: 'acme-prod', SNOWFLAKE_USER: 'airlock_svc' };

function configError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof AirlockError && e.code === 'ERR_CONFIG') return e.message;
    throw e;
  }
  throw new Error('expected ERR_CONFIG');
}

describe('Snowflake settings', () => {
  it('means DuckDB when nothing SNOWFLAKE_* is set', () => {
    expect(snowflakeConfigOf({})).toBeNull();
  });

  it.each([
    [{ SNOWFLAKE_USER: 'u' }, /SNOWFLAKE_USER is set but SNOWFLAKE_ACCOUNT is not/],
    [{ SNOWFLAKE_ACCOUNT: 'a' }, /SNOWFLAKE_USER is required/],
    [base, /SNOWFLAKE_PRIVATE_KEY \(PEM\) or SNOWFLAKE_PRIVATE_KEY_PATH is required/],
    [{ ...base, SNOWFLAKE_PRIVATE_KEY: PEM, SNOWFLAKE_PRIVATE_KEY_PATH: '/k.p8' }, /not both/],
    [{ ...base, SNOWFLAKE_PRIVATE_KEY: PEM, SNOWFLAKE_PASSWORD: 'pw' }, /only a fallback/],
    [{ ...base, SNOWFLAKE_PASSWORD: 'pw', SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'x' }, /PASSPHRASE is set without/],
    [{ ...base, SNOWFLAKE_PRIVATE_KEY: 'not a pem' }, /PKCS#8 PEM/],
  ])('refuses %j with a message naming the variable', (settings, message) => {
    expect(configError(() => snowflakeConfigOf(settings))).toMatch(message);
  });

  it('is validated at start by parseEnv, like every other variable', () => {
    expect(configError(() => parseEnv({ SNOWFLAKE_ACCOUNT: 'acme' }))).toMatch(/SNOWFLAKE_USER/);
    expect(parseEnv({ ...base, SNOWFLAKE_PRIVATE_KEY: PEM }).SNOWFLAKE_ACCOUNT).toBe('acme-prod');
  });

  it('builds a key-pair config from a PEM, restoring escaped newlines, with the optional passphrase', () => {
    const c = snowflakeConfigOf({ ...base, SNOWFLAKE_PRIVATE_KEY: PEM.replace(/\n/g, '\\n'), SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'pp', SNOWFLAKE_ROLE: 'R', SNOWFLAKE_ACCESS_URL: 'https://x.privatelink.snowflakecomputing.com' });
    expect(c).toEqual({
      account: 'acme-prod',
      user: 'airlock_svc',
      auth: { kind: 'key-pair', privateKeyPem: PEM, passphrase: 'pp' },
      role: 'R',
      accessUrl: 'https://x.privatelink.snowflakecomputing.com',
    });
  });

  it('reads the key from SNOWFLAKE_PRIVATE_KEY_PATH, and names the variable (not the path contents) when it cannot', () => {
    const c = snowflakeConfigOf({ ...base, SNOWFLAKE_PRIVATE_KEY_PATH: '/keys/rsa.p8' }, (p) => (p === '/keys/rsa.p8' ? PEM : ''));
    expect(c?.auth).toEqual({ kind: 'key-pair', privateKeyPem: PEM });
    expect(configError(() => snowflakeConfigOf({ ...base, SNOWFLAKE_PRIVATE_KEY_PATH: '/nope' }, () => {
      throw Object.assign(new Error('ENOENT /nope'), { code: 'ENOENT' });
    }))).toBe('SNOWFLAKE_PRIVATE_KEY_PATH: cannot read the key file (ENOENT)');
  });

  it('uses the password when it is the only credential given', () => {
    expect(snowflakeConfigOf({ ...base, SNOWFLAKE_PASSWORD: 'pw' })?.auth).toEqual({ kind: 'password', password: 'pw' });
  });

  it('lists the credentials and hosts that must never be echoed', () => {
    const c = snowflakeConfigOf({ ...base, SNOWFLAKE_PRIVATE_KEY: PEM, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'pass-phrase', SNOWFLAKE_ACCESS_URL: 'https://pl.internal.example:8443' })!;
    expect(secretsOf(c)).toEqual(expect.arrayContaining([PEM, 'pass-phrase', 'pl.internal.example:8443', 'pl.internal.example', 'acme-prod.snowflakecomputing.com']));
  });
});
