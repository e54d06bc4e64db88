import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { WebClient } from '@slack/web-api';
import { ulid } from 'ulid';
import { DynamoDbCheckpointStore } from '../adapters/aws/dynamodb-checkpoint-store.js';
import { DynamoDbRecordStore } from '../adapters/aws/dynamodb-record-store.js';
import { DynamoDbRequestStore } from '../adapters/aws/dynamodb-request-store.js';
import { DynamoDbSourceMaskingHealthStore } from '../adapters/aws/dynamodb-source-masking-health-store.js';
import { cachedSourceMaskingHealth } from '../governance/cached-source-masking-health.js';
import type { SourceMaskingHealth } from '../governance/source-masking-health.js';
import { DynamoDbQuotaStore } from '../adapters/aws/dynamodb-quota-store.js';
import { KmsSigner } from '../adapters/aws/kms-signer.js';
import { CertifiedSigner } from '../adapters/certified-signer.js';
import { SfnWorkflow } from '../adapters/aws/sfn-workflow.js';
import { SlackApproverDirectory } from '../adapters/slack/slack-approver-directory.js';
import { SlackNotifier } from '../adapters/slack/slack-notifier.js';
import { SecretsManagerSecret } from '../adapters/aws/secrets-manager-secret.js';
import { loadSlackSecret, type SlackSecret } from '../adapters/aws/slack-secret.js';
import { parseEnv, type AirlockEnv } from '../config/env.js';
import { AirlockError } from '../errors.js';
import type { ApiDeps, PublicKeyInfo } from '../http/api-deps.js';
import { JoseTokenVerifier } from '../identity/jose-token-verifier.js';
import { maskingConfigOf } from '../policy/masking-config.js';
import type { Policy } from '../policy/policy.js';
import { systemClock } from '../ports/clock.js';
import type { Warehouse } from '../ports/warehouse.js';
import { warehouseCatalog } from '../adapters/catalog/information-schema-catalog.js';
import type { Workflow } from '../ports/workflow.js';
import type { Notifier } from '../ports/notifier.js';
import type { ApproverDirectory } from '../ports/approver-directory.js';
import type { MaskingConfig } from '../masking/types.js';
import type { ApprovalDeps } from '../use-cases/approval-deps.js';
import type { RecoverInterruptedDeps } from '../use-cases/recover-interrupted.js';
import type { WriteCheckpointsDeps } from '../use-cases/write-checkpoints.js';
import type { QueryHistorySource } from '../reconcile/query-history.js';
import type { ReconcileDeps } from '../reconcile/reconcile-queries.js';
import { awsClientConfig, awsClients } from './aws-clients.js';
import { parseAwsEnv, requireAwsEnv, type AwsEnv } from './aws-env.js';
import { loadBundledPolicy } from './bundled-policy.js';
import { compose, type Composition, type LogFn } from './compose.js';
import { notDeployed } from './not-deployed.js';
import { slackClient } from './slack-client.js';

export type { LogFn };

/** One JSON line per entry: CloudWatch Logs Insights parses the fields. */
export const lambdaLog: LogFn = (level, msg, fields) => {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
};

/**
 * The AWS wiring: the only place that constructs AWS adapters, from the environment the
 * stack sets (validated once with zod). Everything is built lazily and kept for the life of
 * the Lambda container, so a function pays only for the clients it uses.
 *
 * @example
 * const aws = awsWiring(process.env);
 * const deps = await aws.apiDeps();                 // a function that never runs SQL
 * const deps2 = await aws.apiDeps({ warehouse });   // POST /v1/queries, with Snowflake
 * const deps3 = await aws.apiDeps({ approvals: true }); // POST /slack/interactions
 */
export class AwsWiring {
  readonly env: AirlockEnv;
  readonly aws: AwsEnv;
  readonly #cache = new Map<string, unknown>();
  /** Every SDK client from one endpoint/region config (AWS_ENDPOINT_URL, AWS_REGION). */
  readonly #clients: ReturnType<typeof awsClients>;

  constructor(processEnv: Record<string, string | undefined>) {
    this.env = parseEnv(processEnv);
    this.aws = parseAwsEnv(processEnv);
    this.#clients = awsClients(awsClientConfig(processEnv));
    this.#functionName = processEnv['AIRLOCK_FUNCTION'] || 'gateway';
  }
  readonly #functionName: string;

