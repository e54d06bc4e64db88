/**
 * One line of `findings.jsonl`. `flagged` kinds make `airlock reconcile` exit 1:
 * - `unrecorded_query`: the service user ran it and no record accounts for it (no Airlock tag, a
 *   tag naming no record, a second run of a recorded request, a housekeeping tag on other text);
 * - `sql_mismatch`: its tag names a record whose SQL hash differs from the query text's hash;
 * - `missing_in_history`: a record says the query ran with an id Snowflake does not know.
 * Not flagged:
 * - `outcome_resolved`: an `outcome_unknown` request whose query Snowflake shows finished; a
 *   `query.reconciled` record now holds Snowflake's status, row count and end time;
 * - `outcome_unknown`: still unknown (no query of it in the history read, or still running).
 */
export type ReconcileFindingKind = 'unrecorded_query' | 'sql_mismatch' | 'missing_in_history' | 'outcome_resolved' | 'outcome_unknown';

export const FLAGGED_KINDS: readonly ReconcileFindingKind[] = ['unrecorded_query', 'sql_mismatch', 'missing_in_history'];

/** Snowflake's side of a finding: never the query text (it may quote data), only its hash and length. */
export interface HistoryEvidence {
  queryId: string;
  userName: string;
  status: string;
  startTime: string;
  endTime: string;
  rowsProduced: number | null;
  /** Hex SHA-256 of QUERY_TEXT's UTF-8 bytes, comparable with a record's `sqlHash`. */
  textHash: string;
  textLength: number;
  /** QUERY_TAG as stored (at most 1,000 characters). */
  queryTag: string;
}

/** The records' side of a finding. */
export interface RecordEvidence {
  sessionId: string;
  requestId: string;
  /** seq of the request's `query.requested`. */
  seq: number | null;
  sqlHash: string | null;
  /** The record that names the query (or the one appended by reconcile). */
  recordType?: string;
  recordSeq?: number;
  queryId?: string;
  at?: string;
}

export interface ReconcileFinding {
  kind: ReconcileFindingKind;
  flagged: boolean;
  /** A stable sub-reason, e.g. `no_airlock_tag`, `tag_names_no_record`, `second_run`. */
  reason: string;
  message: string;
  history?: HistoryEvidence;
  record?: RecordEvidence;
}
