import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { KmsSigner } from '#shared/adapters/aws/kms-signer.js';
import { CertifiedSigner } from '#shared/adapters/certified-signer.js';
import { SfnWorkflow } from '#shared/adapters/aws/sfn-workflow.js';
import { SlackNotifier } from '#shared/adapters/slack/slack-notifier.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { AWS_ENV } from '#shared/wiring/aws-env.js';
import { AwsWiring } from '#shared/wiring/aws.js';
import type { FunctionName } from '../../infra/function-catalog.js';
import { sharedSynth } from './shared-synth.js';

/**
 * The environment each function is deployed with (read from the synthesized template, intrinsics
 * replaced by plausible values) is enough for what its handler builds — so a variable the wiring
 * needs can never be missing from the stack, or named differently.
 */
const secrets = mockClient(SecretsManagerClient);
// The stub is on the client's prototype, for the whole worker process: put the real send back after this file.
afterAll(() => secrets.restore());
let s: ReturnType<typeof sharedSynth>;
let policyFile: string;

function fakeValue(name: string): string {
  if (name.endsWith('_TABLE')) return `airlock-${name.toLowerCase().replace(/_/g, '-')}`;
  if (name.endsWith('_SECRET')) return `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
  return `arn:aws:states:eu-west-1:111122223333:stateMachine:${name}`;
}

function envOf(fn: FunctionName): Record<string, string> {
  const vars = s.json.Resources[s.ids.functions[fn]]!.Properties!['Environment'].Variables as Record<string, unknown>;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) env[k] = typeof v === 'string' ? v : fakeValue(k);
  if (env[AWS_ENV.recordsKeyArn] !== undefined) env[AWS_ENV.recordsKeyArn] = 'arn:aws:kms:eu-west-1:111122223333:key/records';
  if (env[AWS_ENV.exportsKeyArn] !== undefined) env[AWS_ENV.exportsKeyArn] = 'arn:aws:kms:eu-west-1:111122223333:key/exports';
  return { ...env, AIRLOCK_POLICY: policyFile, AWS_REGION: 'eu-west-1' };
}

const warehouse: Warehouse = { name: 'snowflake', execute: async () => { throw new Error('not in this test'); }, close: async () => undefined };

beforeAll(() => {
  s = sharedSynth();
  const dir = mkdtempSync(join(tmpdir(), 'airlock-env-'));
  policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(loadPolicy()));
  secrets.on(GetSecretValueCommand).callsFake((input: { SecretId: string }) => ({
    SecretString: /slack/i.test(input.SecretId) ? JSON.stringify({ botToken: 'xoxb-1-2-3', signingSecret: 'x'.repeat(32) }) : 'm'.repeat(48),
  }));
});

describe('each function\'s deployed environment is enough for its handler', () => {
  it('PostQuery: stores, KMS signer, masking key and the workflow', async () => {
    const d = await new AwsWiring(envOf('PostQuery')).queryApiDeps(warehouse);
    expect(d.records).toBeInstanceOf(DynamoDbRecordStore);
    expect(d.requests).toBeInstanceOf(DynamoDbRequestStore);
    expect(d.signer).toBeInstanceOf(CertifiedSigner);
    expect((d.signer as CertifiedSigner).rootSigner).toBeInstanceOf(KmsSigner);
    expect(d.workflow).toBeInstanceOf(SfnWorkflow);
    expect(d.masking.columns).toBeDefined();
  });

  it.each(['GetQuery', 'GetSession'] as const)('%s: both stores and the verifier, and nothing to sign with', async (fn) => {
    const d = await new AwsWiring(envOf(fn)).readApiDeps();
    expect(d.records).toBeInstanceOf(DynamoDbRecordStore);
    expect(d.requests).toBeInstanceOf(DynamoDbRequestStore);
    expect(d).not.toHaveProperty('signer');
    expect(() => new AwsWiring(envOf(fn)).recordsSigner()).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
  });

  it('Explain: the verifier and the policy, no table', async () => {
    expect(Object.keys(await new AwsWiring(envOf('Explain')).explainDeps()).sort()).toEqual(['log', 'policy', 'verifier']);
  });

  it('Public: the public keys of the records and export keys; no records table, so no key certificates', async () => {
    const w = new AwsWiring(envOf('Public'));
    expect(w.recordsSigner()).toBeInstanceOf(KmsSigner);
    expect(w.exportsPublicKey()).toBeInstanceOf(KmsSigner);
    const d = await w.publicDeps();
    expect(d).not.toHaveProperty('certificates');
    expect(d.sourceMasking).toBeTypeOf('function');
  });

  it('SlackInteractions: stores, signer, and the approvals parts (Slack secret, workflow)', async () => {
    const d = await new AwsWiring(envOf('SlackInteractions')).interactionsDeps();
    expect(d.approvals.deps.signer).toBeInstanceOf(CertifiedSigner);
    expect((d.approvals.deps.signer as CertifiedSigner).rootSigner).toBeInstanceOf(KmsSigner);
    expect(d.approvals?.deps.workflow).toBeInstanceOf(SfnWorkflow);
    expect(d.approvals?.deps.notifier).toBeInstanceOf(SlackNotifier);
    expect(d.approvals?.slackSigningSecret).toBe('x'.repeat(32));
  });

  it('NotifyApprovers and RecordOutcome: stores and the Slack notifier', async () => {
    for (const d of [await new AwsWiring(envOf('NotifyApprovers')).notifyDeps(), await new AwsWiring(envOf('RecordOutcome')).recordOutcomeDeps()]) {
      expect(d.requests).toBeInstanceOf(DynamoDbRequestStore);
      expect(d.notifier).toBeInstanceOf(SlackNotifier);
    }
  });

  it('RecordOutcome signs (approval.expired), NotifyApprovers does not', async () => {
    expect(((await new AwsWiring(envOf('RecordOutcome')).recordOutcomeDeps()).signer as CertifiedSigner).rootSigner).toBeInstanceOf(KmsSigner);
    expect(() => new AwsWiring(envOf('NotifyApprovers')).recordsSigner()).toThrow(expect.objectContaining({ code: 'ERR_CONFIG' }));
  });

  it('ExecuteApprovedQuery: stores, signer and masking key, with a warehouse', async () => {
    const d = await new AwsWiring(envOf('ExecuteApprovedQuery')).executeDeps(warehouse);
    expect(d.records).toBeInstanceOf(DynamoDbRecordStore);
    expect(d.signer).toBeInstanceOf(CertifiedSigner);
    expect((d.signer as CertifiedSigner).rootSigner).toBeInstanceOf(KmsSigner);
    expect(d.warehouse).toBe(warehouse);
    expect(d.masking.columns).toBeDefined();
  });

  it('RecoverInterrupted: the requests table and the policy, nothing else', () => {
    const d = new AwsWiring(envOf('RecoverInterrupted')).recoveryDeps();
    expect(d.requests).toBeInstanceOf(DynamoDbRequestStore);
    expect(d.policy.limits.statementTimeoutSeconds).toBeGreaterThan(0);
  });

  it('WriteCheckpoints: records, checkpoints and the records signer', () => {
    const w = new AwsWiring(envOf('WriteCheckpoints'));
    expect(() => [w.records(), w.checkpoints(), w.recordsSigner()]).not.toThrow();
  });
});
