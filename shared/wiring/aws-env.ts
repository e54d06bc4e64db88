import { z } from 'zod';
import { AirlockError } from '../errors.js';

/**
 * The environment variables only the AWS runtime reads — the names the CDK stack sets (with
 * their IAM grants, in `infra/function-access.ts`) and `shared/wiring/aws.ts` reads. The
 * variables both runtimes share (OIDC_*, SLACK_CHANNEL, AIRLOCK_POLICY…) stay in
 * `shared/config/env.ts`.
 */
export const AWS_ENV = {
  recordsTable: 'AIRLOCK_RECORDS_TABLE',
  requestsTable: 'AIRLOCK_REQUESTS_TABLE',
  checkpointsTable: 'AIRLOCK_CHECKPOINTS_TABLE',
  /** The KMS key that signs records (and checkpoints) now. */
  recordsKeyArn: 'AIRLOCK_RECORDS_KEY_ARN',
  /** Comma-separated ARNs of retired record keys, still listed in `GET /v1/keys` for verification. */
  previousRecordsKeyArns: 'AIRLOCK_PREVIOUS_RECORDS_KEY_ARNS',
  /** The export-manifest key; API functions only read its public key. */
  exportsKeyArn: 'AIRLOCK_EXPORTS_KEY_ARN',
  stateMachineArn: 'AIRLOCK_STATE_MACHINE_ARN',
  /** Secrets Manager secret ids (a name, or an ARN): the stack references them, never their values. */
  maskingKeySecret: 'AIRLOCK_MASKING_KEY_SECRET',
  slackSecret: 'AIRLOCK_SLACK_SECRET',
  snowflakeSecret: 'AIRLOCK_SNOWFLAKE_SECRET',
} as const;

export type AwsEnvKey = keyof typeof AWS_ENV;

const arn = z.string().regex(/^arn:aws[a-z-]*:/, 'must be an ARN');
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name');
const secretId = z.string().regex(/^[A-Za-z0-9/_+=.@:-]{1,2048}$/, 'must be a Secrets Manager secret name or ARN');
const arnList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter((x) => x !== ''))
  .pipe(z.array(arn));

const AwsEnvSchema = z.object({
  [AWS_ENV.recordsTable]: tableName.optional(),
  [AWS_ENV.requestsTable]: tableName.optional(),
  [AWS_ENV.checkpointsTable]: tableName.optional(),
  [AWS_ENV.recordsKeyArn]: arn.optional(),
  [AWS_ENV.previousRecordsKeyArns]: arnList.optional(),
  [AWS_ENV.exportsKeyArn]: arn.optional(),
  [AWS_ENV.stateMachineArn]: arn.optional(),
  [AWS_ENV.maskingKeySecret]: secretId.optional(),
  [AWS_ENV.slackSecret]: secretId.optional(),
  [AWS_ENV.snowflakeSecret]: secretId.optional(),
});

export interface AwsEnv {
  recordsTable?: string;
  requestsTable?: string;
  checkpointsTable?: string;
  recordsKeyArn?: string;
  previousRecordsKeyArns?: string[];
  exportsKeyArn?: string;
  stateMachineArn?: string;
  maskingKeySecret?: string;
  slackSecret?: string;
  snowflakeSecret?: string;
}

/**
 * Validates the AWS variables once. Each function gets only the variables (and grants) it
 * needs, so every one is optional here; `requireAwsEnv` names a missing one when it is used.
 *
 * @example
 * const aws = parseAwsEnv(process.env);
 * const table = requireAwsEnv(aws, 'recordsTable');
 */
export function parseAwsEnv(env: Record<string, string | undefined>): AwsEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && v !== '' && k.startsWith('AIRLOCK_')));
  const parsed = AwsEnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AirlockError('ERR_CONFIG', `${issue?.path.join('.') ?? 'environment'}: ${issue?.message ?? 'invalid'}`);
  }
  const out: AwsEnv = {};
  for (const [key, name] of Object.entries(AWS_ENV) as [AwsEnvKey, string][]) {
    const value = (parsed.data as Record<string, unknown>)[name];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** The value of an AWS variable this function needs; a missing one is a deployment error naming it. */
export function requireAwsEnv<K extends Exclude<AwsEnvKey, 'previousRecordsKeyArns'>>(env: AwsEnv, key: K): string {
  const value = env[key];
  if (typeof value !== 'string') throw new AirlockError('ERR_CONFIG', `${AWS_ENV[key]} is not set: this function was deployed without access to it`);
  return value;
}
