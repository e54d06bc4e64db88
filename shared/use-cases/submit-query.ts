import { createHash } from 'node:crypto';
import { AirlockError, httpStatusFor, isAirlockError } from '../errors.js';
import { identityKey, type Principal } from '../identity/principal.js';
import type { MaskingConfig } from '../masking/types.js';
import type { Policy } from '../policy/policy.js';
import { decide } from '../policy/decide.js';
import type { Clock } from '../ports/clock.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RequestItem, RequestStore } from '../ports/request-store.js';
import type { Signer } from '../ports/signer.js';
import type { Warehouse } from '../ports/warehouse.js';
import type { Workflow } from '../ports/workflow.js';
import type { QuotaLimitName, QuotaStore } from '../ports/quota-store.js';
import { canonicalJson } from '../records/canonical.js';
import { sqlHash as hashSql } from '../records/hash.js';
import type { Actor } from '../records/types.js';
import { classify } from '../sql/classify.js';
import { admitQuery, extraResultUnits, pacedOut, rateLimited } from './admit-query.js';
import { appendRecord } from './append-record.js';
import { inBackground } from './background-writes.js';
import { settleDirectRead } from './direct-read-item.js';
import { checkApprovalRequestLimits, withApprovalSlot } from './approval-request-limits.js';
import { withRequestLock } from './request-lock.js';
import { discardPrepared, executeQuery, prepareAhead } from './execute-query.js';
import { lexicalAmbiguityReasons } from './lexical-compatibility.js';
import type { Catalog } from '../ports/catalog.js';
import { analyzeInference } from './references-sensitive-column.js';
import type { QueryInput } from './query-input.js';
import { startApprovalWorkflow as startWorkflow } from './start-approval-workflow.js';
import type { QueryRequestedBody, StatementError } from '../records/record-body.js';
import { completeFromRecords, finalState, loadOutcome } from './stored-outcome.js';
import { outcomeError, type DeniedError, type OutcomeBase, type QueryOutcome } from '../ports/query-outcome.js';

export interface SubmitQueryDeps {
  records: RecordStore;
  requests: RequestStore;
  signer: Signer;
  warehouse: Warehouse;
  clock: Clock;
  policy: Policy;
  masking: MaskingConfig;
  newId: () => string;
  /**
   * Starts the approval state machine for a request that needs approval. Optional so the read
   * path and its tests can run without one; without it an approval request just waits (nothing runs).
   */
  workflow?: Workflow;
  /**
   * The warehouse's catalog, to know which tables hold sensitive columns (docs/masking.md). Both
   * runtimes wire it; without it sensitivity falls back to column names in the text.
   */
  catalog?: Catalog;
  /** Per-identity quotas; absent: none enforced. */
  quotas?: QuotaStore;
}

/** What the agent is answered, one body per `kind` (query-outcome.ts); re-exported so imports from here keep working. */
export type * from '../ports/query-outcome.js';

export function actorOf(p: Principal): Actor {
  const actor: Actor = { kind: 'agent', iss: p.iss, sub: p.sub, groups: p.groups };
  if (p.email !== undefined) actor.email = p.email;
  if (p.act !== undefined) actor.act = p.act;
  return actor;
}

const HTTP_BY_KIND: Record<QueryOutcome['kind'], number> = { executed: 200, pending: 202, denied: 403, failed: 422, timeout: 504 };
export function httpStatusOfOutcome(o: QueryOutcome): number {
  // Nothing ran because the warehouse refused Airlock's login or could not be reached: 503, not the agent's SQL.
  const code = outcomeError(o)?.code;
  if (o.kind === 'failed' && (code === 'ERR_WAREHOUSE_LOGIN' || code === 'ERR_WAREHOUSE_UNAVAILABLE')) return 503;
  // The warehouse would read the text differently from the classifier: the agent's SQL, refused before it ran.
  if (o.kind === 'denied' && code === 'ERR_SQL_AMBIGUOUS') return httpStatusFor(code);
  return HTTP_BY_KIND[o.kind];
}

/**
 * identity → classify → policy → write-ahead record → execute → mask → record → answer.
 * Nothing runs unless `query.requested` was written; nothing unmasked leaves this function.
 *
 * @example
 * const outcome = await submitQuery(deps, principal, { prompt: 'top customers', sql: 'SELECT 1' });
 * // outcome.kind === 'executed', outcome.body.rows …
 */
