import type { RequestItem, RequestStore } from '../ports/request-store.js';
import type { QueryReconciledBody, StatementError } from '../records/record-body.js';
import type { SessionRecord } from '../records/types.js';
import type { QueryOutcome, ReconciledInfo } from '../ports/query-outcome.js';
import { httpStatusOfOutcome } from '../use-cases/submit-query.js';
import { finalState } from '../use-cases/stored-outcome.js';

/** Request states a `query.reconciled` record settles: nobody knew how it ended (or its process died before recovery said so). */
const SETTLEABLE: RequestItem['status'][] = ['outcome_unknown', 'running'];

/**
 * The answer a settled request gives (`GET /v1/queries/{id}`, an idempotent retry): Snowflake's
 * account from the `query.reconciled` record. No rows: nobody saw them, none were recorded.
 * SUCCESS → `executed` (200) with `rowCount`, `queryId` and `reconciled`; any other ended status →
 * `failed` (422) with `ERR_WAREHOUSE`, Snowflake's error code and the query id.
 */
export function reconciledOutcome(item: Pick<RequestItem, 'requestId' | 'sessionId' | 'risk'>, record: Pick<SessionRecord, 'seq' | 'hash' | 'body'>): QueryOutcome {
  const b = record.body as Partial<QueryReconciledBody>;
  const base = { requestId: item.requestId, sessionId: item.sessionId, risk: item.risk };
  const reconciled: ReconciledInfo = { status: b.status ?? null, endTime: b.endTime ?? null, source: b.source ?? null, record: { seq: record.seq, hash: record.hash } };
  if (b.status === 'SUCCESS') {
    return { kind: 'executed', body: { ...base, status: 'executed', columns: [], rows: [], rowCount: b.rowCount ?? null, truncated: false, masked: [], queryId: b.queryId, reconciled } };
  }
  const error: StatementError = {
    code: 'ERR_WAREHOUSE',
    message: `Snowflake reports query ${String(b.queryId)} ended ${String(b.status)}${b.errorCode === undefined ? '' : ` with error code ${b.errorCode}`} (settled by reconcile)`,
    ...(typeof b.queryId === 'string' ? { queryId: b.queryId } : {}),
  };
  return { kind: 'failed', body: { ...base, status: 'failed', error, reconciled } };
}

/**
 * Moves a request whose chain now ends with `query.reconciled` from `outcome_unknown` (or a
 * `running` its dead process left) to `executed` / `failed`, with the answer `reconciledOutcome`
 * builds, so `GET /v1/queries/{id}` says what Snowflake says. Conditional on those states: a
 * request in any other state, or unknown to the requests table, is left alone. Returns whether it moved.
 *
 * @example
 * await settleRequest(requests, reconciledRecord); // true the first time, false after
 */
export async function settleRequest(requests: Pick<RequestStore, 'get' | 'transition'>, record: SessionRecord): Promise<boolean> {
  if (record.type !== 'query.reconciled') return false;
  const item = await requests.get(record.requestId);
  if (item === null || item.sessionId !== record.sessionId || !SETTLEABLE.includes(item.status)) return false;
  const outcome = reconciledOutcome(item, record);
  // Stored whole (finalState keeps a reconciled answer so): it holds no rows, the agent never saw any.
  return requests.transition(item.requestId, SETTLEABLE, finalState(outcome, httpStatusOfOutcome(outcome)));
}
