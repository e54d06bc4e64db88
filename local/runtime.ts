import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newId } from '#shared/ids.js';
import type { AirlockEnv } from '#shared/config/env.js';
import { AirlockError } from '#shared/errors.js';
import type { ApiEvent, ApiResult } from '#shared/http/api-event.js';
import { json } from '#shared/http/api-event.js';
import type { ApiDeps, PublicKeyInfo } from '#shared/http/api-deps.js';
import { API_ROUTES, dispatch, type Route } from '#shared/http/router.js';
import { pacedReads } from '#shared/http/paced-reads.js';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { DynamoDbCheckpointStore } from '#shared/adapters/aws/dynamodb-checkpoint-store.js';
import { startCheckpointTimer } from './checkpoint-timer.js';
import { SOURCE_MASKING_CHECK_INTERVAL_MS, startSourceMaskingTimer, type SourceMaskingTimer } from './source-masking-timer.js';
import { SOURCE_MASKING_NOT_APPLICABLE, SOURCE_MASKING_UNCHECKED } from '#shared/governance/source-masking-health.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { snowflakeConfigOf } from '#shared/adapters/snowflake/snowflake-config.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { warehouseCatalog } from '#shared/adapters/catalog/information-schema-catalog.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { ConsoleNotifier } from '#shared/adapters/console/console-notifier.js';
import { LocalWorkflow } from '#shared/adapters/local-stepfunctions/local-workflow.js';
import { CertifiedSigner } from '#shared/adapters/certified-signer.js';
import { settleBackgroundWrites } from '#shared/use-cases/background-writes.js';
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
import { lowerWorkerThreads } from './thread-priority.js';
import type { Logger } from './logger.js';
import { cliInvocation, removeRuntimeInfo, readRuntimeInfo, writeRuntimeInfo } from './runtime-file.js';
import { loadOrCreateSecret } from './secret-file.js';
import { seedDemo } from './seed/seed-demo.js';
import { FaultInjector } from './faults.js';
import { MemoryQuotaStore } from '#shared/adapters/memory/memory-quota-store.js';

/** The most one shutdown step (HTTP server, warehouse, store…) may take. */
const CLOSE_BUDGET_MS = 3000;

