import { AirlockError, isAirlockError } from '../errors.js';
import type { MaskingConfig } from '../masking/types.js';
import type { ExecuteInput, PreparedStatement, Warehouse, WarehouseResult } from '../ports/warehouse.js';
import { maskResult } from '../masking/mask-result.js';
import type { classify } from '../sql/classify.js';
import { appendRecord, type AppendRecordDeps } from './append-record.js';
import { analyzeInference, referencesSensitiveColumn } from './references-sensitive-column.js';
import { scrubWarehouseMessage } from './scrub-warehouse-message.js';
import { capRowsByBytes, rowObjects } from './result-shape.js';
import type { QueryFailedBody, StatementError } from '../records/record-body.js';
import type { OutcomeBase, QueryOutcome } from '../ports/query-outcome.js';
import type { SubmitQueryDeps } from './submit-query.js';

/** What running one statement needs: the warehouse, the limits and masking, and the chain to record in. */
export type ExecuteQueryDeps = AppendRecordDeps & Pick<SubmitQueryDeps, 'warehouse' | 'policy' | 'masking' | 'catalog'>;

/** A warehouse message may quote data: it is rebuilt from an allow-list of words, then the content detectors run. */
function scrubMessage(masking: MaskingConfig, warehouse: Warehouse['name'], code: string, message: string, sql: string): string {
  const scrubbed = scrubWarehouseMessage(code, message, sql, warehouse);
  const cell = maskResult({ columns: [{ name: 'message', type: 'VARCHAR' }], rows: [[scrubbed]], lineage: null, touchesSensitive: false, objects: [] }, masking);
  return String(cell.rows[0]?.[0] ?? '');
}

export interface ExecuteQueryArgs {
  sessionId: string;
  requestId: string;
  seq: number;
  sqlHash: string;
  sql: string;
  classification: ReturnType<typeof classify>;
  base: OutcomeBase;
  /** False on the direct path: a multi-statement text is sent with its statement count only after approval. */
  viaApproval?: boolean;
  /** Who it runs for (the warehouse's fair slots); absent for internal callers. */
  owner?: string;
  /** The identity's own limits (limits.perIdentity); absent: the policy's global limits. */
  limits?: { maxRows: number; timeoutMs: number };
  /** The statement, prepared while the write-ahead record was written (`prepareAhead`); absent: executed here. */
  prepared?: PreparedAhead;
}

/** What the warehouse is asked to run, but the query tag (it names the write-ahead record's seq). */
function executeInput(deps: ExecuteQueryDeps, a: Omit<ExecuteQueryArgs, 'seq' | 'prepared'>): Omit<ExecuteInput, 'queryTag'> {
  const limits = deps.policy.limits;
  const statements = a.classification.statements.length;
  return {
    sql: a.sql,
    maxRows: a.limits?.maxRows ?? limits.maxRows,
    maxBytes: limits.maxBytes,
    timeoutMs: a.limits?.timeoutMs ?? limits.statementTimeoutSeconds * 1000,
    ...(statements > 1 && a.viaApproval !== false ? { statementCount: statements } : {}),
    ...(a.owner === undefined ? {} : { owner: a.owner }),
  };
}

/** A statement being prepared ahead of its write-ahead record; it never rejects (a failure is kept for the run to report). */
export type PreparedAhead = Promise<{ ok: true; statement: PreparedStatement } | { ok: false; error: unknown }>;

/**
 * Starts preparing the statement (slot, connection, parse and bind) while the caller writes the
 * write-ahead record, on a warehouse that can (`Warehouse.prepare`); `undefined` on one that cannot.
 * Nothing runs until `executeQuery` is given it after the record landed; a caller whose record did not
 * land must `discardPrepared` it. A failure to prepare (a parse error, a busy warehouse) is not
 * reported here: the run reports it and records it as the outcome, after the write-ahead, as before.
 *
 * @example
 * const prepared = prepareAhead(deps, args);
 * await appendRecord(deps, requested); // on failure: discardPrepared(prepared)
 * await executeQuery(deps, { ...args, seq, prepared });
 */