export async function submitQuery(deps: SubmitQueryDeps, principal: Principal, input: QueryInput): Promise<QueryOutcome> {
  const owner = identityKey(principal);
  const sessionId = input.sessionId ?? deps.newId();
  const claimed = await deps.requests.claimSession({ sessionId, owner, createdAt: deps.clock.now().toISOString() });
  // A session that belongs to someone else is reported as absent, so ids cannot be probed.
  if (claimed.owner !== owner) throw new AirlockError('ERR_NOT_FOUND', `session ${sessionId} not found`);

  // Fair use: an identity already past its pace is refused before its statement is classified (what a
  // flood of long statements would cost everyone), and the refusal is recorded like any other.
  const early = pacedOut(deps, principal, input.sql);
  if (early !== null) return throttle(deps, principal, input, sessionId, 'unclassified', early);

  const classification = classify(input.sql);
  const inference = await analyzeInference(input.sql, classification, deps.masking.columns, deps.catalog);
  const decision = decide(deps.policy, classification, principal, input.sql, inference);
  if (classification.risk === 'invalid' || decision.outcome === 'invalid') {
    // Unparseable text costs its pace too (it was classified): else a flood of it would never be paced.
    await chargePace(deps, principal, input, sessionId, classification.risk);
    throw new AirlockError('ERR_SQL_INVALID', classification.reasons[0]?.message ?? 'the text holds no SQL statement', {
      details: { reasons: classification.reasons },
    });
  }

  // --- Approval requests are scarce: an identical pending SQL is answered with the
  // existing request; beyond the per-identity caps (one conditional write on the identity's
  // counter item, so they hold across processes), 429. Serialised per identity in this process.
  if (decision.outcome === 'approval') {
    return withRequestLock(deps.requests, `owner:${owner}`, async () => {
      const existing = await checkApprovalRequestLimits(deps, owner, hashSql(input.sql));
      // The existing request's answer; like an idempotent retry, this makes sure its approval wait exists.
      if (existing !== null) {
        await chargePace(deps, principal, input, sessionId, classification.risk);
        return replayOutcome(deps, existing.requestId);
      }
      const requestId = deps.newId();
      // Over a cap the slot claim throws 429 ERR_TOO_MANY_PENDING before anything is written: recorded, then answered.
      return withApprovalSlot(deps, owner, requestId, () => submitNew(deps, principal, input, sessionId, owner, classification, decision, requestId)).catch((e: unknown) =>
        recordRefusal(deps, principal, input, sessionId, classification, e),
      );
    });
  }
  // --- end of the approval-request limits
  return submitNew(deps, principal, input, sessionId, owner, classification, decision);
}

/**
 * A request answered without a new run of its own (text that is not SQL, an identical pending approval
 * request, an idempotent retry) still costs its identity's pace: each was classified, and a flood of
 * them would otherwise never be paced. Past the pace: recorded and 429, like any other.
 */
async function chargePace(deps: SubmitQueryDeps, principal: Principal, input: QueryInput, sessionId: string, risk: string): Promise<void> {
  const admission = await admitQuery(deps, principal, false, input.sql);
  if (!admission.admitted) await throttle(deps, principal, input, sessionId, risk, admission);
}

/** A request over its identity's quota: recorded as `query.throttled` (nothing requested, nothing run), then 429 ERR_RATE_LIMITED. */
async function throttle(
  deps: SubmitQueryDeps,
  principal: Principal,
  input: QueryInput,
  sessionId: string,
  risk: string,
  refused: { limit: QuotaLimitName; retryAfterSeconds: number },
  requestId = deps.newId(),
): Promise<never> {
  await recordThrottled(deps, principal, input, sessionId, risk, refused, requestId);
  throw rateLimited(refused, requestId);
}

/** The `query.throttled` record of a refused request (its `limit` the quota or cap that refused it). */
async function recordThrottled(deps: SubmitQueryDeps, principal: Principal, input: QueryInput, sessionId: string, risk: string, refused: { limit: string; retryAfterSeconds: number }, requestId: string): Promise<void> {
  await appendRecord(deps, {
    sessionId,
    requestId,
    type: 'query.throttled',
    actor: actorOf(principal),
    body: { sqlHash: hashSql(input.sql), risk, limit: refused.limit, retryAfterSeconds: refused.retryAfterSeconds },
  });
}

/**
 * A refusal over an approval-request cap (429 ERR_TOO_MANY_PENDING) is evidence like any other
 * throttle: recorded as `query.throttled` (its limit the policy field that refused) before it is
 * answered, and the answer carries the record's request id. Any other error passes through.
 */
