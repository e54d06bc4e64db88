import { AirlockError } from '../errors.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RequestItem, RequestStore } from '../ports/request-store.js';
import type { QueryExecutedBody, StatementError } from '../records/record-body.js';
import type { SessionRecord } from '../records/types.js';
import { reconciledOutcome } from '../reconcile/settle-request.js';
import type { ExecutedBody, QueryOutcome, StoredExecutedOutcome, StoredOutcome } from '../ports/query-outcome.js';

/**
 * The answer kept on a request item. Rows are left out of it: the `query.executed` record already
 * holds exactly what the agent saw, and SQL (256 KiB) plus rows (256 KiB) would not fit one
 * 400 KB DynamoDB item. `loadOutcome` puts them back from the record. A reconciled answer holds no
 * rows (the agent never saw any), so it is kept whole.
 */
function toStoredOutcome(outcome: QueryOutcome): StoredOutcome {
  if (outcome.kind !== 'executed' || outcome.body.reconciled !== undefined) return outcome;
  const { rows: _rows, ...rest } = outcome.body;
  return { kind: outcome.kind, body: { ...rest, rowsInRecord: true } };
}

/**
 * A request item's final state for the answer it gave: `executed` or `failed`, the HTTP status it was
 * answered with, and the answer as kept (`toStoredOutcome`). Every writer of a final state uses it.
 *
 * @example
 * await requests.transition(id, ['running'], { ...finalState(outcome, httpStatusOfOutcome(outcome)), requestedSeq });
 */
export function finalState(outcome: QueryOutcome, httpStatus: number): Pick<RequestItem, 'status' | 'httpStatus' | 'response'> {
  return { status: outcome.kind === 'executed' ? 'executed' : 'failed', httpStatus, response: toStoredOutcome(outcome) };
}

/** An executed answer kept without its rows (`toStoredOutcome`). */
function rowsInRecord(o: StoredOutcome): o is StoredExecutedOutcome {
  return o.kind === 'executed' && 'rowsInRecord' in o.body && o.body.rowsInRecord === true;
}

export async function loadOutcome(records: RecordStore, item: RequestItem): Promise<QueryOutcome | null> {
  const stored = item.response;
  if (stored === undefined) return null;
  if (!rowsInRecord(stored)) return stored;
  const seq = stored.body.record?.seq;
  // Its records start at its write-ahead record (when known): the session's history before it is not read.
  const line = (await records.list(item.sessionId, item.requestedSeq > 0 ? item.requestedSeq : undefined)).find((l) => (JSON.parse(l) as { seq: number }).seq === seq);
  if (line === undefined) throw new AirlockError('ERR_RECORD_MISSING', `the result record of request ${item.requestId} is missing`);
  const { rowsInRecord: _flag, ...body } = stored.body;
  const rows = (JSON.parse(line) as { body: Pick<QueryExecutedBody, 'rows'> }).body.rows;
  return { kind: stored.kind, body: { ...body, rows } };
}

/**
 * The answer a direct read gave, rebuilt from its session's records: a `running` item whose chain
 * already holds its `query.executed` / `query.failed` finished, and only the item's final transition
 * (written off the critical path of the read) has not landed yet, or was lost with its process.
 * Null when the chain holds no outcome for the request. The body is what `executeQuery` answered.
 */
export function outcomeFromRecords(item: RequestItem, records: readonly SessionRecord[]): { outcome: QueryOutcome; requestedSeq: number | null } | null {
  const mine = records.filter((r) => r.requestId === item.requestId);
  const requestedSeq = mine.find((r) => r.type === 'query.requested')?.seq ?? null;
  const end = mine.find((r) => r.type === 'query.executed' || r.type === 'query.failed' || r.type === 'query.reconciled');
  if (end === undefined) return null;
  // Settled by reconcile (its process died first): Snowflake's account of how it ended, without rows.
  if (end.type === 'query.reconciled') return { outcome: reconciledOutcome(item, end), requestedSeq };
  const base = { requestId: item.requestId, sessionId: item.sessionId, risk: item.risk };
  const b = end.body;
  if (end.type === 'query.failed') {
    // A signed record of our own chain: its body is the `query.failed` body Airlock wrote (record-body.ts).
    const error = b['error'] as StatementError;
    return { outcome: { kind: error.code === 'ERR_WAREHOUSE_TIMEOUT' ? 'timeout' : 'failed', body: { ...base, status: 'failed', error } }, requestedSeq };
  }
  // Likewise the `query.executed` body (record-body.ts), read back as JSON.
  const e = b as QueryExecutedBody;
  const body: ExecutedBody = {
    ...base,
    status: 'executed',
    columns: e.columns,
    rows: e.rows,
    rowCount: e.rowCount,
    truncated: e.truncated,
    masked: e.masked,
    queryId: e.queryId,
    ...(e.queryIds === undefined ? {} : { queryIds: e.queryIds }),
    record: { seq: end.seq, hash: end.hash },
  };
  return { outcome: { kind: 'executed', body }, requestedSeq };
}

/**
 * A `running` direct read whose outcome is already on record (its own, or reconcile's `query.reconciled`): moves the item to that outcome (as
 * the read's own, unawaited, transition would have) and returns it as it is now. Any other item
 * is returned as given. Conditional on `running`, so it never overwrites a later state.
 *
 * @example
 * item = await completeFromRecords({ records, requests }, item, httpStatusOfOutcome);
 */
export async function completeFromRecords(
  deps: { records: RecordStore; requests: Pick<RequestStore, 'get' | 'transition'> },
  item: RequestItem,
  httpStatus: (o: QueryOutcome) => number,
): Promise<RequestItem> {
  if (item.status !== 'running' || item.approvalsRequired > 0) return item;
  const lines = await deps.records.list(item.sessionId, item.requestedSeq > 0 ? item.requestedSeq : undefined);
  const found = outcomeFromRecords(item, lines.map((l) => JSON.parse(l) as SessionRecord));
  if (found === null) return item;
  const { outcome, requestedSeq } = found;
  await deps.requests.transition(item.requestId, ['running'], { ...finalState(outcome, httpStatus(outcome)), ...(requestedSeq === null ? {} : { requestedSeq }) });
  return (await deps.requests.get(item.requestId)) ?? item;
}
