import { describe, expect, it } from 'vitest';
import { isSessionGone, loginError, scrub, statementError } from '#shared/adapters/snowflake/snowflake-errors.js';

const secrets = ['-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----', 'hunter2-pass', 'acme.privatelink.internal'];

describe('Snowflake errors', () => {
  it('keeps Snowflake code, SQL state, message and query id for a refused statement', () => {
    const e = statementError({ name: 'OperationFailedError', code: '002003', sqlState: '42S02', message: "Object 'X' does not exist", data: { queryId: 'q1' } }, { secrets, timeoutMs: 1000 });
    expect(e.code).toBe('ERR_WAREHOUSE');
    expect(e.message).toBe("002003 (42S02): Object 'X' does not exist");
    expect(e.details).toEqual({ snowflakeCode: '002003', sqlState: '42S02', queryId: 'q1' });
  });

  it.each([
    ['000630', 'ERR_WAREHOUSE_TIMEOUT'],
    ['000604', 'ERR_WAREHOUSE_TIMEOUT'],
    ['401001', 'ERR_WAREHOUSE_UNAVAILABLE'],
    ['002003', 'ERR_WAREHOUSE'],
  ])('maps driver code %s to %s', (code, expected) => {
    expect(statementError({ code, message: 'x' }, { secrets, timeoutMs: 1000 }).code).toBe(expected);
  });

  it('never echoes credentials, URLs or hosts', () => {
    const raw = `failed at https://acme.privatelink.internal/session?x=1 reading s3://corp-stage-bucket/unload/ with hunter2-pass and ${secrets[0]} from 10.0.0.12:443 via acme-prod.snowflakecomputing.com`;
    const out = scrub(raw, secrets);
    for (const bad of ['hunter2-pass', 'corp-stage-bucket', 'PRIVATE KEY', 'privatelink.internal', '10.0.0.12', 'snowflakecomputing', 'https://']) expect(out).not.toContain(bad);
    expect(statementError({ code: '100038', message: raw }, { secrets, timeoutMs: 1 }).message).not.toContain('hunter2-pass');
  });

  it('distinguishes a refused login from an unreachable Snowflake, with fixed messages', () => {
    const refused = loginError({ name: 'OperationFailedError', code: '390144', message: 'JWT token is invalid. acme.privatelink.internal' });
    expect(refused.code).toBe('ERR_WAREHOUSE_LOGIN');
    expect(refused.message).not.toContain('acme');
    const down = loginError({ name: 'NetworkError', code: 401001, message: 'connect ECONNREFUSED 10.0.0.12:443' });
    expect(down.code).toBe('ERR_WAREHOUSE_UNAVAILABLE');
    expect(down.message).not.toContain('10.0.0.12');
  });

  it('treats an expired or gone session as safe to retry on a fresh login', () => {
    expect(['390111', '390112', '390114', 407002].map((code) => isSessionGone({ code }))).toEqual([true, true, true, true]);
    expect(isSessionGone({ code: '002003' })).toBe(false);
    expect(isSessionGone(null)).toBe(false);
  });
});
