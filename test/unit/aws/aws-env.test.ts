import { describe, expect, it } from 'vitest';
import { AWS_ENV, parseAwsEnv, requireAwsEnv } from '#shared/wiring/aws-env.js';

const KEY = 'arn:aws:kms:eu-west-1:111122223333:key/abc';

describe('parseAwsEnv', () => {
  it('reads the variables the stack sets, by their AWS_ENV names', () => {
    const env = parseAwsEnv({
      [AWS_ENV.recordsTable]: 'airlock-records',
      [AWS_ENV.recordsKeyArn]: KEY,
      [AWS_ENV.previousRecordsKeyArns]: `${KEY}1, ${KEY}2`,
      [AWS_ENV.slackSecret]: 'airlock/slack',
      UNRELATED: 'x',
    });
    expect(env).toEqual({ recordsTable: 'airlock-records', recordsKeyArn: KEY, previousRecordsKeyArns: [`${KEY}1`, `${KEY}2`], slackSecret: 'airlock/slack' });
  });

  it.each([
    [AWS_ENV.recordsKeyArn, 'not-an-arn'],
    [AWS_ENV.stateMachineArn, 'states:foo'],
    [AWS_ENV.recordsTable, 'x'],
    [AWS_ENV.previousRecordsKeyArns, `${KEY},nope`],
  ])('names %s when it is invalid', (name, value) => {
    expect(() => parseAwsEnv({ [name]: value })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringContaining(name) }));
  });

  it('treats empty variables as unset and names a missing one when it is needed', () => {
    const env = parseAwsEnv({ [AWS_ENV.requestsTable]: '' });
    expect(() => requireAwsEnv(env, 'requestsTable')).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringContaining(AWS_ENV.requestsTable) }));
  });
});

describe('loadBundledPolicy', () => {
  it('re-validates the bundled JSON and fails closed on a damaged file', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { loadBundledPolicy } = await import('#shared/wiring/bundled-policy.js');
    const { loadPolicy } = await import('#shared/policy/load-policy.js');
    const dir = mkdtempSync(join(tmpdir(), 'airlock-bundled-'));
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(loadPolicy()));
    expect(loadBundledPolicy(join(dir, 'ok.json'))).toEqual(loadPolicy());
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ rules: { write: { approval: 0 } } }));
    expect(() => loadBundledPolicy(join(dir, 'bad.json'))).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }));
    expect(() => loadBundledPolicy(join(dir, 'missing.json'))).toThrow(expect.objectContaining({ code: 'ERR_POLICY_INVALID' }));
  });
});