export interface LocalRuntime {
  url: string;
  dataDir: string;
  dynamodbEndpoint: string;
  devIssuer: DevIssuer | null;
  deps: ApiDeps;
  stop(): Promise<void>;
  /** Runs one checkpoint pass now (what the 60 s timer runs), e.g. for tests and before a local export. */
  checkpointNow?(): Promise<void>;
  /** On Snowflake: runs the source-masking check now (what the 6 h timer runs) and resolves when GET /v1/health reports it. */
  sourceMaskingCheckNow?(): Promise<void>;
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
  // Shutdown (issue 15) stays bounded: the warehouse interrupts its statements, and no closer may hold the exit past CLOSE_BUDGET_MS.
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const close of closers.reverse()) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const budget = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          log.warn({ budgetMs: CLOSE_BUDGET_MS }, 'a close step did not finish in time; going on');
          resolve();
        }, CLOSE_BUDGET_MS);
      });
      await Promise.race([close().catch((e: unknown) => log.warn({ err: String(e) }, 'close failed')), budget]);
      clearTimeout(timer);
    }
  };
  try {
    const store = await startDynalite({ dataDir });
    closers.push(() => store.close());
    // Requests still in flight at shutdown record their outcome (the warehouse interrupted them) before the store closes.
    let inFlight = 0;
    closers.push(async () => {
      const until = Date.now() + CLOSE_BUDGET_MS - 500;
      while (inFlight > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      // …and the item updates those requests left in the background land before the store closes.
      await settleBackgroundWrites();
    });
    const tracked = async <T>(work: () => Promise<T>): Promise<T> => {
      inFlight++;
      try {
        return await work();
      } finally {
        inFlight--;
      }
    };
    // SNOWFLAKE_ACCOUNT set: the real warehouse (connected on first use), no demo data; otherwise seeded DuckDB.
    const snowflakeConfig = snowflakeConfigOf(env);
    let sourceMaskingTimer: SourceMaskingTimer | null = null;
    let warehouse: Warehouse;
    if (snowflakeConfig !== null) {
      // Imported only here: snowflake-sdk loads a native module whose buffer finalizers cost the DuckDB runtime CPU on every request.
      const { SnowflakeWarehouse } = await import('#shared/adapters/snowflake/snowflake-warehouse.js');
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
    // Records are signed in-process by an hourly key the file key certifies (docs/record-format.md 6a);
    // its first certificate is written now, in the background, so the first request rarely waits for it.
    const recordSigner = new CertifiedSigner({ root: signer, records, clock: systemClock, functionName: 'local' });
    // A start that failed later (busy port) closes the store under this background write: that is not worth a warning.
    recordSigner.ready().catch((e: unknown) => stopping || log.warn({ err: String(e) }, 'could not certify a signing key yet; the first record will retry'));
    composed = compose({
      records: faults.records(records),
      requests: faults.requests(new DynamoDbRequestStore(store.client)),
      signer: faults.signer(recordSigner),
      warehouse: faults.warehouse(warehouse),
      workflow,
      notifier: faults.notifier(slack === null ? new ConsoleNotifier((text) => log.isLevelEnabled('info') && process.stderr.write(`${text}\n`), cliInvocation(dataDir, process.cwd())) : new SlackNotifier(slack, env.SLACK_CHANNEL as string)),
      directory: slack === null ? NO_APPROVER_DIRECTORY : new SlackApproverDirectory(slack, systemClock),
      clock: systemClock,
      policy,
      masking: maskingConfigOf(policy, maskingKey),
      // Which tables hold sensitive columns: information_schema.columns, cached.
      catalog: warehouseCatalog(warehouse, systemClock),
      newId,
      verifier,
      notReady: () => (ready ? [] : ['runtime']),
      keys,
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
      // Checkpoints read heads and sign without the fault switches: a drill breaks the request path, not the evidence timer.
      checkpoints: { store: new DynamoDbCheckpointStore(store.client), records, signer },
      slackSigningSecret: env.SLACK_SIGNING_SECRET ?? loadOrCreateSecret(join(dataDir, 'keys', 'slack-signing-secret')),
      // Fair use (issue 15): one process serves every request, so the quotas live in its memory.
      quotas: new MemoryQuotaStore(),
      // Masking at the source (issue 21): the last check, from memory; DuckDB has no source to mask.
      sourceMasking: () => (snowflakeConfig === null ? SOURCE_MASKING_NOT_APPLICABLE : (sourceMaskingTimer?.current() ?? SOURCE_MASKING_UNCHECKED)),
      // Every execution lives in this process: a direct read whose write-ahead predates it died with an earlier one.
      executionsSince: systemClock.now().getTime(),
    });
    const deps = composed.api;

    // Every identity shares this one process: its reads cost the caller's request pace like its queries.
    const routes: Route[] = pacedReads(API_ROUTES);
    if (devIssuer !== null) {
      routes.push({ method: 'GET', path: '/.well-known/jwks.json', handler: async () => json(200, devIssuer.jwks(), { 'cache-control': 'max-age=60' }) });
    }
    const http = await startHttpServer({
      host: env.AIRLOCK_HOST,
      port: env.AIRLOCK_PORT,
      handle: (event: ApiEvent): Promise<ApiResult> => tracked(() => dispatch(deps, event, routes)),
      onError: (e) => log.error({ err: String(e) }, 'unhandled server error'),
      limits: { refusalHoldMs: env.AIRLOCK_REFUSAL_HOLD_MS },
    });
    // Reverse order: after the server stops taking requests, the writes they left in flight land, then the stores close.
    closers.push(() => settleBackgroundWrites());
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

    // On Snowflake: check masking at the source once now (in the background) and every 6 h, for GET /v1/health.
    if (snowflakeConfig !== null) {
      const timer = startSourceMaskingTimer(
        { warehouse, rules: policy.masking.columns, clock: systemClock },
        {
          intervalMs: SOURCE_MASKING_CHECK_INTERVAL_MS,
          onResult: (h) => (h.warning === undefined ? log.info({ sourceMasking: h.state }, 'source masking checked') : log.warn({ sourceMasking: h.state, columns: h.columns }, h.warning)),
        },
      );
      sourceMaskingTimer = timer;
      closers.push(() => timer.stop());
    }

    // Fair use (issue 15): the event loop outranks the warehouse's and the pools' threads on the CPU.
    const priority = lowerWorkerThreads(env.AIRLOCK_WORKER_NICE, 30_000);
    closers.push(async () => priority.stop());

    writeRuntimeInfo(dataDir, { pid: process.pid, url, dynamodbEndpoint: store.endpoint, startedAt: new Date().toISOString() });
    closers.push(async () => removeRuntimeInfo(dataDir, process.pid));
    ready = true;
    faults.arm();
    return { url, dataDir, dynamodbEndpoint: store.endpoint, devIssuer, deps, stop: stopAll, checkpointNow: () => checkpointTimer.runOnce(), ...(sourceMaskingTimer === null ? {} : { sourceMaskingCheckNow: async () => void (await sourceMaskingTimer?.runOnce()) }) };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
