import type { WireColumn, WireRow } from './fake-snowflake-wire.js';

/** One query as the fake Snowflake ran it: what QUERY_HISTORY would show. */
export interface HistoryEntry {
  queryId: string;
  queryText: string;
  /** The statement's QUERY_TAG parameter ('' when none, as Snowflake shows it). */
  queryTag: string;
  userName: string;
  /** SUCCESS, FAILED_WITH_ERROR, RUNNING. */
  executionStatus: string;
  errorCode: string | null;
  startTime: Date;
  endTime: Date | null;
  rowsProduced: number | null;
}

/** The columns the history table functions answer with, in the order reconcile selects them. */
const COLUMNS = ['QUERY_ID', 'QUERY_TEXT', 'QUERY_TAG', 'USER_NAME', 'EXECUTION_STATUS', 'ERROR_CODE', 'START_TIME', 'END_TIME', 'ROWS_PRODUCED'];

const text = (name: string): WireColumn => ({ name, type: 'text', scale: null, precision: null, length: 16_777_216, nullable: true, byteLength: 16_777_216 });
const fixed = (name: string): WireColumn => ({ name, type: 'fixed', scale: 0, precision: 38, length: null, nullable: true, byteLength: null });

/** Snowflake's documented upper bound for RESULT_LIMIT (default 100). */
const MAX_RESULT_LIMIT = 10_000;

function argument(sql: string, name: string): string | undefined {
  // NAME => 'text' | TO_TIMESTAMP_LTZ('text') | number
  const m = new RegExp(`${name}\\s*=>\\s*(?:TO_TIMESTAMP_LTZ\\(\\s*'([^']*)'\\s*\\)|'([^']*)'|(\\d+))`, 'i').exec(sql);
  return m === null ? undefined : (m[1] ?? m[2] ?? m[3]);
}

function iso(d: Date | null): string | null {
  return d === null ? null : d.toISOString();
}

/**
 * The server-side query history of the fake Snowflake: every query-request it executes is kept
 * (id, text, tag, user, status, start/end time, rows), and a
 * `TABLE(INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER(USER_NAME => …, END_TIME_RANGE_START => …,
 * END_TIME_RANGE_END => …, RESULT_LIMIT => …))` read is answered from it as Snowflake does: only
 * that user's finished queries whose end time lies in the range, at most RESULT_LIMIT (default
 * 100, at most 10,000) of them, the most recent end times kept when more match. The range is
 * inclusive at both ends here; reconcile pages so that either reading works.
 * `SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY` with `END_TIME BETWEEN …` is answered the same way, unlimited.
 *
 * @example
 * const h = fakeQueryHistory(); h.begin({...}); h.finish(id, { status: 'SUCCESS', rows: 3 });
 */
export function fakeQueryHistory(now: () => Date = () => new Date()) {
  const entries: HistoryEntry[] = [];
  const readsOf: string[] = [];

  function columnValues(e: HistoryEntry): WireRow {
    return [e.queryId, e.queryText, e.queryTag, e.userName, e.executionStatus, e.errorCode, iso(e.startTime), iso(e.endTime), e.rowsProduced === null ? null : String(e.rowsProduced)] as WireRow;
  }

  function select(user: string | undefined, start: string | undefined, end: string | undefined): HistoryEntry[] {
    const from = start === undefined ? -Infinity : Date.parse(start);
    const to = end === undefined ? Infinity : Date.parse(end);
    return entries.filter(
      (e) => e.endTime !== null && (user === undefined || e.userName === user.toUpperCase()) && e.endTime.getTime() >= from && e.endTime.getTime() <= to,
    );
  }

  return {
    entries,
    /** The history reads answered so far (their SQL text). */
    reads: readsOf,
    /** A query-request arrived and starts running. */
    begin(e: { queryId: string; queryText: string; queryTag: unknown; userName: string }): void {
      entries.push({
        queryId: e.queryId,
        queryText: e.queryText,
        queryTag: typeof e.queryTag === 'string' ? e.queryTag : '',
        userName: e.userName,
        executionStatus: 'RUNNING',
        errorCode: null,
        startTime: now(),
        endTime: null,
        rowsProduced: null,
      });
    },
    /** The query-request was answered: its status from the answer body. */
    finish(queryId: string, answer: unknown): void {
      const e = entries.find((x) => x.queryId === queryId);
      if (e === undefined || e.endTime !== null) return;
      const a = (answer ?? {}) as { success?: boolean; code?: string | null; data?: { total?: number } | null };
      e.endTime = now();
      if (e.endTime.getTime() < e.startTime.getTime()) e.endTime = new Date(e.startTime);
      if (a.success === true) {
        e.executionStatus = 'SUCCESS';
        e.rowsProduced = typeof a.data?.total === 'number' ? a.data.total : 0;
      } else {
        e.executionStatus = 'FAILED_WITH_ERROR';
        e.errorCode = a.code ?? null;
        e.rowsProduced = 0;
      }
    },
    /** Forgets one query (a record whose query id Snowflake does not know). */
    forget(queryId: string): void {
      const i = entries.findIndex((x) => x.queryId === queryId);
      if (i >= 0) entries.splice(i, 1);
    },
    /** A wire result for a history read, or undefined when `sql` is not one. */
    answer(sql: string): { rowtype: WireColumn[]; rowset: WireRow[] } | undefined {
      const rowtype = COLUMNS.map((c) => (c === 'ROWS_PRODUCED' ? fixed(c) : text(c)));
      if (/INFORMATION_SCHEMA\s*\.\s*QUERY_HISTORY_BY_USER\s*\(/i.test(sql)) {
        readsOf.push(sql);
        const limit = Math.min(MAX_RESULT_LIMIT, Math.max(1, Number(argument(sql, 'RESULT_LIMIT') ?? 100)));
        const matched = select(argument(sql, 'USER_NAME'), argument(sql, 'END_TIME_RANGE_START'), argument(sql, 'END_TIME_RANGE_END'));
        // More than the limit: the most recent end times are kept.
        const kept = [...matched].sort((a, b) => b.endTime!.getTime() - a.endTime!.getTime()).slice(0, limit);
        return { rowtype, rowset: kept.sort((a, b) => a.endTime!.getTime() - b.endTime!.getTime()).map(columnValues) };
      }
      if (/SNOWFLAKE\s*\.\s*ACCOUNT_USAGE\s*\.\s*QUERY_HISTORY\b/i.test(sql)) {
        readsOf.push(sql);
        const user = /USER_NAME\s*=\s*'([^']*)'/i.exec(sql)?.[1];
        const range = /END_TIME\s+BETWEEN\s+TO_TIMESTAMP_LTZ\('([^']*)'\)\s+AND\s+TO_TIMESTAMP_LTZ\('([^']*)'\)/i.exec(sql);
        const matched = select(user, range?.[1], range?.[2]);
        return { rowtype, rowset: [...matched].sort((a, b) => a.endTime!.getTime() - b.endTime!.getTime()).map(columnValues) };
      }
      return undefined;
    },
  };
}

export type FakeQueryHistory = ReturnType<typeof fakeQueryHistory>;
