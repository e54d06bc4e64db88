import type { MaskedColumnReport } from '../masking/types.js';
import type { WarehouseColumn } from './warehouse.js';
import type { QueryReconciledBody, StatementError } from '../records/record-body.js';
import type { Reason, Risk } from '../sql/types.js';

/**
 * What the agent is answered for a query (POST /v1/queries, and `result` / `error` / `reasons` of
 * GET /v1/queries/{id}), one body per `kind`, exactly as docs/interfaces.md ("HTTP") lists them.
 * `kind` picks the HTTP status (executed 200, pending 202, denied 403, failed 422, timeout 504;
 * `httpStatusOfOutcome` in submit-query.ts). The body is the JSON sent on the wire.
 */

/** Fields every answer starts with. */
export interface OutcomeBase {
  requestId: string;
  sessionId: string;
  risk: Risk;
}

/** A record of the session's chain: where the evidence of an answer is. */
export interface RecordRef {
  seq: number;
  hash: string;
}

/** Snowflake's account of a request settled by reconcile (`query.reconciled`), beside its answer. */
export interface ReconciledInfo {
  status: string | null;
  endTime: string | null;
  source: QueryReconciledBody['source'] | null;
  record: RecordRef;
}

/** 200: the statement ran; masked rows, as recorded in `query.executed`. */
export interface ExecutedBody extends OutcomeBase {
  status: 'executed';
  columns: WarehouseColumn[];
  /** The masked rows exactly as the agent saw them (one object per row). */
  rows: Array<Record<string, unknown>>;
  rowCount: number;
  truncated: boolean;
  masked: MaskedColumnReport[];
  queryId: string;
  /** A multi-statement text (after approval): every statement's query id. */
  queryIds?: string[];
  /** The `query.executed` record. */
  record: RecordRef;
  reconciled?: never;
}

/** 200 for a request reconcile settled as run (SUCCESS in Snowflake's history): no rows, nobody saw any. */
export interface ReconciledExecutedBody extends OutcomeBase {
  status: 'executed';
  columns: [];
  /** Always empty; typed as rows so the stored form (`StoredExecutedBody`) is one shape for both. */
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
  truncated: false;
  masked: [];
  queryId?: string;
  queryIds?: never;
  record?: never;
  reconciled: ReconciledInfo;
}

/** 202: waiting for approval. */
export interface PendingBody extends OutcomeBase {
  status: 'pending_approval';
  reasons: Reason[];
  approvalsRequired: number;
  /** Who may approve, by Slack user id. */
  approvers: string[];
  expiresAt: string;
}

/** The error a denial carries: only a text the warehouse would lex differently (`ERR_SQL_AMBIGUOUS`, 400). */
export interface DeniedError {
  code: 'ERR_SQL_AMBIGUOUS';
  message: string;
}

/** 403 (400 when `error` is ERR_SQL_AMBIGUOUS): the policy refused it; nothing ran. */
export interface DeniedBody extends OutcomeBase {
  status: 'denied';
  reasons: Reason[];
  error?: DeniedError;
}

/**
 * 422 (503 when nothing ran: ERR_WAREHOUSE_LOGIN / ERR_WAREHOUSE_UNAVAILABLE): the statement failed,
 * or could not be run. `outcome_unknown`: whether it ran is not on record. `reconciled`: settled by reconcile.
 */
export interface FailedBody extends OutcomeBase {
  status: 'failed' | 'outcome_unknown';
  error: StatementError;
  reconciled?: ReconciledInfo;
}

/** 504: the statement timed out (ERR_WAREHOUSE_TIMEOUT). */
export interface TimeoutBody extends OutcomeBase {
  status: 'failed';
  error: StatementError;
}

export interface ExecutedOutcome {
  kind: 'executed';
  body: ExecutedBody | ReconciledExecutedBody;
}
export interface PendingOutcome {
  kind: 'pending';
  body: PendingBody;
}
export interface DeniedOutcome {
  kind: 'denied';
  body: DeniedBody;
}
export interface FailedOutcome {
  kind: 'failed';
  body: FailedBody;
}
export interface TimeoutOutcome {
  kind: 'timeout';
  body: TimeoutBody;
}

/** What the agent is answered; `kind` is the discriminant and picks the HTTP status. */
export type QueryOutcome = ExecutedOutcome | PendingOutcome | DeniedOutcome | FailedOutcome | TimeoutOutcome;
export type OutcomeKind = QueryOutcome['kind'];
export type OutcomeBody = QueryOutcome['body'];

/** `Omit` over each member of a union (the built-in one merges the union first). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * An executed answer as the request item keeps it: without its rows (they are in the
 * `query.executed` record its `record` names; `loadOutcome` puts them back).
 */
export type StoredExecutedBody = OmitEach<ExecutedOutcome['body'], 'rows'> & { rowsInRecord: true };
export interface StoredExecutedOutcome {
  kind: 'executed';
  body: StoredExecutedBody;
}

/** `RequestItem.response`: any answer as given, or an executed one without its rows (`toStoredOutcome`). */
export type StoredOutcome = QueryOutcome | StoredExecutedOutcome;

/** The error an answer carries, if any (denied, failed, timeout). */
export function outcomeError(o: QueryOutcome | StoredOutcome): StatementError | undefined {
  return 'error' in o.body ? o.body.error : undefined;
}

const STATUSES_BY_KIND: Readonly<Record<OutcomeKind, readonly string[]>> = {
  executed: ['executed'],
  pending: ['pending_approval'],
  denied: ['denied'],
  failed: ['failed', 'outcome_unknown'],
  timeout: ['failed'],
};

function isOutcomeKind(v: unknown): v is OutcomeKind {
  return typeof v === 'string' && Object.hasOwn(STATUSES_BY_KIND, v);
}

/**
 * The one place a stored answer read back from outside (a request item's JSON) becomes a
 * `StoredOutcome`: its `kind` must be one of the five and its body an object whose `status` is one
 * that kind answers with. Anything else is undefined (no stored answer): it is never served as one.
 * Only the discriminant is checked; the rest of the body is what Airlock itself wrote.
 */
export function parseStoredOutcome(v: unknown): StoredOutcome | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const { kind, body } = v as { kind?: unknown; body?: unknown };
  if (!isOutcomeKind(kind) || typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const status = (body as { status?: unknown }).status;
  if (typeof status !== 'string' || !STATUSES_BY_KIND[kind].includes(status)) return undefined;
  return v as StoredOutcome;
}
