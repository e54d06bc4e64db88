import { describe, expect, it } from 'vitest';
import { parseEnv } from '#shared/config/env.js';
import { AirlockError } from '#shared/errors.js';

function failure(env: Record<string, string>): AirlockError {
  try {
    parseEnv(env);
  } catch (e) {
    if (e instanceof AirlockError) return e;
    throw e;
  }
  throw new Error('parseEnv accepted a bad environment');
}

describe('parseEnv', () => {
  it('applies the documented defaults', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ AIRLOCK_PORT: 8787, AIRLOCK_HOST: '127.0.0.1', AIRLOCK_DATA_DIR: '.airlock', OIDC_GROUPS_CLAIM: 'groups', AIRLOCK_LOG_LEVEL: 'info' });
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv({ AIRLOCK_PORT: '', AIRLOCK_POLICY: '' }).AIRLOCK_PORT).toBe(8787);
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['a port that is not a number', { AIRLOCK_PORT: 'abc' }, /^AIRLOCK_PORT: /],
    ['a port out of range', { AIRLOCK_PORT: '70000' }, /^AIRLOCK_PORT: /],
    ['a short masking key', { AIRLOCK_MASKING_KEY: 'short' }, /^AIRLOCK_MASKING_KEY: must be at least 16/],
    ['an unknown log level', { AIRLOCK_LOG_LEVEL: 'loud' }, /^AIRLOCK_LOG_LEVEL: /],
    ['a JWKS URL that is not a URL', { OIDC_ISSUER: 'https://idp', OIDC_AUDIENCE: 'a', OIDC_JWKS_URL: 'nope' }, /^OIDC_JWKS_URL: /],
    ['half an OIDC configuration', { OIDC_ISSUER: 'https://idp' }, /must be set together/],
  ];
  it.each(bad)('refuses %s, naming the variable', (_name, env, message) => {
    const e = failure(env);
    expect(e.code).toBe('ERR_CONFIG');
    expect(e.message).toMatch(message);
  });
});
