import type { SourceMaskingHealth } from '../governance/source-masking-health.js';
import type { ApiDeps, PublicKeyInfo } from '../http/api-deps.js';
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
import type { SubmitQueryDeps } from '../use-cases/submit-query.js';
import type { RecoverInterruptedDeps } from '../use-cases/recover-interrupted.js';
import type { WriteCheckpointsDeps } from '../use-cases/write-checkpoints.js';

export type LogFn = ApiDeps['log'];

/**
 * Every adapter a runtime constructed, once. The local runtime (`local/runtime.ts`) and the
 * AWS wiring (`shared/wiring/aws.ts`) build these — each the only place its adapters are
 * constructed — and hand them to `compose`; nothing else assembles a deps object.
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

/**
 * The one assembly of deps from constructed adapters, shared by every runtime.
 *
 * @example
 * const { api, approval } = compose({ records, requests, signer, warehouse, workflow, notifier, directory, clock, policy, masking, newId, verifier, notReady, keys, log });
 * await dispatch(api, event);
 */
export function compose(a: Adapters): Composition {
  // The query path's deps: what submitting and running a statement reads, shared by the API and the approval tasks.
  const query: SubmitQueryDeps = {
    records: a.records,
    requests: a.requests,
    signer: a.signer,
    warehouse: a.warehouse,
    clock: a.clock,
    policy: a.policy,
    masking: a.masking,
    ...(a.catalog === undefined ? {} : { catalog: a.catalog }),
    newId: a.newId,
    workflow: a.workflow,
  };
  const approval: ApprovalDeps = { ...query, workflow: a.workflow, notifier: a.notifier, directory: a.directory, log: a.log };
  const api: ApiDeps = {
    ...query,
    verifier: a.verifier,
    notReady: () => a.notReady(),
    keys: () => a.keys(),
    certificates: () => a.records.list(KEY_CHAIN_SESSION),
    log: a.log,
    ...(a.quotas === undefined ? {} : { quotas: a.quotas }),
    ...(a.sourceMasking === undefined ? {} : { sourceMasking: a.sourceMasking }),
    ...(a.executionsSince === undefined ? {} : { executionsSince: a.executionsSince }),
    ...(a.slackSigningSecret === undefined ? {} : { approvals: { deps: approval, slackSigningSecret: a.slackSigningSecret } }),
  };
  return {
    api,
    approval,
    recovery: { requests: a.requests, records: a.records, clock: a.clock, policy: a.policy, log: a.log, ...(a.executionsSince === undefined ? {} : { executionsSince: a.executionsSince }) },
    checkpoints: a.checkpoints === undefined ? null : { records: a.checkpoints.records, checkpoints: a.checkpoints.store, signer: a.checkpoints.signer, clock: a.clock },
  };
}
