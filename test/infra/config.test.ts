import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import { readConfig } from '../../infra/config.js';
import { CDK_JSON_CONTEXT, fakeBundler } from './synth-stack.js';

const ctx = (over: Record<string, unknown> = {}) => {
  const all: Record<string, unknown> = { ...CDK_JSON_CONTEXT, ...over };
  return (key: string) => all[key];
};

describe('readConfig (CDK context)', () => {
  it('reads cdk.json defaults and derives the JWKS URL from the issuer', () => {
    const c = readConfig(ctx({ 'airlock:oidcIssuer': 'https://login.acme.test/' }));
    expect(c.oidcJwksUrl).toBe('https://login.acme.test/.well-known/jwks.json');
    expect(c.previousRecordsKeyArns).toEqual([]);
    expect(c.recordsKeyVersion).toBe(1);
  });

  it.each([
    ['airlock:oidcIssuer', 'not a url'],
    ['airlock:prefix', 'Bad Prefix'],
    ['airlock:previousRecordsKeyArns', 'arn:aws:s3:::bucket'],
    ['airlock:recordsKeyVersion', 0],
  ])('names the context key %s when its value is invalid', (key, value) => {
    expect(() => readConfig(ctx({ [key]: value }))).toThrow(key);
  });
});

describe('buildApp', () => {
  it('reads and validates the policy file at synth time: a bad policy stops the synth with its line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'rules:\n  write: { approval: 0 }\n');
    const err = await buildApp({ bundle: fakeBundler, context: { ...CDK_JSON_CONTEXT, 'airlock:policyFile': file } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_POLICY_INVALID' });
    expect((err as Error).message).toContain(`${file}:2`);
  });

  it('sizes the state machine from the policy approval timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-policy-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'approval:\n  timeoutSeconds: 600\n');
    const { stack } = await buildApp({ bundle: fakeBundler, context: { ...CDK_JSON_CONTEXT, 'airlock:policyFile': file } });
    const sm = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, string> }>).find(
      (r) => r.Type === 'AWS::StepFunctions::StateMachine',
    )!;
    expect(JSON.parse(sm.Properties['DefinitionString']!).TimeoutSeconds).toBe(600 + 3600);
  });
});
