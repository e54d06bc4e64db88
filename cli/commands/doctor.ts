import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SnowflakeConfig } from '#shared/adapters/snowflake/snowflake-config.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { AWS_RETRY, awsClientConfig } from '#shared/wiring/aws-clients.js';
import { findDataDir } from '#local/runtime-file.js';
import { awsChecks } from '../doctor/aws-checks.js';
import { formatCheck, summarize, type DoctorCheck } from '../doctor/doctor-check.js';
import { localChecks } from '../doctor/local-checks.js';
import { parseCommandArgs, UsageError, type Command } from '../io.js';

const USAGE =
  'usage: airlock doctor [--policy FILE]\n' +
  '       airlock doctor --aws [--endpoint URL] [--region R] [--table-prefix P] [--records-key-arn ARN] [--export-key-arn ARN]\n' +
  '                      [--slack-secret NAME] [--snowflake-secret NAME] [--masking-secret NAME] [--jwks-url URL]';

/** Opened only when a check needs Snowflake, so `doctor --aws` without a Snowflake secret never loads the driver. */
async function openWarehouse(config: SnowflakeConfig): Promise<Warehouse> {
  const { SnowflakeWarehouse } = await import('#shared/adapters/snowflake/snowflake-warehouse.js');
  return new SnowflakeWarehouse(config, { loginRetries: 1 });
}

const NAME = /^[A-Za-z0-9/_+=.@:-]{1,2048}$/;

/**
 * `airlock doctor [--aws …]`: checks a local setup or a deployed stack end to end and prints one
 * line per check (`ok`, `WARN`, `FAIL` with what is wrong and how to fix it), then a summary.
 * Exit 0 when nothing failed (warnings included), 1 when a check failed, 2 usage.
 */
export const run: Command = async (argv, io) => {
  const parsed = parseCommandArgs({
    args: argv,
    options: {
      policy: { type: 'string' },
      aws: { type: 'boolean' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      'table-prefix': { type: 'string' },
      'records-key-arn': { type: 'string' },
      'export-key-arn': { type: 'string' },
      'slack-secret': { type: 'string' },
      'snowflake-secret': { type: 'string' },
      'masking-secret': { type: 'string' },
      'jwks-url': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  }, USAGE);
  const v = parsed.values;
  const aws = v.aws === true || v.endpoint !== undefined;
  const awsOnly = ['region', 'table-prefix', 'records-key-arn', 'export-key-arn', 'slack-secret', 'snowflake-secret', 'masking-secret', 'jwks-url'] as const;
  if (!aws) {
    const stray = awsOnly.find((k) => v[k] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} is for a deployed stack: add --aws\n${USAGE}`);
  } else if (v.policy !== undefined) {
    throw new UsageError(`--policy is for the local runtime; the deployed functions carry the policy validated at synth time\n${USAGE}`);
  }

  let checks: DoctorCheck[];
  if (!aws) {
    checks = await localChecks({ env: io.env, dataDir: findDataDir(io.cwd, io.env), ...(v.policy === undefined ? {} : { policyFile: resolve(io.cwd, v.policy) }), openWarehouse });
  } else {
    const prefix = v['table-prefix'] ?? 'airlock';
    if (!/^[a-z][a-z0-9-]{1,30}$/.test(prefix)) throw new UsageError('--table-prefix must be lowercase letters, digits and dashes (the stack\'s airlock:prefix)');
    for (const k of ['records-key-arn', 'export-key-arn', 'slack-secret', 'snowflake-secret', 'masking-secret'] as const) {
      const value = v[k];
      if (value !== undefined && !NAME.test(value)) throw new UsageError(`--${k} must be a name, alias or ARN`);
    }
    if (v.endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(v.endpoint)) throw new UsageError('--endpoint must be an http(s) URL');
    const jwks = v['jwks-url'] ?? (io.env['OIDC_JWKS_URL'] || undefined);
    if (jwks !== undefined && !/^https?:\/\/[^\s]+$/.test(jwks)) throw new UsageError('--jwks-url must be an http(s) URL');
    const config = awsClientConfig(io.env, { ...(v.endpoint === undefined ? {} : { endpoint: v.endpoint }), ...(v.region === undefined ? {} : { region: v.region }) });
    // An emulator on loopback ignores credentials, but the SDK insists on some.
    const loopback = config.endpoint !== undefined && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(config.endpoint);
    const hasCredentials = Boolean(io.env['AWS_ACCESS_KEY_ID'] || io.env['AWS_PROFILE']);
    const options = { ...AWS_RETRY, ...config, ...(loopback && !hasCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}) };
    const dynamodb = new DynamoDBClient(options);
    const kms = new KMSClient(options);
    const secrets = new SecretsManagerClient(options);
    io.stdout.write(`checking the deployed stack${config.endpoint === undefined ? '' : ` at ${config.endpoint}`} in ${config.region}\n`);
    try {
      checks = await awsChecks(
        { dynamodb, kms, secrets, openWarehouse },
        {
          tablePrefix: prefix,
          recordsKey: v['records-key-arn'] ?? `alias/${prefix}-records`,
          exportsKey: v['export-key-arn'] ?? `alias/${prefix}-exports`,
          slackSecret: v['slack-secret'] ?? 'airlock/slack',
          snowflakeSecret: v['snowflake-secret'] ?? 'airlock/snowflake',
          ...(v['masking-secret'] === undefined ? {} : { maskingSecret: v['masking-secret'] }),
          ...(jwks === undefined ? {} : { jwksUrl: jwks }),
          ...(io.env['SLACK_API_URL'] ? { slackApiUrl: io.env['SLACK_API_URL'] } : {}),
        },
      );
    } finally {
      dynamodb.destroy();
      kms.destroy();
      secrets.destroy();
    }
  }
  for (const c of checks) io.stdout.write(`${formatCheck(c)}\n`);
  const { line, code } = summarize(checks);
  io.stdout.write(`${line}\n`);
  return code;
};
