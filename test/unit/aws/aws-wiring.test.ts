import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackNotifier } from '#shared/adapters/slack/slack-notifier.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { AWS_ENV } from '#shared/wiring/aws-env.js';
import { AwsWiring } from '#shared/wiring/aws.js';

const secrets = mockClient(SecretsManagerClient);
// The stub is on the client's prototype, for the whole worker process: put the real send back after this file.
afterAll(() => secrets.restore());
let env: Record<string, string>;
const warehouse = (name: string): Warehouse => ({ name: 'snowflake', execute: async () => { throw new Error(name); }, close: async () => undefined });

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-wiring-'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(loadPolicy()));
  env = {
    AIRLOCK_POLICY: join(dir, 'policy.json'),
    OIDC_ISSUER: 'https://idp.example.com',
    OIDC_AUDIENCE: 'airlock',
    OIDC_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
    SLACK_CHANNEL: 'C0APPROVALS',
    AWS_REGION: 'eu-west-1',
    [AWS_ENV.recordsTable]: 'airlock-records',
    [AWS_ENV.requestsTable]: 'airlock-requests',
    [AWS_ENV.recordsKeyArn]: 'arn:aws:kms:eu-west-1:111122223333:key/records',
    [AWS_ENV.stateMachineArn]: 'arn:aws:states:eu-west-1:111122223333:stateMachine:approval',
    [AWS_ENV.slackSecret]: 'airlock/slack',
  };
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ botToken: 'xoxb-1-2-3', signingSecret: 's'.repeat(32) }) });
});

describe('AwsWiring.apiDeps: one composition per combination of parts', () => {
  it('a call with a warehouse after one without gets the warehouse (not the first call\'s notDeployed one)', async () => {
    const w = new AwsWiring(env);
    const plain = await w.apiDeps();
    const wh = warehouse('one');
    const withWarehouse = await w.apiDeps({ warehouse: wh });
    expect(withWarehouse.warehouse).toBe(wh);
    expect(() => plain.warehouse.name).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
    // Same parts: the same deps, kept for the container's life.
    expect(await w.apiDeps({ warehouse: wh })).toBe(withWarehouse);
    expect(await w.apiDeps()).toBe(plain);
  });

  it('another warehouse gets its own deps', async () => {
    const w = new AwsWiring(env);
    const a = warehouse('a');
    const b = warehouse('b');
    expect((await w.apiDeps({ warehouse: a })).warehouse).toBe(a);
    expect((await w.apiDeps({ warehouse: b })).warehouse).toBe(b);
  });

  it('approvals are served only where asked for, whatever was asked first', async () => {
    const w = new AwsWiring(env);
    expect((await w.apiDeps()).approvals).toBeUndefined();
    const slack = await w.apiDeps({ approvals: true });
    expect(slack.approvals?.slackSigningSecret).toBe('s'.repeat(32));
    expect(slack.approvals?.deps.notifier).toBeInstanceOf(SlackNotifier);
    // The vote handler and the use cases share one ApprovalDeps: its records are the API's records.
    expect(slack.approvals?.deps.records).toBe(slack.records);
    expect((await w.apiDeps()).approvals).toBeUndefined();
  });

  it('approvalDeps after apiDeps: the workflow tasks get Slack, the API deps stay as they were', async () => {
    const w = new AwsWiring(env);
    const api = await w.apiDeps();
    const tasks = await w.approvalDeps();
    expect(tasks.notifier).toBeInstanceOf(SlackNotifier);
    expect(tasks.records).toBe(api.records);
  });
});