export function prepareAhead(deps: ExecuteQueryDeps, a: Omit<ExecuteQueryArgs, 'seq' | 'prepared'>): PreparedAhead | undefined {
  const prepare = deps.warehouse.prepare?.bind(deps.warehouse);
  if (prepare === undefined) return undefined;
  let started: Promise<PreparedStatement>;
  try {
    started = prepare(executeInput(deps, a));
  } catch (e) {
    // Even a warehouse that throws at once is answered after the write-ahead, as a failed run.
    started = Promise.reject(e);
  }
  return started.then(
    (statement) => ({ ok: true as const, statement }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** Frees a statement prepared ahead whose write-ahead record did not land: nothing of it runs. */
export function discardPrepared(prepared: PreparedAhead | undefined): void {
  void prepared?.then((p) => {
    if (p.ok) p.statement.discard();
  });
}

async function runPrepared(prepared: Awaited<PreparedAhead>, queryTag: string): Promise<WarehouseResult> {
  if (!prepared.ok) throw prepared.error;
  return prepared.statement.run(queryTag);
}

/** Records `query.failed` for a statement that failed or whose result cannot be returned, with its message scrubbed. */
async function recordFailure(deps: ExecuteQueryDeps, a: ExecuteQueryArgs, e: AirlockError): Promise<QueryOutcome> {
  const error: StatementError = { code: e.code, message: scrubMessage(deps.masking, deps.warehouse.name, e.code, e.message, a.sql) };
  const sqlState = e.details?.['sqlState'];
  if (typeof sqlState === 'string') error.sqlState = sqlState;
  const retryAfter = e.details?.['retryAfterSeconds'];
  if (typeof retryAfter === 'number') error.retryAfterSeconds = retryAfter;
  const queryId = e.details?.['queryId'];
  const failedBody: QueryFailedBody = { sqlHash: a.sqlHash, error };
  if (typeof queryId === 'string') {
    failedBody.queryId = queryId;
    error.queryId = queryId;
  }
  await appendRecord(deps, { sessionId: a.sessionId, requestId: a.requestId, type: 'query.failed', actor: { kind: 'system' }, body: failedBody });
  return { kind: e.code === 'ERR_WAREHOUSE_TIMEOUT' ? 'timeout' : 'failed', body: { ...a.base, status: 'failed', error } };
}

// Errors from the warehouse call that end the request as `query.failed` (422, 503 or 504) rather than a 500.
const WAREHOUSE_FAILURES = new Set<string>(['ERR_WAREHOUSE', 'ERR_WAREHOUSE_TIMEOUT', 'ERR_WAREHOUSE_LOGIN', 'ERR_WAREHOUSE_UNAVAILABLE', 'ERR_RESULT_TOO_LARGE', 'ERR_SQL_AMBIGUOUS', 'ERR_WAREHOUSE_BUSY']);

/**
 * Runs the statement, masks, and records the outcome (`query.executed` or `query.failed`).
 * Shared by the direct path (`submitQuery`) and the approval workflow (`executeApproved`).
 *
 * @example
 * const outcome = await executeQuery(deps, { sessionId, requestId, seq, sqlHash, sql, classification: classify(sql), base });
 */
export async function executeQuery(deps: ExecuteQueryDeps, a: ExecuteQueryArgs): Promise<QueryOutcome> {
  const queryTag = JSON.stringify({ airlock: { sessionId: a.sessionId, seq: a.seq, requestId: a.requestId, sqlHash: a.sqlHash } });
  const limits = deps.policy.limits;
  let result;
  try {
    result = a.prepared === undefined ? await deps.warehouse.execute({ ...executeInput(deps, a), queryTag }) : await runPrepared(await a.prepared, queryTag);
  } catch (e) {
    if (!isAirlockError(e) || !WAREHOUSE_FAILURES.has(e.code)) throw e;
    return recordFailure(deps, a, e);
  }

  const statement = a.classification.statements[0];
  const inference = await analyzeInference(a.sql, a.classification, deps.masking.columns, deps.catalog);
  let masked;
  let capped;
  try {
    masked = maskResult(
      {
        columns: result.columns,
        rows: result.rows,
        lineage: a.classification.statements.length === 1 && statement ? statement.columns : null,
        touchesSensitive: referencesSensitiveColumn(a.sql, deps.masking.columns) || (deps.catalog !== undefined && inference.touchesSensitive),
        objects: a.classification.statements.flatMap((s) => s.objects),
        opaque: inference.opaque.length > 0,
      },
      deps.masking,
    );
    capped = capRowsByBytes(rowObjects(result.columns, masked.rows), limits.maxBytes);
  } catch (e) {
    // A warehouse that does not bound its rows (or a cell that grows when serialised) can exceed what a string holds.
    if (!(e instanceof RangeError)) throw e;
    return recordFailure(deps, a, new AirlockError('ERR_RESULT_TOO_LARGE', `the result is too large to return; the limit is ${limits.maxBytes} bytes`, { details: { queryId: result.queryId } }));
  }
  const shown = {
    columns: result.columns,
    rows: capped.rows,
    rowCount: capped.rows.length,
    truncated: result.truncated || capped.truncated,
    masked: masked.masked,
  };
  // A multi-statement text: every statement's query id, so QUERY_HISTORY finds each one.
  const queryIds = result.queryIds === undefined ? {} : { queryIds: result.queryIds };
  const executed = await appendRecord(deps, {
    sessionId: a.sessionId,
    requestId: a.requestId,
    type: 'query.executed',
    actor: { kind: 'system' },
    body: { sqlHash: a.sqlHash, warehouse: deps.warehouse.name, queryId: result.queryId, ...queryIds, queryTag, durationMs: result.durationMs, ...shown },
  });
  return {
    kind: 'executed',
    body: { ...a.base, status: 'executed', ...shown, queryId: result.queryId, ...queryIds, record: { seq: executed.record.seq, hash: executed.record.hash } },
  };
}
