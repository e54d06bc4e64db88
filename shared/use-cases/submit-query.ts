import { createHash } from 'node:crypto';
import { AirlockError } from '../errors.js';
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
import { canonicalJson } from '../records/canonical.js';
import { sqlHash as hashSql } from '../records/hash.js';
import type { Actor } from '../records/types.js';
import { classify } from '../sql/classify.js';
import { appendRecord } from './append-record.js';
import { checkApprovalRequestLimits } from './approval-request-limits.js';
import { withRequestLock } from './request-lock.js';
import { executeQuery } from './execute-query.js';
import type { QueryInput } from './query-input.js';
import { startApprovalWorkflow as startWorkflow } from './start-approval-workflow.js';
import { loadOutcome, toStoredOutcome } from './stored-outcome.js';

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
}

/** What the agent is answered; `kind` picks the HTTP status (executed 200, pending 202, denied 403, failed 422, timeout 504). */
export interface QueryOutcome {
  kind: 'executed' | 'pending' | 'denied' | 'failed' | 'timeout';
  body: Record<string, unknown>;
}

export function actorOf(p: Principal): Actor {
  const actor: Actor = { kind: 'agent', iss: p.iss, sub: p.sub, groups: p.groups };
  if (p.email !== undefined) actor.email = p.email;
  if (p.act !== undefined) actor.act = p.act;
  return actor;
}

const HTTP_BY_KIND: Record<QueryOutcome['kind'], number> = { executed: 200, pending: 202, denied: 403, failed: 422, timeout: 504 };
export function httpStatusOfOutcome(o: QueryOutcome): number {
  // Nothing ran because the warehouse refused Airlock's login or could not be reached: 503, not the agent's SQL.
  const code = (o.body['error'] as { code?: unknown } | undefined)?.code;
  if (o.kind === 'failed' && (code === 'ERR_WAREHOUSE_LOGIN' || code === 'ERR_WAREHOUSE_UNAVAILABLE')) return 503;
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

  const classification = classify(input.sql);
  const decision = decide(deps.policy, classification, principal, input.sql);
  if (classification.risk === 'invalid' || decision.outcome === 'invalid') {
    throw new AirlockError('ERR_SQL_INVALID', classification.reasons[0]?.message ?? 'the text holds no SQL statement', {
      details: { reasons: classification.reasons },
    });
  }

  // --- Approval requests are scarce (issue 14): an identical pending SQL is answered with the
  // existing request; beyond the per-identity caps, 429. Serialised per identity in this process.
  if (decision.outcome === 'approval') {
    return withRequestLock(deps.requests, `owner:${owner}`, async () => {
      const existing = await checkApprovalRequestLimits(deps, owner, hashSql(input.sql));
      // The existing request's answer; like an idempotent retry, this makes sure its approval wait exists.
      if (existing !== null) return replayOutcome(deps, existing.requestId);
      return submitNew(deps, principal, input, sessionId, owner, classification, decision);
    });
  }
  // --- end of the approval-request limits
  return submitNew(deps, principal, input, sessionId, owner, classification, decision);
}

async function submitNew(
  deps: SubmitQueryDeps,
  principal: Principal,
  input: QueryInput,
  sessionId: string,
  owner: string,
  classification: ReturnType<typeof classify>,
  decision: Decision,
): Promise<QueryOutcome> {
  const requestId = deps.newId();
  if (input.idempotencyKey !== undefined) {
    const key = `${owner}:${input.idempotencyKey}`;
    const bodyHash = createHash('sha256').update(canonicalJson({ prompt: input.prompt, sql: input.sql, sessionId })).digest('hex');
    const entry = await deps.requests.claimIdempotency({ key, bodyHash, requestId });
    if (entry.bodyHash !== bodyHash) {
      throw new AirlockError('ERR_IDEMPOTENCY_CONFLICT', 'idempotencyKey was already used with a different body');
    }
    if (entry.requestId !== requestId) return replayOutcome(deps, entry.requestId);
    try {
      return await run(deps, principal, input, sessionId, requestId, classification, decision);
    } catch (e) {
      // Nothing was recorded under this key: free it, so the client's retry goes through once the store is back.
      const item = await deps.requests.get(requestId).catch(() => null);
      if (item === null) await deps.requests.releaseIdempotency(key).catch(() => undefined);
      throw e;
    }
  }
  return run(deps, principal, input, sessionId, requestId, classification, decision);
}

async function replayOutcome(deps: SubmitQueryDeps, requestId: string): Promise<QueryOutcome> {
  const item = await deps.requests.get(requestId);
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
  decision: Decision,
): Promise<QueryOutcome> {
  const actor = actorOf(principal);
  const sqlHash = hashSql(input.sql);
  const reasons = [...classification.reasons, ...decision.reasons];
  const objects = classification.statements.flatMap((s) => s.objects);
  const base = { requestId, sessionId, risk: classification.risk };

  // Write-ahead: if this record cannot be written, nothing below runs.
  const requested = await appendRecord(deps, {
    sessionId,
    requestId,
    type: 'query.requested',
    actor,
    body: {
      prompt: input.prompt,
      sql: input.sql,
      sqlHash,
      risk: classification.risk,
      decision: { outcome: decision.outcome, approvalsRequired: decision.approvalsRequired },
      reasons,
      objects,
    },
  });

  const item: RequestItem = {
    requestId,
    sessionId,
    owner: identityKey(principal),
    status: decision.outcome === 'allow' ? 'running' : decision.outcome === 'deny' ? 'denied' : 'pending_approval',
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
    await appendRecord(deps, { sessionId, requestId, type: 'query.denied', actor: { kind: 'system' }, body: { sqlHash, reasons } });
    const outcome: QueryOutcome = { kind: 'denied', body: { ...base, status: 'denied', reasons } };
    await deps.requests.put({ ...item, httpStatus: 403, response: outcome });
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

  await deps.requests.put({ ...item, runningSince: requested.record.at });
  const outcome = await executeQuery(deps, { sessionId, requestId, seq: requested.record.seq, sqlHash, sql: input.sql, classification, base, viaApproval: false });
  await deps.requests.transition(requestId, ['running'], {
    status: outcome.kind === 'executed' ? 'executed' : 'failed',
    httpStatus: httpStatusOfOutcome(outcome),
    response: toStoredOutcome(outcome),
  });
  return outcome;
}
