import { AirlockError } from '../../errors.js';
import type { Warehouse } from '../../ports/warehouse.js';
import { housekeepingTag } from '../../reconcile/housekeeping.js';
import type { HistoryQuery, HistorySourceName, QueryHistorySource } from '../../reconcile/query-history.js';

/** INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER returns at most this many rows per call (Snowflake's documented maximum RESULT_LIMIT). */
export const HISTORY_PAGE_LIMIT = 10_000;
/** The table function covers the last 7 days; older windows read ACCOUNT_USAGE. */
const INFORMATION_SCHEMA_DAYS = 7;
/** SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY lags by up to 45 minutes (Snowflake's documented latency). */
export const ACCOUNT_USAGE_LATENCY_MS = 45 * 60_000;

const COLUMNS =
  'SELECT QUERY_ID, QUERY_TEXT, QUERY_TAG, USER_NAME, EXECUTION_STATUS, ERROR_CODE, ' +
  `TO_VARCHAR(CONVERT_TIMEZONE('UTC', START_TIME), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS START_TIME, ` +
  `TO_VARCHAR(CONVERT_TIMEZONE('UTC', END_TIME), 'YYYY-MM-DD"T"HH24:MI:SS.FF3"Z"') AS END_TIME, ROWS_PRODUCED`;

/** A Snowflake user name as Airlock's config holds it; anything else never reaches SQL text. */
const USER_NAME = /^[A-Za-z0-9_$]{1,255}$/;

function literalInstant(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new AirlockError('ERR_VALIDATION', 'the reconcile window must be ISO 8601 instants');
  return new Date(t).toISOString();
}

/** The INFORMATION_SCHEMA read of one page (Snowflake keeps the most recent end times when more than RESULT_LIMIT match). */
export function historyByUserSql(user: string, from: string, to: string, limit = HISTORY_PAGE_LIMIT): string {
  return (
    `${COLUMNS} FROM TABLE(INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER(USER_NAME => '${user.toUpperCase()}', ` +
    `END_TIME_RANGE_START => TO_TIMESTAMP_LTZ('${literalInstant(from)}'), END_TIME_RANGE_END => TO_TIMESTAMP_LTZ('${literalInstant(to)}'), RESULT_LIMIT => ${limit})) ORDER BY END_TIME`
  );
}

/** The ACCOUNT_USAGE read (365 days, no row limit, up to 45 minutes behind). */
export function accountUsageSql(user: string, from: string, to: string): string {
  return (
    `${COLUMNS} FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY WHERE USER_NAME = '${user.toUpperCase()}' ` +
    `AND END_TIME BETWEEN TO_TIMESTAMP_LTZ('${literalInstant(from)}') AND TO_TIMESTAMP_LTZ('${literalInstant(to)}') ORDER BY END_TIME`
  );
}

function rowOf(row: unknown[]): HistoryQuery {
  const [queryId, queryText, queryTag, userName, status, errorCode, startTime, endTime, rows] = row;
  const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  const n = rows === null || rows === undefined ? null : Number(rows);
  return {
    queryId: str(queryId),
    queryText: str(queryText),
    queryTag: str(queryTag),
    userName: str(userName),
    status: str(status),
    errorCode: errorCode === null || errorCode === undefined ? null : String(errorCode),
    startTime: str(startTime),
    endTime: str(endTime),
    rowsProduced: n === null || Number.isNaN(n) ? null : n,
  };
}

export interface SnowflakeQueryHistoryOptions {
  now?: () => Date;
  /** Rows per INFORMATION_SCHEMA call (Snowflake allows 1 to 10,000); smaller in tests to exercise paging. */
  pageLimit?: number;
  timeoutMs?: number;
}

/**
 * The service user's query history, read through Airlock's own Snowflake connection and tagged
 * as housekeeping. Windows within the last 7 days read `INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER`,
 * paging backwards in end time: a page of exactly RESULT_LIMIT rows holds the most recent end
 * times, so the next call ends just after the page's earliest end time and the query ids seen are
 * dropped. Older windows read `SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY` (up to 45 minutes behind).
 *
 * Errors: the warehouse's (ERR_WAREHOUSE…), ERR_WAREHOUSE when a page cannot advance (more than
 * RESULT_LIMIT queries ending in the same millisecond).
 *
 * @example
 * const h = new SnowflakeQueryHistory(warehouse, 'AIRLOCK_SVC');
 * const { queries } = await h.queriesEndedBetween(from, to);
 */
export class SnowflakeQueryHistory implements QueryHistorySource {
  readonly user: string;
  constructor(
    private readonly warehouse: Warehouse,
    user: string,
    private readonly options: SnowflakeQueryHistoryOptions = {},
  ) {
    if (!USER_NAME.test(user)) throw new AirlockError('ERR_CONFIG', 'SNOWFLAKE_USER must be a plain identifier for reconcile');
    this.user = user.toUpperCase();
  }

  private async read(sql: string, maxRows: number): Promise<HistoryQuery[]> {
    const r = await this.warehouse.execute({ sql, queryTag: housekeepingTag('query_history'), maxRows, timeoutMs: this.options.timeoutMs ?? 120_000 });
    return r.rows.map(rowOf);
  }

  async queriesEndedBetween(from: string, to: string): Promise<{ queries: HistoryQuery[]; source: HistorySourceName; latencyNote?: string }> {
    const now = (this.options.now ?? (() => new Date()))().getTime();
    const fromMs = Date.parse(from);
    if (fromMs < now - INFORMATION_SCHEMA_DAYS * 86_400_000) {
      const queries = await this.read(accountUsageSql(this.user, from, to), Number.MAX_SAFE_INTEGER);
      const note =
        Date.parse(to) > now - ACCOUNT_USAGE_LATENCY_MS
          ? 'SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY lags by up to 45 minutes: queries of the last 45 minutes may be missing'
          : undefined;
      return { queries, source: 'SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY', ...(note === undefined ? {} : { latencyNote: note }) };
    }
    const limit = Math.max(1, Math.min(HISTORY_PAGE_LIMIT, this.options.pageLimit ?? HISTORY_PAGE_LIMIT));
    const seen = new Map<string, HistoryQuery>();
    let end = to;
    for (;;) {
      const page = await this.read(historyByUserSql(this.user, from, end, limit), limit + 1);
      for (const q of page) if (!seen.has(q.queryId)) seen.set(q.queryId, q);
      if (page.length < limit) break;
      // A full page: older queries may exist. End the next call 1 ms after the page's earliest end time
      // (so an inclusive or exclusive bound both return the rest of that millisecond), dropping ids seen.
      const earliest = Math.min(...page.map((q) => Date.parse(q.endTime)));
      const next = new Date(earliest + 1).toISOString();
      if (Number.isNaN(earliest) || next >= end) {
        throw new AirlockError('ERR_WAREHOUSE', `QUERY_HISTORY_BY_USER: more than ${limit} queries ended in one millisecond; the history cannot be paged`);
      }
      end = next;
    }
    const queries = [...seen.values()].sort((a, b) => (a.endTime < b.endTime ? -1 : a.endTime > b.endTime ? 1 : 0));
    return { queries, source: 'INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER' };
  }
}