async function recordRefusal(deps: SubmitQueryDeps, principal: Principal, input: QueryInput, sessionId: string, classification: ReturnType<typeof classify>, e: unknown): Promise<never> {
  if (!isAirlockError(e) || e.code !== 'ERR_TOO_MANY_PENDING') throw e;
  const requestId = deps.newId();
  const limit = typeof e.details?.['limitName'] === 'string' ? e.details['limitName'] : 'approvalRequests';
  const retryAfterSeconds = typeof e.details?.['retryAfterSeconds'] === 'number' ? e.details['retryAfterSeconds'] : 1;
  await recordThrottled(deps, principal, input, sessionId, classification.risk, { limit, retryAfterSeconds }, requestId);
  throw new AirlockError(e.code, e.message, { cause: e, details: { ...e.details, requestId } });
}

async function submitNew(
  deps: SubmitQueryDeps,
  principal: Principal,
  input: QueryInput,
  sessionId: string,
  owner: string,
  classification: ReturnType<typeof classify>,
  decision: Decision,
  presetId?: string,
): Promise<QueryOutcome> {
  const requestId = presetId ?? deps.newId();
  if (input.idempotencyKey !== undefined) {
    const key = `${owner}:${input.idempotencyKey}`;
    const bodyHash = createHash('sha256').update(canonicalJson({ prompt: input.prompt, sql: input.sql, sessionId })).digest('hex');
    const entry = await deps.requests.claimIdempotency({ key, bodyHash, requestId });
    if (entry.bodyHash !== bodyHash) {
      throw new AirlockError('ERR_IDEMPOTENCY_CONFLICT', 'idempotencyKey was already used with a different body');
    }
    if (entry.requestId !== requestId) {
      await chargePace(deps, principal, input, sessionId, classification.risk);
      return replayOutcome(deps, entry.requestId);
    }
    try {
      return await run(deps, principal, input, sessionId, requestId, classification, decision);
    } catch (e) {
      // Nothing was recorded under this key: free it, so the client's retry goes through once the store is back.
      const item = await deps.requests.get(requestId).catch(() => null);
      // (A direct read's item can land while its write-ahead did not: it is then failed with nothing run, and the key is freed too.)
      const nothingRan = item !== null && item.status === 'failed' && item.requestedSeq === 0 && item.httpStatus === 503;
      if (item === null || nothingRan) await deps.requests.releaseIdempotency(key).catch(() => undefined);
      throw e;
    }
  }
  return run(deps, principal, input, sessionId, requestId, classification, decision);
}

async function replayOutcome(deps: SubmitQueryDeps, requestId: string): Promise<QueryOutcome> {
  const read = await deps.requests.get(requestId);
  const item = read === null ? null : await completeFromRecords(deps, read, httpStatusOfOutcome);
  const outcome = item === null ? null : await loadOutcome(deps.records, item);
  if (outcome === null) {
    throw new AirlockError('ERR_IN_PROGRESS', `the first request with this idempotencyKey (${requestId}) is still in progress`);
  }
  if (item !== null && item.status === 'pending_approval' && item.expiresAt !== undefined) {
    // The first attempt may have died between storing the request and starting its workflow; a start
    // is idempotent by request id, so the retry makes sure the approval wait (and its expiry) exists.
    const left = Math.ceil((Date.parse(item.expiresAt) - deps.clock.now().getTime()) / 1000);
    if (left > 0) {
      await startWorkflow(deps, { requestId, sessionId: item.sessionId, sqlHash: item.sqlHash, base: { requestId, sessionId: item.sessionId, risk: item.risk }, timeoutSeconds: left });
    }
  }
  return outcome;
}

type Decision = ReturnType<typeof decide>;

async function run(
  deps: SubmitQueryDeps,
  principal: Principal,
  input: QueryInput,
  sessionId: string,
  requestId: string,
  classification: ReturnType<typeof classify>,
  decidedAs: Decision,
): Promise<QueryOutcome> {
  // Fair use: over a per-identity quota, nothing is requested or run; the refusal is recorded.
  const admission = await admitQuery(deps, principal, decidedAs.outcome === 'allow', input.sql);
  if (!admission.admitted) return throttle(deps, principal, input, sessionId, classification.risk, admission, requestId);
  if (decidedAs.outcome !== 'allow') {
    await admission.done(0);
  } else {
    const started = deps.clock.now().getTime();
    let answer: QueryOutcome | undefined;
    try {
      answer = await runAdmitted(deps, principal, input, sessionId, requestId, classification, decidedAs, { maxRows: admission.quota.maxRows, timeoutMs: admission.quota.statementTimeoutSeconds * 1000 });
      return answer;
    } finally {
      // Off the critical path (issue 17): the lease also lapses on its own at the deadline + 5 s, and the
      // outcome is already recorded; in AWS this is one update the answer need not wait for. A wide answer
      // costs its identity's pace by its cells (extraResultUnits).
      const shown = answer?.kind === 'executed' ? answer.body : undefined;
      const extra = shown === undefined ? 0 : extraResultUnits(shown.rows.length, shown.columns.length);
      inBackground(admission.done(deps.clock.now().getTime() - started, extra));
    }
  }
  return runAdmitted(deps, principal, input, sessionId, requestId, classification, decidedAs);
}

