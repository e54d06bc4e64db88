import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ulid } from 'ulid';
import type { AirlockEnv } from '#shared/config/env.js';
import { AirlockError } from '#shared/errors.js';
import type { ApiEvent, ApiResult } from '#shared/http/api-event.js';
import { json } from '#shared/http/api-event.js';
import type { ApiDeps, PublicKeyInfo } from '#shared/http/api-deps.js';
import { API_ROUTES, dispatch, type Route } from '#shared/http/router.js';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { DynamoDbCheckpointStore } from '#shared/adapters/aws/dynamodb-checkpoint-store.js';
import { startCheckpointTimer } from './checkpoint-timer.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { DuckDbWarehouse } from '#shared/adapters/local/duckdb-warehouse.js';
import { snowflakeConfigOf } from '#shared/adapters/snowflake/snowflake-config.js';
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { LocalKeySigner } from '#shared/adapters/local/local-key-signer.js';
import { ConsoleNotifier } from '#shared/adapters/local/console-notifier.js';
import { LocalWorkflow } from '#shared/adapters/local/local-workflow.js';
import { SlackApproverDirectory } from '#shared/adapters/slack/slack-approver-directory.js';
import { SlackNotifier } from '#shared/adapters/slack/slack-notifier.js';
import { NO_APPROVER_DIRECTORY } from '#shared/ports/approver-directory.js';
import type { ApprovalDeps } from '#shared/use-cases/approval-deps.js';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.js';
import { resumeApprovals } from '#shared/use-cases/resume-approvals.js';
import { compose, type Composition } from '#shared/wiring/compose.js';
import { slackClient } from '#shared/wiring/slack-client.js';
import { runApprovalTask } from '#shared/use-cases/run-approval-task.js';
import { JoseTokenVerifier } from '#shared/identity/jose-token-verifier.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { maskingConfigOf } from '#shared/policy/masking-config.js';
import { systemClock } from '#shared/ports/clock.js';
import { DevIssuer, DEV_AUDIENCE, DEV_ISSUER } from './dev-issuer.js';
import { startDynalite } from './dynalite-server.js';
import { startHttpServer } from './http-server.js';
import type { Logger } from './logger.js';
import { cliInvocation, removeRuntimeInfo, readRuntimeInfo, writeRuntimeInfo } from './runtime-file.js';
import { loadOrCreateSecret } from './secret-file.js';
import { seedDemo } from './seed/seed-demo.js';
import { FaultInjector } from './faults.js';

export interface LocalRuntime {
  url: string;
  dataDir: string;
  dynamodbEndpoint: string;
  devIssuer: DevIssuer | null;
  deps: ApiDeps;
  stop(): Promise<void>;
  /** Runs one checkpoint pass now (what the 60 s timer runs), e.g. for tests and before a local export. */
  checkpointNow?(): Promise<void>;
}

/**
 * The embedded default: one process with dynalite (DynamoDB API on loopback, on disk), DuckDB
 * seeded with demo data, a P-256 record key, the dev OIDC issuer, and the HTTP API. The only
 * place that constructs local adapters.
 *
 * @example
 * const rt = await startLocalRuntime({ env: parseEnv(process.env), log });
 * console.log(rt.url); await rt.stop();
 */