  #once<T>(key: string, make: () => T): T {
    if (!this.#cache.has(key)) this.#cache.set(key, make());
    return this.#cache.get(key) as T;
  }

  dynamodb(): DynamoDBClient {
    return this.#once('dynamodb', () => this.#clients.dynamodb());
  }
  kms(): KMSClient {
    return this.#once('kms', () => this.#clients.kms());
  }
  sfn(): SFNClient {
    return this.#once('sfn', () => this.#clients.sfn());
  }
  secretsManager(): SecretsManagerClient {
    return this.#once('secrets', () => this.#clients.secretsManager());
  }

  /** The policy validated at synth time and bundled beside the function as JSON (`AIRLOCK_POLICY`). */
  policy(): Policy {
    return this.#once('policy', () => {
      if (this.env.AIRLOCK_POLICY === undefined) throw new AirlockError('ERR_CONFIG', 'AIRLOCK_POLICY must name the bundled policy.json');
      return loadBundledPolicy(this.env.AIRLOCK_POLICY);
    });
  }

  records(): DynamoDbRecordStore {
    return this.#once('records', () => new DynamoDbRecordStore(this.dynamodb(), requireAwsEnv(this.aws, 'recordsTable')));
  }
  requests(): DynamoDbRequestStore {
    return this.#once('requests', () => new DynamoDbRequestStore(this.dynamodb(), requireAwsEnv(this.aws, 'requestsTable')));
  }
  /** The one requests-table item holding the last source-masking check (written by the reconcile, read by `Public`). */
  sourceMaskingHealthStore(): DynamoDbSourceMaskingHealthStore {
    return this.#once('sourceMaskingHealth', () => new DynamoDbSourceMaskingHealthStore(this.dynamodb(), requireAwsEnv(this.aws, 'requestsTable')));
  }
  /**
   * `GET /v1/health`'s `details.sourceMasking` in AWS: the kept item, read at most once a minute per container. The
   * store is built on first read, so a function deployed without the requests table still serves `/v1/keys` (its
   * health says `check_failed`, `ERR_CONFIG`).
   */
  sourceMaskingHealth(): () => Promise<SourceMaskingHealth> {
    return this.#once('sourceMaskingHealthReader', () =>
      cachedSourceMaskingHealth(
        {
          getSourceMaskingHealth: () => this.sourceMaskingHealthStore().getSourceMaskingHealth(),
          putSourceMaskingHealth: (h) => this.sourceMaskingHealthStore().putSourceMaskingHealth(h),
        },
        systemClock,
      ),
    );
  }
  checkpoints(): DynamoDbCheckpointStore {
    return this.#once('checkpoints', () => new DynamoDbCheckpointStore(this.dynamodb(), requireAwsEnv(this.aws, 'checkpointsTable')));
  }

  recordsSigner(): KmsSigner {
    return this.#once('signer', () => new KmsSigner(this.kms(), requireAwsEnv(this.aws, 'recordsKeyArn')));
  }
  /**
   * What signs records: an in-memory key per container, certified hourly by the KMS record key
   * (one KMS `Sign` and one PutItem per hour, not one `Sign` per record). `AIRLOCK_FUNCTION` names
   * the function's role in the certificate (docs/record-format.md 6a); `gateway` by default.
   */
  certifiedRecordsSigner(): CertifiedSigner {
    return this.#once('certifiedSigner', () =>
      new CertifiedSigner({ root: this.recordsSigner(), records: this.records(), clock: systemClock, functionName: this.#functionName }),
    );
  }
  /** Export manifests are signed by the auditor role's own credentials, never by a function; functions read only its public key. */
  exportsPublicKey(): KmsSigner {
    return this.#once('exportsKey', () => new KmsSigner(this.kms(), requireAwsEnv(this.aws, 'exportsKeyArn')));
  }

  secret(key: 'maskingKeySecret' | 'slackSecret' | 'snowflakeSecret'): SecretsManagerSecret {
    return this.#once(`secret:${key}`, () => new SecretsManagerSecret(this.secretsManager(), requireAwsEnv(this.aws, key)));
  }

  /** The container's warehouse, built once by `make` (the Snowflake module stays out of other bundles). */
  warehouseOnce(make: () => Promise<Warehouse>): Promise<Warehouse> {
    return this.#onceAsync('warehouse', make);
  }

  workflow(): SfnWorkflow {
    return this.#once('workflow', () => new SfnWorkflow(this.sfn(), requireAwsEnv(this.aws, 'stateMachineArn')));
  }

  slackSecret(): Promise<SlackSecret> {
    return loadSlackSecret(this.secret('slackSecret'));
  }

  async maskingKey(): Promise<Buffer> {
    const text = await this.secret('maskingKeySecret').text();
    if (text.length < 16) throw new AirlockError('ERR_SECRET_INVALID', 'the masking key secret must be at least 16 characters');
    return Buffer.from(text, 'utf8');
  }

  verifier(): JoseTokenVerifier {
    return this.#once('verifier', () => {
      const { OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience, OIDC_JWKS_URL: jwks, OIDC_GROUPS_CLAIM: groupsClaim } = this.env;
      // There is no dev issuer in AWS: a deployment without an IdP must not accept any token.
      if (issuer === undefined || audience === undefined || jwks === undefined) {
        throw new AirlockError('ERR_CONFIG', 'OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL must be set in AWS');
      }
      return new JoseTokenVerifier({ issuer, audience, jwks: new URL(jwks), groupsClaim });
    });
  }

  /** Every key that ever signed: the current and retired record keys, and the export key. */
  async keys(): Promise<PublicKeyInfo[]> {
    const entries: Array<{ signer: KmsSigner; use: PublicKeyInfo['use'] }> = [{ signer: this.recordsSigner(), use: 'records' }];
    for (const arn of this.aws.previousRecordsKeyArns ?? []) {
      entries.push({ signer: this.#once(`previous:${arn}`, () => new KmsSigner(this.kms(), arn)), use: 'records' });
    }
    if (this.aws.exportsKeyArn !== undefined) entries.push({ signer: this.exportsPublicKey(), use: 'exports' });
    return Promise.all(
      entries.map(async ({ signer, use }) => ({ keyId: await signer.keyId(), alg: 'ECDSA_SHA_256' as const, pem: await signer.publicKeyPem(), use, kmsKeyArn: signer.keyArn })),
    );
  }

  /**
   * The HTTP handlers' dependencies. Each function is deployed with only the variables and
   * grants it needs; a part it was not given is `notDeployed`, which fails closed if a handler
   * ever uses it. Only functions that execute queries pass a warehouse, so snowflake-sdk stays
   * out of the other bundles; only the Slack interactions function asks for `approvals`.
   * Kept per combination of parts: a call with other parts gets its own deps, never another's.
   */
  async apiDeps(parts: { warehouse?: Warehouse; approvals?: boolean } = {}): Promise<ApiDeps> {
    const approvals = parts.approvals === true;
    return (await this.#composed(parts.warehouse, approvals, approvals)).api;
  }

  /**
   * Slack's Web API client, with the bot token from the Slack secret (the shared timeout and
   * retries of `slackClient`): a Lambda task that cannot reach Slack fails and is retried by the state machine.
   */
  slackClient(): Promise<WebClient> {
    return this.#onceAsync('slack', async () => slackClient((await this.slackSecret()).botToken, this.env.SLACK_API_URL));
  }

  slackChannel(): string {
    if (this.env.SLACK_CHANNEL === undefined) throw new AirlockError('ERR_CONFIG', 'SLACK_CHANNEL is not set');
    return this.env.SLACK_CHANNEL;
  }

  /**
   * The approval workflow tasks' dependencies (notify, execute, record outcome): the query
   * path's, plus Slack. Only the execute task passes a warehouse; it has no Slack secret
   * (record-outcome updates the message), so its notifier is `notDeployed`.
   */
  async approvalDeps(warehouse?: Warehouse): Promise<ApprovalDeps> {
    return (await this.#composed(warehouse, this.aws.slackSecret !== undefined, false)).approval;
  }

  /** What the scheduled recovery needs: the requests table, the clock and the policy's statement timeout. */
  recoveryDeps(): RecoverInterruptedDeps {
    return { requests: this.requests(), ...(this.aws.recordsTable === undefined ? {} : { records: this.records() }), clock: systemClock, policy: this.policy(), log: lambdaLog };
  }

  /**
   * What the scheduled reconcile needs: the records (read, append `query.reconciled` and the
   * `system/reconcile` findings, signed by the certified key of `AIRLOCK_FUNCTION=reconcile`), the
   * requests table (settle outcome-unknown items) and Snowflake's history of the service user.
   */
  reconcileDeps(history: QueryHistorySource): ReconcileDeps & { requests: DynamoDbRequestStore } {
    return { records: this.records(), requests: this.requests(), signer: this.certifiedRecordsSigner(), clock: systemClock, history };
  }

  /** What the checkpoint writer needs: records, checkpoints and the records signer. */
  checkpointDeps(): WriteCheckpointsDeps {
    return { records: this.records(), checkpoints: this.checkpoints(), signer: this.recordsSigner(), clock: systemClock };
  }

  /**
   * The container's adapters, constructed here and nowhere else, handed to `compose`. One
   * composition per (warehouse, Slack, approvals route) combination: the cache key names all three.
   */
  #composed(warehouse: Warehouse | undefined, slack: boolean, approvals: boolean): Promise<Composition> {
    const key = `composed:${warehouse === undefined ? '-' : this.#warehouseKey(warehouse)}:${slack}:${approvals}`;
    return this.#onceAsync(key, async (): Promise<Composition> => {
      const { aws } = this;
      const policy = this.policy();
      const client = slack ? await this.slackClient() : undefined;
      const slackSecret = approvals ? await this.slackSecret() : undefined;
      const workflow = aws.stateMachineArn === undefined ? notDeployed<Workflow>('ERR_CONFIG', 'the approval state machine') : this.workflow();
      return compose({
        records: aws.recordsTable === undefined ? notDeployed<DynamoDbRecordStore>('ERR_CONFIG', 'the records table') : this.records(),
        requests: aws.requestsTable === undefined ? notDeployed<DynamoDbRequestStore>('ERR_CONFIG', 'the requests table') : this.requests(),
        signer: aws.recordsKeyArn === undefined || aws.recordsTable === undefined ? notDeployed<KmsSigner>('ERR_SIGNER_UNAVAILABLE', 'the record signing key') : this.certifiedRecordsSigner(),
        warehouse: warehouse ?? notDeployed<Warehouse>('ERR_CONFIG', 'a warehouse'),
        // Which tables hold sensitive columns: the warehouse's information_schema.columns, cached per container.
        ...(warehouse === undefined ? {} : { catalog: warehouseCatalog(warehouse, systemClock) }),
        masking: aws.maskingKeySecret === undefined ? notDeployed<MaskingConfig>('ERR_CONFIG', 'the masking key') : maskingConfigOf(policy, await this.maskingKey()),
        // Only the query API may start workflows, and only the interactions function resume them (the grants say so).
        workflow,
        notifier: client === undefined ? notDeployed<Notifier>('ERR_CONFIG', 'the Slack secret') : this.#once('notifier', () => new SlackNotifier(client, this.slackChannel())),
        directory: client === undefined ? notDeployed<ApproverDirectory>('ERR_CONFIG', 'the Slack secret') : this.#once('directory', () => new SlackApproverDirectory(client, systemClock)),
        clock: systemClock,
        policy,
        newId: ulid,
        verifier: this.verifier(),
        notReady: () => [],
        keys: () => this.keys(),
        log: lambdaLog,
        // Fair use (issue 15): per-identity quotas as conditional counters and leases in the requests table.
        ...(aws.requestsTable === undefined ? {} : { quotas: this.#once('quotas', () => new DynamoDbQuotaStore(this.dynamodb(), requireAwsEnv(this.aws, 'requestsTable'))) }),
        ...(slackSecret === undefined ? {} : { slackSigningSecret: slackSecret.signingSecret }),
      });
    });
  }

  readonly #warehouseIds = new WeakMap<Warehouse, number>();
  #warehouseKey(warehouse: Warehouse): number {
    let id = this.#warehouseIds.get(warehouse);
    if (id === undefined) {
      id = ++this.#nextWarehouseId;
      this.#warehouseIds.set(warehouse, id);
    }
    return id;
  }
  #nextWarehouseId = 0;

  /** Like `#once` for promises, but a rejection is forgotten so the next invocation tries again. */
  #onceAsync<T>(key: string, make: () => Promise<T>): Promise<T> {
    return this.#once(key, () =>
      make().catch((e: unknown) => {
        this.#cache.delete(key);
        throw e;
      }),
    );
  }
}

let shared: AwsWiring | undefined;

/** The container's wiring, built on first use (a bad environment fails the first invocation, naming the variable). */
export function awsWiring(processEnv: Record<string, string | undefined>): AwsWiring {
  shared ??= new AwsWiring(processEnv);
  return shared;
}
