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
    [AWS_ENV.maskingKeySecret]: 'airlock/masking',
  };
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ botToken: 'xoxb-1-2-3', signingSecret: 's'.repeat(32) }) });
});

describe('AwsWiring: each function gets only its own parts, kept per container', () => {
  it('POST /v1/queries gets the warehouse it was given; the read functions get no warehouse, signer or masking at all', async () => {
    const w = new AwsWiring(env);
    const read = await w.readApiDeps();
    const wh = warehouse('one');
    const query = await w.queryApiDeps(wh);
    expect(query.warehouse).toBe(wh);
    expect(query.records).toBe(read.records);
    for (const part of ['warehouse', 'signer', 'masking', 'workflow', 'notifier', 'directory']) expect(read).not.toHaveProperty(part);
    // Same parts: the same deps, kept for the container's life.
    expect(await w.queryApiDeps(wh)).toBe(query);
    expect(await w.readApiDeps()).toBe(read);
  });

  it('another warehouse gets its own deps', async () => {
    const w = new AwsWiring(env);
    const a = warehouse('a');
    const b = warehouse('b');
    expect((await w.queryApiDeps(a)).warehouse).toBe(a);
    expect((await w.queryApiDeps(b)).warehouse).toBe(b);
    expect((await w.executeDeps(b)).warehouse).toBe(b);
  });

  it('approvals are served only by the interactions deps, whatever was asked first', async () => {
    const w = new AwsWiring(env);
    expect(await w.readApiDeps()).not.toHaveProperty('approvals');
    const slack = await w.interactionsDeps();
    expect(slack.approvals.slackSigningSecret).toBe('s'.repeat(32));
    expect(slack.approvals.deps.notifier).toBeInstanceOf(SlackNotifier);
    // The vote reads the same records as the other routes of the container; it has no warehouse nor masking key.
    expect(slack.approvals.deps.records).toBe((await w.readApiDeps()).records);
    expect(slack.approvals.deps).not.toHaveProperty('warehouse');
    expect(slack.approvals.deps).not.toHaveProperty('masking');
    expect(await w.readApiDeps()).not.toHaveProperty('approvals');
  });

  it('the approval tasks: Slack for notify and record-outcome, nothing of Slack for execute', async () => {
    const w = new AwsWiring(env);
    const read = await w.readApiDeps();
    const notify = await w.notifyDeps();
    expect(notify.notifier).toBeInstanceOf(SlackNotifier);
    expect(notify.records).toBe(read.records);
    expect(notify).not.toHaveProperty('signer');
    const outcome = await w.recordOutcomeDeps();
    expect(outcome.notifier).toBe(notify.notifier);
    expect(outcome).not.toHaveProperty('warehouse');
    const execute = await w.executeDeps(warehouse('x'));
    expect(execute).not.toHaveProperty('notifier');
    expect(execute).not.toHaveProperty('workflow');
  });

  it('a part the function was deployed without fails its deps with ERR_CONFIG naming the variable, not a later call', async () => {
    const { [AWS_ENV.requestsTable]: _requests, ...without } = env;
    await expect(new AwsWiring(without).readApiDeps()).rejects.toMatchObject({ code: 'ERR_CONFIG', message: expect.stringContaining(AWS_ENV.requestsTable) });
    // Explain reads no table: it is built all the same.
    expect(await new AwsWiring(without).explainDeps()).toEqual({ verifier: expect.anything(), policy: expect.anything(), log: expect.any(Function) });
  });
});
