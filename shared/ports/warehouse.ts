/**
 * Runs one statement on the warehouse and returns raw (unmasked) rows. Only the
 * masking step sees this result.
 *
 * @example
 * const r = await warehouse.execute({ sql: 'SELECT 1 AS X', queryTag, maxRows: 1000, timeoutMs: 20_000 });
 */
export interface WarehouseColumn {
  name: string;
  /** The warehouse's own type name, e.g. 'VARCHAR', 'NUMBER(38,0)', 'TIMESTAMP_TZ'. */
  type: string;
}

export interface WarehouseResult {
  queryId: string;
  columns: WarehouseColumn[];
  /** Row arrays in column order, values already JSON-safe (bigints as strings, dates as ISO). */
  rows: unknown[][];
  /** True when more rows existed than `maxRows` (the rest were not fetched). */
  truncated: boolean;
  durationMs: number;
  /** Set for a multi-statement text: every statement's query id, in order (`queryId` is the last one's). */
  queryIds?: string[];
}

export interface ExecuteInput {
  sql: string;
  /** JSON text; Snowflake gets it as the statement's QUERY_TAG. */
  queryTag: string;
  maxRows: number;
  /**
   * The result's byte budget (the policy's limits.maxBytes). A warehouse that knows it stops
   * reading rows once past it, and refuses a single row larger than it (ERR_RESULT_TOO_LARGE)
   * before building its values.
   */
  maxBytes?: number;
  timeoutMs: number;
  /**
   * The exact number of statements in `sql`, for a multi-statement text that was approved as
   * such (Snowflake's MULTI_STATEMENT_COUNT); absent means exactly one. The last statement's rows come back.
   */
  statementCount?: number;
  /**
   * Who the statement runs for (the identity key). The local warehouse shares its slots fairly
   * between owners; absent means an internal caller with no per-owner share.
   */
  owner?: string;
}

/** A statement `prepare`d and not run: run it once, or discard it. */
export interface PreparedStatement {
  /** Runs the statement, with its query tag; throws as `execute` does. Frees the slot and connection when it settles. */
  run(queryTag: string): Promise<WarehouseResult>;
  /** Frees the slot and connection without running anything; a no-op once run or discarded. */
  discard(): void;
}

export interface Warehouse {
  readonly name: 'duckdb' | 'snowflake';
  /** Throws WarehouseError on a refused or failed statement. */
  execute(input: ExecuteInput): Promise<WarehouseResult>;
  /**
   * Optional: takes what the statement needs before it runs (a slot, a connection, the text checks,
   * parsing and binding) and runs nothing. The direct read path prepares while its write-ahead record
   * is written and runs the statement only once that record landed (issue 17); a warehouse without it
   * is simply `execute`d after the record. Throws as `execute` would for what it checks.
   */
  prepare?(input: Omit<ExecuteInput, 'queryTag'>): Promise<PreparedStatement>;
  close(): Promise<void>;
}
