import { AirlockError } from '../errors.js';
import type { RequestItem } from '../ports/request-store.js';
import { sqlHash as hashSql } from '../records/hash.js';
import { classify } from '../sql/classify.js';
import type { ApprovalDeps } from './approval-deps.js';
import { appendRecord } from './append-record.js';
import { requestRecords } from './request-records.js';
import { withRequestLock } from './request-lock.js';
import { finalState } from './stored-outcome.js';
import type { StatementError } from '../records/record-body.js';
import { executeQuery, type ExecuteQueryDeps } from './execute-query.js';
import { httpStatusOfOutcome, type QueryOutcome } from './submit-query.js';

export type ExecuteApprovedDeps = ExecuteQueryDeps & Pick<ApprovalDeps, 'requests'>;

/**
 * The execute task: runs the request's STORED SQL (the agent never resubmits it) once, after
 * checking that it is, byte for byte, the SQL whose hash was requested and approved. Claims
 * `approved → running` first, so a second invocation (retry, duplicate execution) runs nothing.
 * Returns null when there was nothing to run.
 *
 * @example
 * const outcome = await executeApproved(deps, requestId); // outcome.kind === 'executed'
 */
export async function executeApproved(deps: ExecuteApprovedDeps, requestId: string): Promise<QueryOutcome | null> {
  const item = await deps.requests.get(requestId);
  if (item === null) throw new AirlockError('ERR_NOT_FOUND', `request ${requestId} not found`);
  if (item.status !== 'approved') return null;
  if (!(await deps.requests.transition(requestId, ['approved'], { status: 'running', runningSince: deps.clock.now().toISOString() }))) return null;
  const base = { requestId, sessionId: item.sessionId, risk: item.risk };

  // A barrier: a vote claimed in this process has its record in the chain before the chain is read.
  await withRequestLock(deps.requests, requestId, async () => undefined);
  const { requested, votes } = await requestRecords(deps.records, item);
  // One approval per person, even if a duplicate delivery left two records of the same click.
  const granted = new Map(votes.filter((v) => v.type === 'approval.granted').map((v) => [v.actor.slackUserId ?? v.seq, v.body]));
  const rejected = votes.some((v) => v.type === 'approval.rejected');
  const mismatch = rejected ? 'a counted rejection is on record' : hashMismatch(item, requested.body, [...granted.values()]);
  if (mismatch !== null) {
    const error: StatementError = { code: 'ERR_SQL_HASH_MISMATCH', message: mismatch };
    await appendRecord(deps, { sessionId: item.sessionId, requestId, type: 'query.failed', actor: { kind: 'system' }, body: { sqlHash: item.sqlHash, error } });
    const outcome: QueryOutcome = { kind: 'failed', body: { ...base, status: 'failed', error } };
    await deps.requests.transition(requestId, ['running'], { status: 'failed', httpStatus: 422, response: outcome });
    return outcome;
  }

  const outcome = await executeQuery(deps, {
    sessionId: item.sessionId,
    requestId,
    seq: item.requestedSeq,
    sqlHash: item.sqlHash,
    sql: item.sql,
    classification: classify(item.sql),
    base,
  });
  await deps.requests.transition(requestId, ['running'], finalState(outcome, httpStatusOfOutcome(outcome)));
  return outcome;
}

/** Why the stored SQL may not run, or null: it must hash to the requested hash, and every approval must name that hash. */
function hashMismatch(item: RequestItem, requested: Record<string, unknown>, approvals: Record<string, unknown>[]): string | null {
  if (hashSql(item.sql) !== item.sqlHash) return 'the stored SQL does not match its recorded hash';
  if (requested['sqlHash'] !== item.sqlHash || requested['sql'] !== item.sql) return 'the stored SQL is not the SQL that was requested';
  if (approvals.length < item.approvalsRequired) return `the chain holds ${approvals.length} approvals; ${item.approvalsRequired} are required`;
  if (approvals.some((a) => a['sqlHash'] !== item.sqlHash)) return 'an approval names another SQL hash';
  return null;
}
