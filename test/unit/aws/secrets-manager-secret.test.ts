import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecret } from '#shared/adapters/aws/secrets-manager-secret.js';
import { loadSlackSecret } from '#shared/adapters/aws/slack-secret.js';

const sm = mockClient(SecretsManagerClient);
// The stub is on the client's prototype, for the whole worker process: put the real send back after this file.
afterAll(() => sm.restore());
const SLACK = { botToken: 'xoxb-1-2-abc', signingSecret: '8f742231b10e8888abcd99yyyzzz85a5' };
const newSecret = () => new SecretsManagerSecret(new SecretsManagerClient({ region: 'eu-west-1' }), 'airlock/slack');

function awsError(name: string): Error {
  const e = new Error(name);
  e.name = name;
  return e;
}

beforeEach(() => sm.reset());

describe('SecretsManagerSecret', () => {
  it('asks for the secret by id once per container', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(SLACK) });
    const secret = newSecret();
    await Promise.all([secret.text(), secret.text()]);
    await secret.text();
    expect(sm.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input)).toEqual([{ SecretId: 'airlock/slack' }]);
  });

  it('fails closed with ERR_SECRET_UNAVAILABLE on AccessDenied, names the secret not a value, and retries next time', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(awsError('AccessDeniedException')).resolves({ SecretString: 'value' });
    const secret = newSecret();
    const err = await secret.text().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SECRET_UNAVAILABLE', details: { awsError: 'AccessDeniedException' } });
    expect((err as Error).message).toContain('airlock/slack');
    expect(await secret.text()).toBe('value');
  });

  it.each([
    [{}, 'ERR_SECRET_INVALID'],
    [{ SecretString: '' }, 'ERR_SECRET_INVALID'],
  ])('refuses a secret without a string value: %o', async (answer, code) => {
    sm.on(GetSecretValueCommand).resolves(answer);
    await expect(newSecret().text()).rejects.toMatchObject({ code });
  });
});

describe('loadSlackSecret', () => {
  it('returns the validated { botToken, signingSecret }', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(SLACK) });
    expect(await loadSlackSecret(newSecret())).toEqual(SLACK);
  });

  it.each([
    ['not json', 'is not JSON'],
    [JSON.stringify({ signingSecret: SLACK.signingSecret }), 'botToken'],
    [JSON.stringify({ botToken: 'token-without-prefix', signingSecret: SLACK.signingSecret }), 'botToken'],
    [JSON.stringify({ botToken: SLACK.botToken, signingSecret: 'short' }), 'signingSecret'],
  ])('refuses %s, naming the field and never echoing a value', async (text, field) => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: text });
    const err = (await loadSlackSecret(newSecret()).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('ERR_SECRET_INVALID');
    expect(err.message).toContain(field);
    expect(err.message).not.toContain('token-without-prefix');
    expect(err.message).not.toContain(SLACK.signingSecret);
  });
});