export async function startLocalRuntime(opts: { env: AirlockEnv; log: Logger }): Promise<LocalRuntime> {
  const { env, log } = opts;
  const dataDir = resolve(env.AIRLOCK_DATA_DIR);
  mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const running = readRuntimeInfo(dataDir);
  if (running !== null && running.pid !== process.pid) {
    throw new AirlockError('ERR_CONFIG', `another Airlock runtime (pid ${running.pid}) already serves ${dataDir} at ${running.url}; stop it or set AIRLOCK_DATA_DIR`);
  }
  const policy = loadPolicy(env.AIRLOCK_POLICY);
  const maskingKey = Buffer.from(env.AIRLOCK_MASKING_KEY ?? loadOrCreateSecret(join(dataDir, 'keys', 'masking.key')), 'utf8');

  // AIRLOCK_FAULTS (tests and drills): decorators around the real adapters, armed once startup is done.
  const faults = new FaultInjector(env.AIRLOCK_FAULTS, () => process.kill(process.pid, 'SIGKILL'));
  if (faults.active.length > 0) log.warn({ faults: faults.active }, 'AIRLOCK_FAULTS: injecting failures (tests only)');
  const closers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const close of closers.reverse()) await close().catch((e: unknown) => log.warn({ err: String(e) }, 'close failed'));
  };
  try {
    const store = await startDynalite({ dataDir });
    closers.push(() => store.close());
    // SNOWFLAKE_ACCOUNT set: the real warehouse (connected on first use), no demo data; otherwise seeded DuckDB.
    const snowflakeConfig = snowflakeConfigOf(env);
    let warehouse: Warehouse;
    if (snowflakeConfig !== null) {
      warehouse = new SnowflakeWarehouse(snowflakeConfig);
    } else {
      const warehousePath = join(dataDir, 'demo.duckdb');
      await seedDemo(warehousePath);
      warehouse = await DuckDbWarehouse.open({ path: warehousePath });
    }
    closers.push(() => warehouse.close());
    const signer = await LocalKeySigner.open(join(dataDir, 'keys', 'records.pem'));
    // Export manifests are signed with a second key, never the record key.
    const exportSigner = await LocalKeySigner.open(join(dataDir, 'keys', 'exports.pem'));
    const devIssuer = env.OIDC_ISSUER === undefined ? await DevIssuer.open(dataDir) : null;

    let ready = false;
    let url = '';
    const verifier = new JoseTokenVerifier(
      devIssuer === null
        ? { issuer: env.OIDC_ISSUER as string, audience: env.OIDC_AUDIENCE as string, jwks: new URL(env.OIDC_JWKS_URL as string), groupsClaim: env.OIDC_GROUPS_CLAIM }
        : // The dev issuer's keys go through the same jose path as a corporate IdP's, from its JWKS URL.
          { issuer: DEV_ISSUER, audience: DEV_AUDIENCE, jwks: () => new URL(`${url}/.well-known/jwks.json`), groupsClaim: env.OIDC_GROUPS_CLAIM },
    );

    const keys = async (): Promise<PublicKeyInfo[]> => [
      { keyId: await signer.keyId(), alg: 'ECDSA_SHA_256', pem: await signer.publicKeyPem(), use: 'records' },
      { keyId: await exportSigner.keyId(), alg: 'ECDSA_SHA_256', pem: await exportSigner.publicKeyPem(), use: 'exports' },
    ];
    // Approvals: the shared state machine run in-process; Slack when SLACK_BOT_TOKEN is set, else the console.
    const slack = env.SLACK_BOT_TOKEN === undefined ? null : slackClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL);
    if (slack !== null && env.SLACK_CHANNEL === undefined) throw new AirlockError('ERR_CONFIG', 'SLACK_CHANNEL: required when SLACK_BOT_TOKEN is set (the channel id approval requests go to)');
    // The workflow's tasks run the approval use cases with the composed deps (assigned just below).
    let composed: Composition | undefined;
    const approvalDeps = (): ApprovalDeps => {
      if (composed === undefined) throw new AirlockError('ERR_NOT_READY', 'the approval workflow ran before the runtime was composed');
      return composed.approval;
    };
    const workflow = new LocalWorkflow(
      { notify: (p) => runApprovalTask(approvalDeps(), 'notify', p), execute: (p) => runApprovalTask(approvalDeps(), 'execute', p), recordOutcome: (p) => runApprovalTask(approvalDeps(), 'record-outcome', p) },
      { onError: (requestId, e) => log.error({ requestId, err: String(e) }, 'approval workflow failed'), retryIntervalOverrides: faults.notifyRetryIntervals() },
    );
    closers.push(() => workflow.stop());

    // Every local adapter, constructed once here; `compose` assembles each use case's deps from them.
    const records = new DynamoDbRecordStore(store.client);
    composed = compose({
      records: faults.records(records),
      requests: faults.requests(new DynamoDbRequestStore(store.client)),
      signer: faults.signer(signer),
      warehouse: faults.warehouse(warehouse),
      workflow,
      notifier: faults.notifier(slack === null ? new ConsoleNotifier((text) => log.isLevelEnabled('info') && process.stderr.write(`${text}\n`), cliInvocation(dataDir, process.cwd())) : new SlackNotifier(slack, env.SLACK_CHANNEL as string)),
      directory: slack === null ? NO_APPROVER_DIRECTORY : new SlackApproverDirectory(slack, systemClock),
      clock: systemClock,
      policy,
      masking: maskingConfigOf(policy, maskingKey),
      newId: ulid,
      verifier,
      notReady: () => (ready ? [] : ['runtime']),
      keys,
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
      // Checkpoints read heads and sign without the fault switches: a drill breaks the request path, not the evidence timer.
      checkpoints: { store: new DynamoDbCheckpointStore(store.client), records, signer },
      slackSigningSecret: env.SLACK_SIGNING_SECRET ?? loadOrCreateSecret(join(dataDir, 'keys', 'slack-signing-secret')),
    });
    const deps = composed.api;

    const routes: Route[] = [...API_ROUTES];
    if (devIssuer !== null) {
      routes.push({ method: 'GET', path: '/.well-known/jwks.json', handler: async () => json(200, devIssuer.jwks(), { 'cache-control': 'max-age=60' }) });
    }
    const http = await startHttpServer({
      host: env.AIRLOCK_HOST,
      port: env.AIRLOCK_PORT,
      handle: (event: ApiEvent): Promise<ApiResult> => dispatch(deps, event, routes),
      onError: (e) => log.error({ err: String(e) }, 'unhandled server error'),
    });
    closers.push(() => http.close());
    url = http.url;

    // A request still `running` after a restart crashed between execution and its outcome record:
    // no execution outlives this process, so every one is interrupted.
    await recoverInterrupted(composed.recovery, 'all');

    // Workflows lived in memory: reconcile votes from the chains, expire what timed out, resume the rest.
    const resumed = await resumeApprovals(composed.approval);
    if (resumed.resumed.length + resumed.expired.length + resumed.reconciledVotes > 0) log.info(resumed, 'approvals resumed after a restart');

    // Checkpoints: sign changed session heads every minute, so a cut chain end is detectable.
    const checkpointTimer = startCheckpointTimer(composed.checkpoints as NonNullable<Composition['checkpoints']>, {
      intervalMs: 60_000,
      onError: (e) => log.error({ err: String(e) }, 'checkpoint pass failed'),
    });
    closers.push(() => checkpointTimer.stop());

    writeRuntimeInfo(dataDir, { pid: process.pid, url, dynamodbEndpoint: store.endpoint, startedAt: new Date().toISOString() });
    closers.push(async () => removeRuntimeInfo(dataDir, process.pid));
    ready = true;
    faults.arm();
    return { url, dataDir, dynamodbEndpoint: store.endpoint, devIssuer, deps, stop: stopAll, checkpointNow: () => checkpointTimer.runOnce() };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
