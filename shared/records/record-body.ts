import type { AirlockErrorCode } from '../errors.js';
import type { MaskedColumnReport } from '../masking/types.js';
import type { ObjectRef, Reason, Risk } from '../sql/types.js';
import type { RecordType } from './types.js';

/**
 * The `body` of each record type, exactly as docs/interfaces.md ("body by type") and
 * docs/record-format.md section 2 list them: the compiler holds every record Airlock writes to
 * the documents. Verification never depends on a body, so a record read back (`SessionRecord`)
 * keeps `Record<string, unknown>` until something checks it.
 */
export type QueryRequestedBody = {
  prompt: string;
  sql: string;
  /** Hex SHA-256 of the UTF-8 bytes of `sql` exactly as submitted. */
  sqlHash: string;
  risk: Risk;
  decision: { outcome: 'allow' | 'approval' | 'deny' | 'invalid'; approvalsRequired: number };
  reasons: Reason[];
  objects: ObjectRef[];
};

export type QueryDeniedBody = {
  sqlHash: string;
  reasons: Reason[];
};

export type ApprovalRequestedBody = {
  sqlHash: string;
  approvalsRequired: number;
  /** Slack user ids of who may approve. */
  approvers: string[];
  expiresAt: string;
};

/** `approval.granted` and `approval.rejected` (the actor is the approver). */
export type ApprovalVoteBody = {
  sqlHash: string;
  votesFor: number;
  approvalsRequired: number;
  /** The vote's place among the counted votes. */
  position?: number;
  reason?: string;
};

/** A click that did not count, and why (it ends nothing). */
export type ApprovalRefusedBody = {
  code: string;
  message: string;
  vote: string;
  sqlHash: string;
  status: string | null;
  clickedSqlHash?: string;
  suppressedBefore?: number;
};

export type ApprovalExpiredBody = {
  sqlHash: string;
};

export type QueryExecutedBody = {
  sqlHash: string;
  warehouse: 'duckdb' | 'snowflake';
  queryId: string;
  queryTag: string;
  durationMs: number;
  columns: Array<{ name: string; type: string }>;
  /** The masked rows exactly as the agent saw them. */
  rows: Array<Record<string, unknown>>;
  rowCount: number;
  truncated: boolean;
  masked: MaskedColumnReport[];
  /** Every statement's id, for an approved multi-statement text. */
  queryIds?: string[];
};

/** The error of a failed statement, in `query.failed` records and in the agent's 422/503/504 answer. */
export type StatementError = {
  code: AirlockErrorCode;
  sqlState?: string;
  message: string;
  queryId?: string;
  /** A busy warehouse (503): when to try again. */
  retryAfterSeconds?: number;
};

export type QueryFailedBody = {
  sqlHash: string;
  queryId?: string;
  error: StatementError;
};

/**
 * `key.certified`: a root key's certificate for a process's in-memory signing key (docs/record-format.md
 * section 6a). Only in the `system/keys` chain, signed by the root key it names in `certifiedBy`.
 */
export type KeyCertifiedBody = {
  /** Hex SHA-256 of `spki`'s DER bytes: the id records signed with this key carry in `sig.keyId`. */
  keyId: string;
  /** base64 SPKI DER of the certified P-256 public key. */
  spki: string;
  /** Key id of the root key that signs this record. */
  certifiedBy: string;
  /** The window (ISO 8601 UTC, ms) in which records signed by the key may lie; at most one hour. */
  notBefore: string;
  notAfter: string;
  /** The function (process) the key belongs to: it may sign only that function's record types. */
  function: string;
};

/** Refused over a per-identity quota (429 `ERR_RATE_LIMITED`) before anything was requested or run. */
export type QueryThrottledBody = {
  /** The refused statement's hash; absent for a refused read (a GET carries no SQL). */
  sqlHash?: string;
  risk: string;
  limit: string;
  retryAfterSeconds: number;
  /** Absent for POST /v1/queries; otherwise the method and route refused ("GET /v1/sessions/{sessionId}", "POST /v1/explain"). */
  route?: string;
};

/**
 * `query.reconciled`: written by `airlock reconcile` for a request left `outcome_unknown` whose
 * query Snowflake's QUERY_HISTORY shows (matched by its QUERY_TAG and the SQL text's hash).
 * Snowflake's status, row count and end time, as Snowflake reports them; no rows.
 */
export type QueryReconciledBody = {
  sqlHash: string;
  queryId: string;
  /** Snowflake's EXECUTION_STATUS, e.g. SUCCESS, FAILED_WITH_ERROR, FAILED_WITH_INCIDENT. */
  status: string;
  /** ROWS_PRODUCED. */
  rowCount: number | null;
  /** END_TIME, ISO 8601 UTC. */
  endTime: string;
  /** Snowflake's ERROR_CODE when the query failed (never its message, which may quote data). */
  errorCode?: string;
  /** Which history Snowflake answered from. */
  source: 'INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER' | 'SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY';
};

/**
 * `reconcile.finding`: one finding of the scheduled reconcile (functions/reconcile-warehouse.ts),
 * appended once to the `system/reconcile` chain; its `requestId` is the finding's id (`rf_` and 32
 * hex chars of a SHA-256 over what identifies it), so a later run over an overlapping window finds
 * it there and appends nothing. Snowflake's side carries the text's hash and length, never the text.
 * The evidence is nested: no top-level `queryId`, so it never reads as a query a record ran.
 */
export type ReconcileFindingBody = {
  kind: 'unrecorded_query' | 'sql_mismatch' | 'missing_in_history' | 'outcome_resolved' | 'outcome_unknown';
  flagged: boolean;
  reason: string;
  message: string;
  /** The reconcile window the finding came from (ISO 8601 UTC). */
  window: { from: string; to: string };
  history?: Record<string, unknown>;
  record?: Record<string, unknown>;
};

/** Record type → its body. (Type aliases, not interfaces, so a body is also a `Record<string, unknown>`.) */
export type RecordBodies = {
  'query.requested': QueryRequestedBody;
  'query.denied': QueryDeniedBody;
  'approval.requested': ApprovalRequestedBody;
  'approval.granted': ApprovalVoteBody;
  'approval.rejected': ApprovalVoteBody;
  'approval.expired': ApprovalExpiredBody;
  'query.executed': QueryExecutedBody;
  'query.failed': QueryFailedBody;
  'key.certified': KeyCertifiedBody;
  'query.throttled': QueryThrottledBody;
  'approval.refused': ApprovalRefusedBody;
  'query.reconciled': QueryReconciledBody;
  'reconcile.finding': ReconcileFindingBody;
};

/** `{ type, body }` pairs, discriminated by `type`: a body of the wrong shape for its type does not compile. */
export type TypedBody = { [T in RecordType]: { type: T; body: RecordBodies[T] } }[RecordType];