async function runAdmitted(
  deps: SubmitQueryDeps,
  principal: Principal,
  input: QueryInput,
  sessionId: string,
  requestId: string,
  classification: ReturnType<typeof classify>,
  decidedAs: Decision,
  limits?: { maxRows: number; timeoutMs: number },
): Promise<QueryOutcome> {
  let decision = decidedAs;
  const actor = actorOf(principal);
  const sqlHash = hashSql(input.sql);
  // The text that runs is the text that was classified: where the warehouse would lex it otherwise, nothing runs (400).
  const ambiguous = lexicalAmbiguityReasons(deps.warehouse.name, input.sql);
  if (ambiguous.length > 0) decision = { ...decision, outcome: 'deny', approvalsRequired: 0 };
  const reasons = [...classification.reasons, ...decision.reasons, ...ambiguous];
  const objects = classification.statements.flatMap((s) => s.objects);
  const base = { requestId, sessionId, risk: classification.risk };
  // The write-ahead record's body, the same on every path.
  const requestedBody: QueryRequestedBody = {
    prompt: input.prompt,
    sql: input.sql,
    sqlHash,
    risk: classification.risk,
    decision: { outcome: decision.outcome, approvalsRequired: decision.approvalsRequired },
    reasons,
    objects,
  };

  // A direct read: the request item (`running`) is written beside the write-ahead record, not after
  // it, so the critical path holds two writes in sequence: the write-ahead and the outcome record.
  if (decision.outcome === 'allow') return runDirect(deps, principal, input, sessionId, requestId, { classification, actor, sqlHash, requestedBody, base, ...(limits === undefined ? {} : { limits }) });

  // Write-ahead: if this record cannot be written, nothing below runs.
  const requested = await appendRecord(deps, {
    sessionId,
    requestId,
    type: 'query.requested',
    actor,
    body: requestedBody,
  });

  const item: RequestItem = {
    requestId,
    sessionId,
    owner: identityKey(principal),
    status: decision.outcome === 'deny' ? 'denied' : 'pending_approval',
    risk: classification.risk,
    sql: input.sql,
    sqlHash,
    prompt: input.prompt,
    createdAt: requested.record.at,
    approvalsRequired: decision.approvalsRequired,
    votes: [],
    requestedSeq: requested.record.seq,
  };

  if (decision.outcome === 'deny') {
    const error: { error?: DeniedError } = ambiguous.length > 0 ? { error: { code: 'ERR_SQL_AMBIGUOUS', message: ambiguous[0]?.message ?? 'the warehouse would read this text differently' } } : {};
    // The record keeps its format ({ sqlHash, reasons }): an ambiguity refusal is told by its X-LEX reasons.
    await appendRecord(deps, { sessionId, requestId, type: 'query.denied', actor: { kind: 'system' }, body: { sqlHash, reasons } });
    const outcome: QueryOutcome = { kind: 'denied', body: { ...base, status: 'denied', reasons, ...error } };
    await deps.requests.put({ ...item, httpStatus: httpStatusOfOutcome(outcome), response: outcome });
    return outcome;
  }

  if (decision.outcome === 'approval') {
    const approvers = deps.policy.approvers.map((a) => a.slackUserId);
    const expiresAt = new Date(deps.clock.now().getTime() + deps.policy.approval.timeoutSeconds * 1000).toISOString();
    await appendRecord(deps, {
      sessionId,
      requestId,
      type: 'approval.requested',
      actor: { kind: 'system' },
      body: { sqlHash, approvalsRequired: decision.approvalsRequired, approvers, expiresAt },
    });
    const outcome: QueryOutcome = {
      kind: 'pending',
      body: { ...base, status: 'pending_approval', reasons, approvalsRequired: decision.approvalsRequired, approvers, expiresAt },
    };
    await deps.requests.put({ ...item, approvers, expiresAt, httpStatus: 202, response: outcome });
    // Only the request id (and its wait) travels through the workflow; it reads the rest from the item.
    await startWorkflow(deps, { requestId, sessionId, sqlHash, base, timeoutSeconds: deps.policy.approval.timeoutSeconds });
    return outcome;
  }

  // Unreachable: `allow` took the direct path above and `invalid` was refused before the write-ahead.
  throw new AirlockError('ERR_INTERNAL', `no path for decision ${String(decision.outcome)}`);
}

