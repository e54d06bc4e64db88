import { DescribeTableCommand, DescribeTimeToLiveCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { KmsSigner } from '#shared/adapters/aws/kms-signer.js';
import { SecretsManagerSecret } from '#shared/adapters/aws/secrets-manager-secret.js';
import { loadSlackSecret } from '#shared/adapters/aws/slack-secret.js';
import { loadSnowflakeConfig } from '#shared/adapters/aws/snowflake-secret.js';
import { TABLE_SCHEMAS, tableNames, type TableNames, type TableSchema } from '#shared/adapters/aws/tables.js';
import type { SnowflakeConfig } from '#shared/adapters/snowflake/snowflake-config.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { slackClient } from '#shared/wiring/slack-client.js';
import { fail, ok, reason, warn, type DoctorCheck } from './doctor-check.js';
import { jwksCheck } from './jwks-check.js';
import { snowflakeChecks } from './snowflake-checks.js';

/** Where the deployed stack's parts are: the names `airlock doctor --aws` was given or defaulted to. */
export interface AwsTargets {
  tablePrefix: string;
  /** A key ARN, id or alias (default `alias/<prefix>-records`). */
  recordsKey: string;
  exportsKey: string;
  slackSecret: string;
  snowflakeSecret: string;
  /** The generated masking-key secret (its name is CloudFormation's); checked only when given. */
  maskingSecret?: string;
  jwksUrl?: string;
  slackApiUrl?: string;
}

export interface AwsDoctorDeps {
  dynamodb: DynamoDBClient;
  kms: KMSClient;
  secrets: SecretsManagerClient;
  /** A warehouse on the Snowflake secret's settings (snowflake-sdk is loaded only when this is called). */
  openWarehouse: (config: SnowflakeConfig) => Promise<Warehouse>;
}

/** An AWS SDK error in words: its name (AccessDeniedException, ResourceNotFoundException…) and message. */
function awsReason(e: unknown): string {
  if (e instanceof Error && e.name !== 'Error' && e.name !== 'AirlockError') return `${e.name}: ${e.message}`.slice(0, 300);
  return reason(e).slice(0, 300);
}

function fixFor(e: unknown, what: string): string {
  const name = e instanceof Error ? e.name : '';
  if (/AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken/.test(name)) return `run doctor with credentials that may describe ${what} (the deploying role, or AWS_PROFILE of an admin)`;
  if (/NotFound/.test(name)) return `check the name (--table-prefix, --records-key-arn, --export-key-arn, --slack-secret, --snowflake-secret, --region) or deploy the stack (docs/deploy.md §5)`;
  return `check AWS_REGION / --region and --endpoint, then try again`;
}

function keysOf(schema: { KeySchema?: Array<{ AttributeName?: string; KeyType?: string }> }): string {
  return (schema.KeySchema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
}

function expectedKeys(s: Pick<TableSchema, 'partitionKey' | 'sortKey'>): string {
  return [`${s.partitionKey.name}:HASH`, ...(s.sortKey === undefined ? [] : [`${s.sortKey.name}:RANGE`])].join(',');
}

/** What differs between a described table and the schema both runtimes use (`shared/adapters/aws/tables.ts`). */
export function tableMismatches(t: TableDescription, schema: TableSchema): string[] {
  const problems: string[] = [];
  if (keysOf(t) !== expectedKeys(schema)) problems.push(`key schema is ${keysOf(t) || 'none'}, expected ${expectedKeys(schema)}`);
  const types = new Map((t.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
  // Each key attribute once (an index may reuse the table's sort key).
  const keyAttributes = new Map([schema.partitionKey, schema.sortKey, ...schema.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey])].filter((k) => k !== undefined).map((k) => [k.name, k]));
  for (const k of keyAttributes.values()) {
    if (types.has(k.name) && types.get(k.name) !== k.type) problems.push(`attribute ${k.name} is ${types.get(k.name)}, expected ${k.type}`);
  }
  for (const g of schema.globalSecondaryIndexes) {
    const found = (t.GlobalSecondaryIndexes ?? []).find((x) => x.IndexName === g.indexName);
    if (found === undefined) problems.push(`index ${g.indexName} is missing`);
    else {
      if (keysOf(found) !== expectedKeys(g)) problems.push(`index ${g.indexName} keys are ${keysOf(found)}, expected ${expectedKeys(g)}`);
      if (found.Projection?.ProjectionType !== g.projection) problems.push(`index ${g.indexName} projects ${found.Projection?.ProjectionType ?? 'nothing'}, expected ${g.projection}`);
    }
  }
  if (t.TableStatus !== undefined && t.TableStatus !== 'ACTIVE' && t.TableStatus !== 'UPDATING') problems.push(`status ${t.TableStatus}`);
  return problems;
}

async function tableChecks(d: AwsDoctorDeps, names: TableNames): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const kind of Object.keys(TABLE_SCHEMAS) as Array<keyof TableNames>) {
    const name = names[kind];
    const schema = TABLE_SCHEMAS[kind];
    const label = `table ${name}`;
    try {
      const { Table: t } = await d.dynamodb.send(new DescribeTableCommand({ TableName: name }));
      const problems = tableMismatches(t ?? {}, schema);
      if (schema.timeToLiveAttribute !== undefined) {
        const ttl = (await d.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
        const on = ttl?.TimeToLiveStatus === 'ENABLED' || ttl?.TimeToLiveStatus === 'ENABLING';
        if (!on || ttl?.AttributeName !== schema.timeToLiveAttribute) problems.push(`TTL is ${ttl?.TimeToLiveStatus ?? 'off'}${ttl?.AttributeName ? ` on ${ttl.AttributeName}` : ''}, expected ENABLED on ${schema.timeToLiveAttribute}`);
      }
      if (problems.length > 0) out.push(fail(label, problems.join('; '), 'the table was not created by this stack: redeploy it (cdk deploy) or point --table-prefix at the right tables'));
      else out.push(ok(label, `keys ${expectedKeys(schema)}${schema.globalSecondaryIndexes.map((g) => `, index ${g.indexName}`).join('')}${schema.timeToLiveAttribute === undefined ? '' : `, TTL on ${schema.timeToLiveAttribute}`}`));
    } catch (e) {
      out.push(fail(label, awsReason(e), fixFor(e, 'DynamoDB tables')));
    }
  }
  return out;
}

async function keyCheck(d: AwsDoctorDeps, use: 'records' | 'exports', key: string): Promise<DoctorCheck> {
  const label = `KMS ${use} key ${key}`;
  try {
    const m = (await d.kms.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata;
    const spec = m?.KeySpec ?? m?.CustomerMasterKeySpec;
    const problems: string[] = [];
    if (spec !== 'ECC_NIST_P256') problems.push(`key spec is ${spec ?? 'unknown'}, expected ECC_NIST_P256`);
    if (m?.KeyUsage !== 'SIGN_VERIFY') problems.push(`key usage is ${m?.KeyUsage ?? 'unknown'}, expected SIGN_VERIFY`);
    if (m?.KeyState === 'PendingDeletion') {
      return fail(label, `scheduled for deletion${m.DeletionDate ? ` on ${m.DeletionDate.toISOString().slice(0, 10)}` : ''}: records it signed can no longer be checked against KMS once it is gone`, `aws kms cancel-key-deletion --key-id ${m.Arn ?? key} && aws kms enable-key --key-id ${m.Arn ?? key}`);
    }
    if (m?.KeyState !== 'Enabled') problems.push(`state is ${m?.KeyState ?? 'unknown'}, expected Enabled`);
    if (problems.length > 0) return fail(label, problems.join('; '), use === 'records' ? 'the functions cannot sign records: enable the key, or redeploy so the stack creates it' : 'exports cannot be signed: enable the key, or redeploy');
    // GetPublicKey as the functions do: the SPKI must be a P-256 key (KmsSigner checks it).
    const keyId = await new KmsSigner(d.kms, m?.Arn ?? key).keyId();
    return ok(label, `ECC_NIST_P256, SIGN_VERIFY, enabled; key id ${keyId.slice(0, 16)}…`);
  } catch (e) {
    return fail(label, awsReason(e), fixFor(e, 'KMS keys (kms:DescribeKey, kms:GetPublicKey)'));
  }
}

/**
 * `airlock doctor --aws`: a deployed stack, end to end — the three tables with their keys, indexes
 * and TTL; both KMS keys (ECC_NIST_P256, SIGN_VERIFY, enabled); the secrets exist and parse (never
 * printed); Slack's `auth.test` with the bot token; Snowflake login with `SELECT 1` and its cost
 * guards; the OIDC JWKS URL answers with keys. Each check is one `DoctorCheck`, in this order.
 */
export async function awsChecks(d: AwsDoctorDeps, t: AwsTargets): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  out.push(...(await tableChecks(d, tableNames(t.tablePrefix))));
  out.push(await keyCheck(d, 'records', t.recordsKey));
  out.push(await keyCheck(d, 'exports', t.exportsKey));

  // Slack: the secret, then the token against Slack itself.
  try {
    const slack = await loadSlackSecret(new SecretsManagerSecret(d.secrets, t.slackSecret));
    out.push(ok(`secret ${t.slackSecret}`, 'exists and parses (botToken, signingSecret)'));
    try {
      const auth = await slackClient(slack.botToken, t.slackApiUrl).auth.test();
      out.push(ok('Slack auth.test', `the bot token is valid${auth.user ? ` (bot ${auth.user}` : ' ('}${auth.team ? ` in ${auth.team})` : ')'}`));
    } catch (e) {
      const code = (e as { data?: { error?: string } }).data?.error ?? (e as { code?: string }).code ?? reason(e);
      out.push(fail('Slack auth.test', `Slack refused the bot token: ${code}`, `put the app's current Bot User OAuth Token (xoxb-…) in secret ${t.slackSecret} (docs/deploy.md §4)`));
    }
  } catch (e) {
    out.push(fail(`secret ${t.slackSecret}`, reason(e), `aws secretsmanager put-secret-value --secret-id ${t.slackSecret} --secret-string '{"botToken":"xoxb-…","signingSecret":"…"}' (docs/deploy.md §4)`));
    out.push(fail('Slack auth.test', 'not run: no usable Slack secret', 'fix the Slack secret first'));
  }

  // Snowflake: the secret, then a login with its key pair and the warehouse's cost guards.
  let config: SnowflakeConfig | undefined;
  try {
    config = await loadSnowflakeConfig(new SecretsManagerSecret(d.secrets, t.snowflakeSecret));
    out.push(ok(`secret ${t.snowflakeSecret}`, `exists and parses (account, user ${config.user}, ${config.auth.kind === 'key-pair' ? 'key pair' : 'password'})`));
  } catch (e) {
    out.push(fail(`secret ${t.snowflakeSecret}`, reason(e), `put SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and SNOWFLAKE_PRIVATE_KEY in secret ${t.snowflakeSecret} (docs/deploy.md §3)`));
    out.push(fail('Snowflake login', 'not run: no usable Snowflake secret', 'fix the Snowflake secret first'));
  }
  if (config !== undefined) {
    let w: Warehouse | undefined;
    try {
      w = await d.openWarehouse(config);
      out.push(...(await snowflakeChecks(w, { user: config.user, ...(config.warehouse === undefined ? {} : { warehouse: config.warehouse }), ...(config.role === undefined ? {} : { role: config.role }) })));
    } catch (e) {
      out.push(fail('Snowflake login', reason(e), 'check the Snowflake secret'));
    } finally {
      await w?.close().catch(() => undefined);
    }
  }

  if (t.maskingSecret !== undefined) {
    try {
      const text = await new SecretsManagerSecret(d.secrets, t.maskingSecret).text();
      if (text.length < 16) out.push(fail(`secret ${t.maskingSecret}`, 'the masking key is shorter than 16 characters', 'let the stack generate it (MaskingKey), or put at least 16 random characters in it'));
      else out.push(ok(`secret ${t.maskingSecret}`, 'the masking key exists and is long enough'));
    } catch (e) {
      out.push(fail(`secret ${t.maskingSecret}`, reason(e), fixFor(e, 'the masking-key secret')));
    }
  }

  if (t.jwksUrl === undefined) out.push(warn('OIDC JWKS', 'not checked: no JWKS URL given', 'pass --jwks-url (the airlock:oidcJwksUrl context value) or set OIDC_JWKS_URL'));
  else out.push(await jwksCheck(t.jwksUrl));
  return out;
}
