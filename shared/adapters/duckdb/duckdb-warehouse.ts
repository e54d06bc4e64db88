import { DuckDBInstance, type DuckDBConnection, type DuckDBExtractedStatements, type DuckDBPreparedStatement, type DuckDBType } from '@duckdb/node-api';
import { newId } from '../../ids.js';
import { AirlockError } from '../../errors.js';
import type { ExecuteInput, PreparedStatement, Warehouse, WarehouseColumn, WarehouseResult } from '../../ports/warehouse.js';
import { duckdbLexicalAmbiguities } from './duckdb-lexical-guard.js';
import { rowBytes } from './duckdb-result-size.js';
import { DuckDbSlots, type DuckDbSlotsOptions, type SlotLease, type SlotsSnapshot } from './duckdb-slots.js';
import { assertAllowedText, assertAllowedType } from './duckdb-statement-guard.js';
import { snowflakeTypeName, toJsonSafe } from './duckdb-values.js';

/**
 * Fixed when the instance is created, so no statement ever runs before them: with the
 * configuration locked, nothing can turn external access (or any global option) back on.
 * They do not cover everything — see duckdb-statement-guard.ts for what they miss.
 */
export const DUCKDB_SANDBOX_OPTIONS: Readonly<Record<string, string>> = {
  enable_external_access: 'false',
  allow_community_extensions: 'false',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  lock_configuration: 'true',
};

export interface DuckDbWarehouseOptions {
  /** The database file, e.g. `<data dir>/warehouse.duckdb` (its catalog is then `warehouse`). */
  path: string;
  /** Statements running at once (default 3, below libuv's 4 threads); the rest wait in line. */
  maxConcurrency?: number;
  /** Fair-use options of the slot pool (per-owner cap, watchdog grace). */
  slots?: DuckDbSlotsOptions;
  /** A statement with less than this left of its timeout once it has a slot is refused (ERR_WAREHOUSE_BUSY). Default 250 ms. */
  minStartMs?: number;
  /**
   * DuckDB's threads per statement. Default 1: statements already run side by side (one per slot,
   * each on its own libuv thread), and the demo tables are small; with DuckDB's default (one per
   * core) its idle workers spin after each statement and take a core from the event loop. On this
   * 2-core machine a 20-row read cost 14.4 ms of CPU per request with 2 and 13.2 ms with 1 at
   * concurrency 1, 16.3 ms and 12.2 ms at 16 (tmp probe of the gateway bench, same requests).
   */
  threads?: number;
}

/**
 * The local stand-in for Snowflake: one sandboxed DuckDB instance (no file, network or
 * extension access; configuration locked), a fresh connection per statement so
 * concurrent executes never share session state, and Snowflake-like type names.
 *
 * Errors: ERR_WAREHOUSE (with `details.sqlState` where one is obvious, and
 * `details.errorType`, DuckDB's error class), ERR_WAREHOUSE_TIMEOUT, and ERR_WAREHOUSE_BUSY
 * (nothing ran: no slot in time, or too little time left once one was free).
 *
 * @example
 * await seedDemo('.airlock/warehouse.duckdb'); // local/seed, before opening
 * const warehouse = await DuckDbWarehouse.open({ path: '.airlock/warehouse.duckdb' });
 * const r = await warehouse.execute({ sql: 'SELECT count(*) AS n FROM customers', queryTag: '{}', maxRows: 1000, timeoutMs: 20_000 });
 * await warehouse.close();
 */