/** What the direct path needs from `run`, computed once there. */
interface DirectArgs {
  classification: ReturnType<typeof classify>;
  actor: Actor;
  sqlHash: string;
  requestedBody: QueryRequestedBody;
  base: OutcomeBase;
  /** The identity's own limits (limits.perIdentity), when it has any. */
  limits?: { maxRows: number; timeoutMs: number };
}

/**
 * A read the policy allows. It writes two things, in sequence: the write-ahead `query.requested`
 * (nothing runs unless it landed) and the outcome record. It keeps no request item: its records are
 * its state, and readers find it from its write-ahead record (`requestFromRecords`, `stateFromRecords`)
 * — a request whose process died shows `outcome_unknown`. Two cases do write an item: with an
 * idempotency key the `running` item is written beside the write-ahead record (a retry must find the
 * first attempt) and moved to its final state after the answer; and a run whose outcome record could
 * not be written is stored `outcome_unknown` at once.
 */
async function runDirect(deps: SubmitQueryDeps, principal: Principal, input: QueryInput, sessionId: string, requestId: string, a: DirectArgs): Promise<QueryOutcome> {
  const createdAt = deps.clock.now().toISOString();
  const item: RequestItem = {
    requestId,
    sessionId,
    owner: identityKey(principal),
    status: 'running',
    risk: a.classification.risk,
    sql: input.sql,
    sqlHash: a.sqlHash,
    prompt: input.prompt,
    createdAt,
    approvalsRequired: 0,
    votes: [],
    // Not known until the write-ahead lands; 0 = "find the query.requested by request id" (set by the final state).
    requestedSeq: 0,
    runningSince: createdAt,
  };
  const keyed = input.idempotencyKey !== undefined;
  const statement = {
    sessionId,
    requestId,
    sqlHash: a.sqlHash,
    sql: input.sql,
    classification: a.classification,
    base: a.base,
    viaApproval: false,
    owner: identityKey(principal),
    ...(a.limits === undefined ? {} : { limits: a.limits }),
  };
  // The warehouse prepares the statement (slot, connection, parse) beside the write-ahead write; it runs
  // only once that record landed, and is discarded unrun if it did not.
  const prepared = prepareAhead(deps, statement);
  const [requested, stored] = await Promise.allSettled([
    appendRecord(deps, {
      sessionId,
      requestId,
      type: 'query.requested',
      actor: a.actor,
      body: a.requestedBody,
    }),
    keyed ? deps.requests.put(item) : Promise.resolve(),
  ]);
  if (requested.status === 'rejected' || stored.status === 'rejected') discardPrepared(prepared);
  if (requested.status === 'rejected') {
    // Nothing ran and nothing is on record: the item, if it landed, must not be taken for an interrupted run.
    if (keyed && stored.status === 'fulfilled') {
      const error: StatementError = { code: 'ERR_STORE_UNAVAILABLE', message: 'the write-ahead record could not be written; nothing ran' };
      await deps.requests.transition(requestId, ['running'], { status: 'failed', httpStatus: 503, response: { kind: 'failed', body: { ...a.base, status: 'failed', error } } }).catch(() => undefined);
    }
    throw requested.reason;
  }
  if (stored.status === 'rejected') throw stored.reason;
  const requestedSeq = requested.value.record.seq;
  let outcome: QueryOutcome;
  try {
    outcome = await executeQuery(deps, { ...statement, seq: requestedSeq, ...(prepared === undefined ? {} : { prepared }) });
  } catch (e) {
    discardPrepared(prepared);
    // No request stays `running` once its statement returned. Whether it ran is not on record (no outcome
    // record could be written), so the item says so: `outcome_unknown`, as after a crash.
    const code = isAirlockError(e) ? e.code : 'ERR_INTERNAL';
    const unknown: QueryOutcome = { kind: 'failed', body: { ...a.base, status: 'outcome_unknown', error: { code, message: 'the outcome of this request was not recorded' } } };
    await settleDirectRead(deps.requests, { ...item, requestedSeq, status: 'outcome_unknown', httpStatus: httpStatusFor(code), response: unknown }).catch(() => undefined);
    throw e;
  }
  // A keyed read's item, off the critical path: the records already hold the outcome, and readers fall back to them.
  if (keyed) {
    inBackground(
      deps.requests.transition(requestId, ['running'], { ...finalState(outcome, httpStatusOfOutcome(outcome)), requestedSeq }),
    );
  }
  return outcome;
}
