import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { WebClient } from '@slack/web-api';
import { newId } from '../ids.js';
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
import type { ApprovalApiDeps, PublicKeyInfo } from '../http/api-deps.js';
import type { RouteDeps } from '../http/router.js';
import type { RecordVoteDeps } from '../use-cases/record-vote.js';
import type { ApprovalTaskDeps } from '../use-cases/run-approval-task.js';
import { JoseTokenVerifier } from '../identity/jose-token-verifier.js';
import { maskingConfigOf } from '../policy/masking-config.js';
import type { Policy } from '../policy/policy.js';
import { systemClock } from '../ports/clock.js';
import type { Warehouse } from '../ports/warehouse.js';
import { warehouseCatalog } from '../adapters/catalog/information-schema-catalog.js';
import type { RecoverInterruptedDeps } from '../use-cases/recover-interrupted.js';
import type { WriteCheckpointsDeps } from '../use-cases/write-checkpoints.js';
import type { QueryHistorySource } from '../reconcile/query-history.js';
import type { ReconcileAppendDeps } from '../reconcile/reconcile-queries.js';
import { awsClientConfig, awsClients } from './aws-clients.js';
import { parseAwsEnv, requireAwsEnv, type AwsEnv } from './aws-env.js';
import { loadBundledPolicy } from './bundled-policy.js';
import { interactionsDeps, publicDeps, queryDeps, type LogFn, type QueryParts } from './compose.js';
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
 * Each function asks for its own deps (`readApiDeps`, `queryApiDeps`, `notifyDeps`…), which hold only
 * the parts it is deployed with.
 *
 * @example
 * const aws = awsWiring(process.env);
 * const deps = await aws.readApiDeps();               // GET /v1/queries/{id}: the tables, read
 * const deps2 = await aws.queryApiDeps(warehouse);    // POST /v1/queries, with Snowflake
 * const deps3 = await aws.interactionsDeps();         // POST /slack/interactions
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

  /** What the scheduled recovery needs: the requests table, the clock and the policy's statement timeout. */
  recoveryDeps(): RecoverInterruptedDeps {
    return { requests: this.requests(), ...(this.aws.recordsTable === undefined ? {} : { records: this.records() }), clock: systemClock, policy: this.policy(), log: lambdaLog };
  }

  /**
   * What the scheduled reconcile needs: the records (read, append `query.reconciled` and the
   * `system/reconcile` findings, signed by the certified key of `AIRLOCK_FUNCTION=reconcile`), the
   * requests table (settle outcome-unknown items) and Snowflake's history of the service user.
   */
  reconcileDeps(history: QueryHistorySource): ReconcileAppendDeps & { requests: DynamoDbRequestStore } {
    return { records: this.records(), requests: this.requests(), signer: this.certifiedRecordsSigner(), clock: systemClock, history };
  }

  /** What the checkpoint writer needs: records, checkpoints and the records signer. */
  checkpointDeps(): WriteCheckpointsDeps {
    return { records: this.records(), checkpoints: this.checkpoints(), signer: this.recordsSigner(), clock: systemClock };
  }

  // Each function's deps: exactly the parts its routes' handlers (`RouteDeps`) or its task (`ApprovalTaskDeps`)
  // read, each part built from the variable and grant the function is deployed with (infra/function-access.ts).
  // A function given fewer parts than its routes read does not compile; one deployed without a variable its
  // deps need fails the invocation with ERR_CONFIG naming it (`requireAwsEnv`). Each is kept for the container's life.

  /** POST /v1/queries (PostQuery): the query path with Snowflake and the masking key, per-identity quotas, and the workflow it starts. */
  queryApiDeps(warehouse: Warehouse): Promise<RouteDeps<'/v1/queries'>> {
    return this.#onceAsync(`queryApi:${this.#warehouseKey(warehouse)}`, async () => ({
      ...queryDeps({ ...(await this.#statementParts(warehouse)), newId, workflow: this.workflow() }),
      verifier: this.verifier(),
      log: lambdaLog,
      // Fair use (issue 15): per-identity quotas as conditional counters and leases in the requests table.
      quotas: this.#once('quotas', () => new DynamoDbQuotaStore(this.dynamodb(), requireAwsEnv(this.aws, 'requestsTable'))),
    }));
  }

  /** GET /v1/queries/{requestId} (GetQuery) and GET /v1/sessions/{sessionId} (GetSession): both tables, read; nothing to sign with. */
  async readApiDeps(): Promise<RouteDeps<'/v1/queries/{requestId}' | '/v1/sessions/{sessionId}'>> {
    return this.#once('readApi', () => ({ records: this.records(), requests: this.requests(), verifier: this.verifier(), policy: this.policy(), clock: systemClock, log: lambdaLog }));
  }

  /** POST /v1/explain (Explain): the token and the bundled policy, no data access at all. */
  async explainDeps(): Promise<RouteDeps<'/v1/explain'>> {
    return this.#once('explain', () => ({ verifier: this.verifier(), policy: this.policy(), log: lambdaLog }));
  }

  /**
   * GET /v1/keys and GET /v1/health (Public): every key that ever signed (KMS GetPublicKey), the key certificates
   * only where the records table is deployed (Public has none: /v1/keys lists its keys), and the last source-masking check.
   */
  async publicDeps(): Promise<RouteDeps<'/v1/keys' | '/v1/health'>> {
    return this.#once('public', () =>
      publicDeps({
        notReady: () => [],
        keys: () => this.keys(),
        log: lambdaLog,
        ...(this.aws.recordsTable === undefined ? {} : { records: this.records() }),
        sourceMasking: this.sourceMaskingHealth(),
      }),
    );
  }

  /** POST /slack/interactions (SlackInteractions): the vote's parts (stores, signer, Slack, the workflow it resumes) and Slack's signing secret. */
  interactionsDeps(): Promise<RouteDeps<'/slack/interactions'> & { approvals: ApprovalApiDeps }> {
    return this.#onceAsync('interactions', async () => {
      const client = await this.slackClient();
      const secret = await this.slackSecret();
      const vote: RecordVoteDeps = {
        records: this.records(),
        requests: this.requests(),
        signer: this.certifiedRecordsSigner(),
        clock: systemClock,
        policy: this.policy(),
        directory: this.#directory(client),
        // Only the query API may start workflows, and only the interactions function resume them (the grants say so).
        workflow: this.workflow(),
        notifier: this.#notifier(client),
        log: lambdaLog,
      };
      return interactionsDeps(vote, { clock: systemClock, log: lambdaLog, slackSigningSecret: secret.signingSecret });
    });
  }

  /** The notify task (NotifyApprovers): post to Slack and keep the digest; reads records, signs nothing. */
  notifyDeps(): Promise<ApprovalTaskDeps['notify']> {
    return this.#onceAsync('notify', async () => {
      const client = await this.slackClient();
      return { records: this.records(), requests: this.requests(), notifier: this.#notifier(client), clock: systemClock, policy: this.policy(), log: lambdaLog };
    });
  }

  /** The execute task (ExecuteApprovedQuery): the stored, approved SQL on Snowflake, masked and recorded; no Slack (record-outcome updates the message). */
  executeDeps(warehouse: Warehouse): Promise<ApprovalTaskDeps['execute']> {
    return this.#onceAsync(`execute:${this.#warehouseKey(warehouse)}`, async () => ({ ...(await this.#statementParts(warehouse)) }));
  }

  /** The record-outcome task (RecordOutcome): `approval.expired` appended and signed, the Slack message updated; no warehouse. */
  recordOutcomeDeps(): Promise<ApprovalTaskDeps['record-outcome']> {
    return this.#onceAsync('recordOutcome', async () => {
      const client = await this.slackClient();
      return { records: this.records(), requests: this.requests(), signer: this.certifiedRecordsSigner(), clock: systemClock, notifier: this.#notifier(client), log: lambdaLog };
    });
  }

  /** What running a statement reads (PostQuery, ExecuteApprovedQuery): both tables, the certified signer, the warehouse and its catalog, the masking key. */
  async #statementParts(warehouse: Warehouse): Promise<Omit<QueryParts, 'newId' | 'workflow'>> {
    const policy = this.policy();
    return {
      records: this.records(),
      requests: this.requests(),
      signer: this.certifiedRecordsSigner(),
      warehouse,
      // Which tables hold sensitive columns: the warehouse's information_schema.columns, cached per container.
      catalog: warehouseCatalog(warehouse, systemClock),
      masking: maskingConfigOf(policy, await this.maskingKey()),
      clock: systemClock,
      policy,
    };
  }

  #notifier(client: WebClient): SlackNotifier {
    return this.#once('notifier', () => new SlackNotifier(client, this.slackChannel()));
  }
  #directory(client: WebClient): SlackApproverDirectory {
    return this.#once('directory', () => new SlackApproverDirectory(client, systemClock));
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
