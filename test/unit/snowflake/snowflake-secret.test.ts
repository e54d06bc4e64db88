import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecret } from '#shared/adapters/aws/secrets-manager-secret.js';
import { loadSnowflakeConfig } from '#shared/adapters/aws/snowflake-secret.js';

const sm = mockClient(SecretsManagerClient);
// The stub is on the client's prototype, for the whole worker process: put the real send back after this file.
afterAll(() => sm.restore());
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:airlock/snowflake';

afterEach(() => sm.reset());

describe('loadSnowflakeConfig (Secrets Manager)', () => {
  it('fetches the secret once per container and builds a key-pair config', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: JSON.stringify({ SNOWFLAKE_ACCOUNT: 'acme', SNOWFLAKE_USER: 'svc', SNOWFLAKE_PRIVATE_KEY: PEM, SNOWFLAKE_ROLE: 'AIRLOCK' }) });
    const secret = new SecretsManagerSecret(new SecretsManagerClient({ region: 'eu-west-1' }), ARN);
    const [a, b] = await Promise.all([loadSnowflakeConfig(secret), loadSnowflakeConfig(secret)]);
    expect(await loadSnowflakeConfig(secret)).toBe(a);
    expect(b).toBe(a);
    expect(a).toEqual({ account: 'acme', user: 'svc', auth: { kind: 'key-pair', privateKeyPem: PEM }, role: 'AIRLOCK' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('does not cache a failure: the next invocation fetches again', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' })).resolves({
      SecretString: JSON.stringify({ SNOWFLAKE_ACCOUNT: 'acme', SNOWFLAKE_USER: 'svc', SNOWFLAKE_PASSWORD: 'pw' }),
    });
    const secret = new SecretsManagerSecret(new SecretsManagerClient({ region: 'eu-west-1' }), ARN);
    await expect(loadSnowflakeConfig(secret)).rejects.toMatchObject({ code: 'ERR_SECRET_UNAVAILABLE' });
    expect((await loadSnowflakeConfig(secret)).auth).toEqual({ kind: 'password', password: 'pw' });
  });

  it.each([
    [{ SNOWFLAKE_ACCOUNT: 'acme' }, 'ERR_SECRET_INVALID'],
    [{ SNOWFLAKE_ACCOUNT: 'acme', SNOWFLAKE_USER: 'svc' }, 'ERR_CONFIG'],
    [{ SNOWFLAKE_ACCOUNT: 'acme', SNOWFLAKE_USER: 'svc', SNOWFLAKE_PRIVATE_KEY: PEM, SNOWFLAKE_PASSWORD: 'pw' }, 'ERR_CONFIG'],
    [{ SNOWFLAKE_ACCOUNT: 'acme', SNOWFLAKE_USER: 'svc', SNOWFLAKE_PRIVATE_KEY_PATH: '/k' }, 'ERR_SECRET_INVALID'],
  ])('refuses %j without echoing its values', async (value, code) => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(value) });
    const secret = new SecretsManagerSecret(new SecretsManagerClient({ region: 'eu-west-1' }), ARN);
    const e = (await loadSnowflakeConfig(secret).then(
      () => ({ code: 'no error', message: '' }),
      (x: unknown) => x as { code: string; message: string },
    ));
    expect(e.code).toBe(code);
    expect(e.message).not.toContain('MIIE');
    expect(e.message).not.toContain('pw"');
  });
});
