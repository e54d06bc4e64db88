import type { SourceMaskingHealth } from '../governance/source-masking-health.js';
import type { ApiDeps, ApprovalApiDeps, PublicKeyInfo } from '../http/api-deps.js';
import type { RouteDeps } from '../http/router.js';
import type { MaskingConfig } from '../masking/types.js';
import type { Policy } from '../policy/policy.js';
import type { ApproverDirectory } from '../ports/approver-directory.js';
import type { Catalog } from '../ports/catalog.js';
import type { CheckpointStore } from '../ports/checkpoint-store.js';
import type { Clock } from '../ports/clock.js';
import type { Notifier } from '../ports/notifier.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RequestStore } from '../ports/request-store.js';
import type { QuotaStore } from '../ports/quota-store.js';
import type { Signer } from '../ports/signer.js';
import { KEY_CHAIN_SESSION } from '../records/types.js';
import type { TokenVerifier } from '../ports/token-verifier.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { Workflow } from '../ports/workflow.js';
import type { ApprovalDeps } from '../use-cases/approval-deps.js';
import type { RecordVoteDeps } from '../use-cases/record-vote.js';
import type { SubmitQueryDeps } from '../use-cases/submit-query.js';
import type { RecoverInterruptedDeps } from '../use-cases/recover-interrupted.js';
import type { WriteCheckpointsDeps } from '../use-cases/write-checkpoints.js';

export type LogFn = ApiDeps['log'];

/**
 * Every adapter of a runtime that has them all, constructed once: the local runtime (`local/runtime.ts`),
 * the only place local adapters are constructed, hands them to `compose`. The AWS wiring
 * (`shared/wiring/aws.ts`) has no such set: each Lambda is deployed with some parts only, so it
 * builds each function's deps from the builders below with exactly those parts.
 */
export interface Adapters {
  records: RecordStore;
  requests: RequestStore;
  signer: Signer;
  warehouse: Warehouse;
  workflow: Workflow;
  notifier: Notifier;
  directory: ApproverDirectory;
  clock: Clock;
  policy: Policy;
  masking: MaskingConfig;
  /** Which tables hold sensitive columns (docs/masking.md); absent where no warehouse runs. */
  catalog?: Catalog;
  newId: () => string;
  verifier: TokenVerifier;
  notReady(): string[];
  keys(): Promise<PublicKeyInfo[]>;
  log: LogFn;
  /** The checkpoints table, the records it reads heads from and the record key that signs them; absent where no checkpoint is written. */
  checkpoints?: { store: CheckpointStore; records: WriteCheckpointsDeps['records']; signer: Signer };
  /** Slack's signing secret; set only where POST /slack/interactions is served. */
  slackSigningSecret?: string;
  /** Per-identity quotas (issue 15): memory locally, DynamoDB in AWS; absent = none enforced. */
  quotas?: QuotaStore;
  /** The last source-masking check, for GET /v1/health (docs/snowflake-governance.md); absent = not reported. */
  sourceMasking?: () => SourceMaskingHealth | Promise<SourceMaskingHealth>;
  /** When this process started (ms), where every execution lives in it (the local runtime): a request running since before is interrupted. Absent in AWS. */
  executionsSince?: number;
}

/** Each use case's and handler's deps, from one set of adapters. */
export interface Composition {
  /** The HTTP handlers (each reads only the fields its own type names). */
  api: ApiDeps;
  /** The approval use cases: notify, vote, execute, expire, finish, resume. Built once, shared by the handler and the tasks. */
  approval: ApprovalDeps;
  /** `recoverInterrupted` (local start, AWS schedule). */
  recovery: RecoverInterruptedDeps;
  /** `writeCheckpoints` (local timer, AWS schedule); null without a checkpoints table. */
  checkpoints: WriteCheckpointsDeps | null;
}

/** The query path's parts: what submitting and running a statement reads (quotas are the API's, added by it). */
export type QueryParts = Omit<SubmitQueryDeps, 'quotas'>;

