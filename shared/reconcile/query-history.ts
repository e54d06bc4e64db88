/**
 * One query as Snowflake's own history shows it (INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER or
 * SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY): the warehouse's side of what ran.
 */
export interface HistoryQuery {
  queryId: string;
  queryText: string;
  /** QUERY_TAG as Snowflake stored it ('' when none). */
  queryTag: string;
  userName: string;
  /** EXECUTION_STATUS: SUCCESS, FAILED_WITH_ERROR, FAILED_WITH_INCIDENT, RUNNING, QUEUED, … */
  status: string;
  errorCode: string | null;
  /** ISO 8601 UTC. */
  startTime: string;
  endTime: string;
  rowsProduced: number | null;
}

export type HistorySourceName = 'INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER' | 'SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY';

/**
 * Reads the service user's queries whose end time lies in [from, to] (ISO instants).
 *
 * @example
 * const { queries, source } = await history.queriesEndedBetween('2026-12-07T00:00:00Z', '2026-12-07T12:00:00Z');
 */
export interface QueryHistorySource {
  /** The Snowflake user whose queries are read (Airlock's service user). */
  readonly user: string;
  queriesEndedBetween(from: string, to: string): Promise<{ queries: HistoryQuery[]; source: HistorySourceName; latencyNote?: string }>;
}
