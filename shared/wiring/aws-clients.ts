import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { AWS_SDK_CALLS } from '../adapters/aws/sdk-call-options.js';

/**
 * Where every AWS SDK client of one process goes: one endpoint (an emulator, a VPC endpoint
 * proxy) for all five services, or none (AWS itself), and one region.
 */
export interface AwsClientConfig {
  endpoint?: string;
  region?: string;
}

/**
 * The one retry layer for AWS calls: the SDK's adaptive mode (client-side rate limiting that
 * backs off when throttled), 3 attempts in all. Adapters do not retry on top of it, so the
 * worst case per call is 3 requests and the SDK's capped, jittered backoff (≤ ~1 s in total at
 * the default base delay) — inside every function's timeout and Slack's 3 s interaction budget.
 */
export const AWS_RETRY = { retryMode: 'adaptive', maxAttempts: 3 } as const;

/** The region when neither the caller nor AWS_REGION/AWS_DEFAULT_REGION names one. */
export const DEFAULT_REGION = 'us-east-1';

/**
 * The endpoint and region from the environment: `AWS_ENDPOINT_URL` (the SDK's own name for a
 * global endpoint override) and `AWS_REGION` / `AWS_DEFAULT_REGION`, then `us-east-1`.
 * Explicit values (a CLI's `--endpoint`, `--region`) win.
 *
 * @example
 * const config = awsClientConfig(process.env, { endpoint: flags.endpoint });
 */
export function awsClientConfig(env: Record<string, string | undefined>, explicit: AwsClientConfig = {}): Required<Pick<AwsClientConfig, 'region'>> & AwsClientConfig {
  const endpoint = explicit.endpoint ?? nonEmpty(env['AWS_ENDPOINT_URL']);
  const region = explicit.region ?? nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']) ?? DEFAULT_REGION;
  return endpoint === undefined ? { region } : { endpoint, region };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function options(c: AwsClientConfig) {
  return { ...AWS_RETRY, ...AWS_SDK_CALLS, ...(c.region === undefined ? {} : { region: c.region }), ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }) };
}

/**
 * Builds the SDK clients from one config, so no client can go somewhere the others do not.
 *
 * @example
 * const clients = awsClients(awsClientConfig(process.env));
 * new KmsSigner(clients.kms(), keyArn);
 */
export function awsClients(c: AwsClientConfig) {
  return {
    config: c,
    dynamodb: () => new DynamoDBClient(options(c)),
    kms: () => new KMSClient(options(c)),
    lambda: () => new LambdaClient(options(c)),
    sfn: () => new SFNClient(options(c)),
    secretsManager: () => new SecretsManagerClient(options(c)),
  };
}