export class DuckDbWarehouse implements Warehouse {
  readonly name = 'duckdb' as const;
  private closed = false;
  private readonly running = new Set<DeadlineGuard>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly slots: DuckDbSlots,
    private readonly minStartMs: number,
  ) {}

  static async open(options: DuckDbWarehouseOptions): Promise<DuckDbWarehouse> {
    try {
      const slots = new DuckDbSlots(options.maxConcurrency ?? 3, options.slots);
      return new DuckDbWarehouse(await DuckDBInstance.create(options.path, { ...DUCKDB_SANDBOX_OPTIONS, threads: String(options.threads ?? 1) }), slots, options.minStartMs ?? MIN_START_MS);
    } catch (e) {
      throw new AirlockError('ERR_WAREHOUSE', `cannot open the DuckDB database: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }

  async execute(input: ExecuteInput): Promise<WarehouseResult> {
    const statement = await this.prepare(input);
    return statement.run(input.queryTag);
  }

  /**
   * Everything before the statement runs: a slot, a connection, the text checks, and DuckDB's parse and
   * bind of a single statement. Nothing is executed until `run`. The direct read path prepares while its
   * write-ahead record is being written (issue 17) and runs only once it landed; `discard` frees the
   * slot and connection when it did not. A multi-statement text (approved as such) is only checked and
   * split here: its earlier statements run, in order, in `run`.
   */
  async prepare(input: Omit<ExecuteInput, 'queryTag'>): Promise<PreparedStatement> {
    if (this.closed) throw new AirlockError('ERR_WAREHOUSE', 'the warehouse is closed');
    const queryId = `duckdb-${newId()}`;
    const started = performance.now();
    const deadline = Date.now() + input.timeoutMs;
    // Fair-use (issue 15): see "Deadlines and slots" at the end of this file.
    const lease = await this.slots.acquire(deadline, input.owner);
    if (!lease) throw busyError(input.timeoutMs, queryId, 'no warehouse slot became free in time');
    if (this.closed) {
      lease.release();
      throw new AirlockError('ERR_WAREHOUSE', 'the warehouse is closed');
    }
    // Checked after the slot and before the start: a statement with too little time left does not run at all.
    if (deadline - Date.now() < this.minStartMs) {
      lease.release();
      throw busyError(input.timeoutMs, queryId, 'too little of the statement timeout was left after waiting for a slot');
    }
    const connection = await this.instance.connect();
    const guard = armDeadline(connection, deadline, lease);
    this.running.add(guard);
    let prepared: DuckDBPreparedStatement | null = null;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      guard.disarm();
      this.running.delete(guard);
      prepared?.destroySync();
      connection.closeSync();
      lease.release();
    };
    let statements: DuckDBExtractedStatements;
    try {
      statements = await this.extract(connection, input);
      if (statements.count === 1) {
        prepared = await statements.prepare(0);
        assertAllowedType(prepared.statementType);
      }
    } catch (e) {
      release();
      throw guard.timedOut ? timeoutError(input.timeoutMs, queryId, e) : toWarehouseError(e, queryId);
    }
    const preparedMs = performance.now() - started;
    let ran = false;
    return {
      run: async () => {
        if (ran || released) throw new AirlockError('ERR_INTERNAL', 'a prepared statement runs once, and not after it was discarded');
        ran = true;
        const running = performance.now();
        try {
          // Its deadline passed while it waited to be run: it does not start (an interrupt sent before a
          // statement starts is cleared by the start, so the check is here, not left to the guard).
          if (guard.timedOut) throw new Error('interrupted');
          const multi = statements.count > 1;
          const earlierIds: string[] = [];
          // A multi-statement text's last statement is prepared once the earlier ones ran; `release` destroys it.
          prepared ??= await this.runEarlier(statements, () => guard.timedOut, earlierIds);
          const result = await this.read(prepared, input, () => guard.timedOut);
          if (guard.timedOut) throw new Error('interrupted');
          // The statement's own time: its preparation and its run, not the wait between them.
          const durationMs = Math.round(preparedMs + performance.now() - running);
          return { queryId, ...result, durationMs, ...(multi ? { queryIds: [...earlierIds, queryId] } : {}) };
        } catch (e) {
          if (guard.timedOut) throw timeoutError(input.timeoutMs, queryId, e);
          throw toWarehouseError(e, queryId);
        } finally {
          release();
        }
      },
      discard: release,
    };
  }

  /** Slots held and waiting now (tests, bench). */
  slotsSnapshot(): SlotsSnapshot {
    return this.slots.snapshot();
  }

  /** Interrupts every running statement, frees its slot, waits up to `graceMs` for them to stop, then closes. */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const g of this.running) g.interruptNow();
    this.slots.drain();
    const until = Date.now() + graceMs;
    while (this.running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    this.instance.closeSync();
  }

  /** The text checks and DuckDB's split into statements, exactly as many as approved. */
  private async extract(connection: DuckDBConnection, input: Omit<ExecuteInput, 'queryTag'>): Promise<DuckDBExtractedStatements> {
    if (input.sql.trim() === '') throw new AirlockError('ERR_WAREHOUSE', 'the statement is empty');
    assertAllowedText(input.sql);
    // The adapter's own floor under the use case's check: text DuckDB would lex otherwise never runs.
    const ambiguity = duckdbLexicalAmbiguities(input.sql)[0];
    if (ambiguity !== undefined) {
      throw new AirlockError('ERR_SQL_AMBIGUOUS', `line ${ambiguity.line}: ${ambiguity.message}`, { details: { offset: ambiguity.offset } });
    }
    const statements = await connection.extractStatements(input.sql).catch((e: unknown) => {
      // The binding wraps parser errors as "Failed to extract statements: Parser Error: …".
      // A text with no statement at all (only comments) fails without a message.
      const raw = e instanceof Error ? e.message : String(e);
      const message = raw === 'Error in native callback' ? 'the text holds no statement' : raw.replace(/^Failed to extract statements: /, '');
      throw new Error(message, { cause: e });
    });
    const expected = input.statementCount ?? 1;
    if (statements.count !== expected) {
      const what = expected === 1 ? 'exactly one statement' : `${expected} statements`;
      throw new AirlockError('ERR_WAREHOUSE', `expected ${what}, got ${statements.count}`, { details: { sqlState: '0A000' } });
    }
    return statements;
  }

  /** An approved multi-statement text runs in order on one connection; only the last one's rows come back. */
  private async runEarlier(statements: DuckDBExtractedStatements, timedOut: () => boolean, queryIds: string[]): Promise<DuckDBPreparedStatement> {
    for (let i = 0; i < statements.count - 1; i++) {
      if (timedOut()) throw new Error('interrupted');
      const earlier = await statements.prepare(i);
      try {
        assertAllowedType(earlier.statementType);
        await earlier.run();
      } finally {
        earlier.destroySync();
      }
      queryIds.push(`duckdb-${newId()}`);
    }
    const last = await statements.prepare(statements.count - 1);
    try {
      assertAllowedType(last.statementType);
    } catch (e) {
      last.destroySync();
      throw e;
    }
    return last;
  }

  /** Runs the prepared statement and reads its rows within the row and byte budgets. */
  private async read(prepared: DuckDBPreparedStatement, input: Omit<ExecuteInput, 'queryTag'>, timedOut: () => boolean): Promise<Omit<WarehouseResult, 'queryId' | 'durationMs'>> {
    // Streaming: only the chunks needed for maxRows + 1 rows are ever produced.
    const result = await prepared.stream();
    const types: DuckDBType[] = result.columnTypes();
    const columns: WarehouseColumn[] = result.columnNames().map((name, i) => ({ name, type: snowflakeTypeName(types[i]!) }));
    const limit = Math.max(0, Math.floor(input.maxRows));
    // Rows are sized from DuckDB's vectors before their values are built: a row larger than the
    // budget is refused, and reading stops once the rows kept pass a few budgets (masking can
    // shrink values, so the exact cut by bytes stays with the caller).
    const rowBudget = input.maxBytes === undefined ? Number.MAX_SAFE_INTEGER : Math.max(0, Math.floor(input.maxBytes));
    const totalBudget = input.maxBytes === undefined ? Number.MAX_SAFE_INTEGER : rowBudget * 4;
    const rows: unknown[][] = [];
    let bytes = 0;
    let truncated = false;
    while (!truncated) {
      if (timedOut()) throw new Error('interrupted');
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const vectors = Array.from({ length: chunk.columnCount }, (_, c) => chunk.getColumnVector(c));
      for (let r = 0; r < chunk.rowCount; r++) {
        if (rows.length === limit || bytes > totalBudget) {
          truncated = true;
          break;
        }
        const size = rowBytes(vectors, r, rowBudget);
        if (size > rowBudget) {
          throw new AirlockError('ERR_RESULT_TOO_LARGE', `row ${rows.length + 1} of the result is larger than the ${rowBudget}-byte result limit; select fewer or shorter values`, {
            details: { limitBytes: rowBudget },
          });
        }
        bytes += size;
        rows.push(vectors.map((v, c) => toJsonSafe(v.getItem(r), types[c]!)));
      }
    }
    return { columns, rows, truncated };
  }
}

// DuckDB messages start with their error class ("Catalog Error: …"); the obvious ones map to SQLSTATEs.
const SQLSTATE: Record<string, string> = {
  Parser: '42000',
  Syntax: '42000',
  Catalog: '42S02',
  Binder: '42000',
  Constraint: '23000',
  Conversion: '22018',
  'Out of Range': '22003',
  Permission: '42501',
  'Invalid Input': '22023',
  Dependency: '2BP01',
};

function timeoutError(timeoutMs: number, queryId: string, cause?: unknown): AirlockError {
  return new AirlockError('ERR_WAREHOUSE_TIMEOUT', `the statement did not finish within ${timeoutMs} ms`, {
    ...(cause === undefined ? {} : { cause }),
    details: { queryId },
  });
}

function toWarehouseError(e: unknown, queryId: string): AirlockError {
  if (e instanceof AirlockError) {
    return new AirlockError(e.code, e.message, { cause: e.cause, details: { ...e.details, queryId } });
  }
  const message = e instanceof Error ? e.message : String(e);
  const errorType = /^([A-Za-z ]+) Error:/.exec(message)?.[1];
  const sqlState = errorType === undefined ? undefined : SQLSTATE[errorType];
  const details: Record<string, unknown> = { queryId };
  if (errorType !== undefined) details['errorType'] = errorType;
  if (sqlState !== undefined) details['sqlState'] = sqlState;
  return new AirlockError('ERR_WAREHOUSE', message, { cause: e, details });
}

// ---------------------------------------------------------------------------------------------
// Deadlines and slots (issue 15, fair use). An interrupt only stops a statement that is running:
// DuckDB clears the flag when the next statement starts, so one fired while the connection is
// between statements (or before the first) is lost. So the guard re-sends the interrupt every
// INTERRUPT_REPEAT_MS from the deadline until the statement settles, and the slot pool's
// watchdog interrupts and frees any slot still held past its deadline.
// ---------------------------------------------------------------------------------------------

/** Default least time left, once a slot is free, for a statement to be started. */
export const MIN_START_MS = 250;
const INTERRUPT_REPEAT_MS = 25;

interface DeadlineGuard {
  readonly timedOut: boolean;
  interruptNow(): void;
  disarm(): void;
}

function armDeadline(connection: DuckDBConnection, deadline: number, lease: SlotLease): DeadlineGuard {
  let timedOut = false;
  let repeat: ReturnType<typeof setInterval> | undefined;
  const interrupt = () => {
    timedOut = true;
    try {
      connection.interrupt();
    } catch {
      // a closed connection has nothing left to stop
    }
  };
  const fire = () => {
    interrupt();
    repeat ??= setInterval(interrupt, INTERRUPT_REPEAT_MS);
  };
  const timer = setTimeout(fire, Math.max(0, deadline - Date.now()));
  lease.onOverdue(fire);
  return {
    get timedOut() {
      return timedOut;
    },
    interruptNow: fire,
    disarm: () => {
      clearTimeout(timer);
      if (repeat !== undefined) clearInterval(repeat);
    },
  };
}

function busyError(timeoutMs: number, queryId: string, why: string): AirlockError {
  return new AirlockError('ERR_WAREHOUSE_BUSY', `the warehouse is busy: ${why} (timeout ${timeoutMs} ms); nothing ran, retry later`, {
    details: { queryId, retryAfterSeconds: 1 },
  });
}