/**
 * The query path's deps (`submitQuery`, and `executeApproved` under the approval tasks), from exactly its parts.
 *
 * @example
 * const deps: SubmitQueryDeps = queryDeps({ records, requests, signer, warehouse, clock, policy, masking, newId, workflow });
 */
export function queryDeps(a: QueryParts): SubmitQueryDeps {
  return {
    records: a.records,
    requests: a.requests,
    signer: a.signer,
    warehouse: a.warehouse,
    clock: a.clock,
    policy: a.policy,
    masking: a.masking,
    ...(a.catalog === undefined ? {} : { catalog: a.catalog }),
    newId: a.newId,
    ...(a.workflow === undefined ? {} : { workflow: a.workflow }),
  };
}

/** What GET /v1/keys and GET /v1/health read; `records` only where the function has the records table (the key certificates live there). */
export interface PublicParts {
  notReady(): string[];
  keys(): Promise<PublicKeyInfo[]>;
  log: LogFn;
  records?: Pick<RecordStore, 'list'>;
  sourceMasking?: () => SourceMaskingHealth | Promise<SourceMaskingHealth>;
}

/**
 * GET /v1/keys and GET /v1/health's deps: readiness, every key that ever signed, and the key certificates
 * where there are records (without them /v1/keys lists its keys only).
 */
export function publicDeps(a: PublicParts): RouteDeps<'/v1/keys' | '/v1/health'> {
  const records = a.records;
  return {
    notReady: () => a.notReady(),
    keys: () => a.keys(),
    ...(records === undefined ? {} : { certificates: () => records.list(KEY_CHAIN_SESSION) }),
    log: a.log,
    ...(a.sourceMasking === undefined ? {} : { sourceMasking: a.sourceMasking }),
  };
}

/** POST /slack/interactions' deps: the vote's deps (the very ones the approval tasks get, where one runtime runs both) and Slack's signing secret. */
export function interactionsDeps(vote: RecordVoteDeps, a: { clock: Clock; log: LogFn; slackSigningSecret: string }): RouteDeps<'/slack/interactions'> & { approvals: ApprovalApiDeps } {
  return { clock: a.clock, log: a.log, approvals: { deps: vote, slackSigningSecret: a.slackSigningSecret } };
}

/**
 * The assembly of every use case's deps from a runtime that constructed every adapter (the local runtime).
 * Each AWS function is instead handed only its own routes' or task's deps (`AwsWiring`), from the builders above.
 *
 * @example
 * const { api, approval } = compose({ records, requests, signer, warehouse, workflow, notifier, directory, clock, policy, masking, newId, verifier, notReady, keys, log });
 * await dispatch(api, event);
 */
export function compose(a: Adapters): Composition {
  // The query path's deps: what submitting and running a statement reads, shared by the API and the approval tasks.
  const query = queryDeps(a);
  const approval: ApprovalDeps = { ...query, workflow: a.workflow, notifier: a.notifier, directory: a.directory, log: a.log };
  const api: ApiDeps = {
    ...query,
    verifier: a.verifier,
    ...publicDeps(a),
    ...(a.quotas === undefined ? {} : { quotas: a.quotas }),
    ...(a.executionsSince === undefined ? {} : { executionsSince: a.executionsSince }),
    ...(a.slackSigningSecret === undefined ? {} : interactionsDeps(approval, { clock: a.clock, log: a.log, slackSigningSecret: a.slackSigningSecret })),
  };
  return {
    api,
    approval,
    recovery: { requests: a.requests, records: a.records, clock: a.clock, policy: a.policy, log: a.log, ...(a.executionsSince === undefined ? {} : { executionsSince: a.executionsSince }) },
    checkpoints: a.checkpoints === undefined ? null : { records: a.checkpoints.records, checkpoints: a.checkpoints.store, signer: a.checkpoints.signer, clock: a.clock },
  };
}
