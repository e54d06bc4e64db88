import snowflake from 'snowflake-sdk';
import type { Connection, ConnectionOptions, RowStatement, SnowflakeError } from 'snowflake-sdk';
import { AirlockError } from '../../errors.js';
import type { ExecuteInput, Warehouse, WarehouseColumn, WarehouseResult } from '../../ports/warehouse.js';
import { secretsOf, type SnowflakeConfig } from './snowflake-config.js';
import { isSessionGone, loginError, statementError } from './snowflake-errors.js';
import { FETCH_AS_STRING, snowflakeTypeName, toJsonSafe, type SnowflakeColumnLike } from './snowflake-values.js';

/** Schedules `fn` after `ms`; returns a cancel function. Injected so tests drive timeouts without waiting. */
export type Schedule = (ms: number, fn: () => void) => () => void;

export interface SnowflakeWarehouseOptions {
  /** Login attempts the driver retries on network errors (driver default 7, with backoff). */
  loginRetries?: number;
  /** After a timeout's abort request, how long to wait for Snowflake's answer before giving up (default 5 s). */
  cancelGraceMs?: number;
  schedule?: Schedule;
}

const realSchedule: Schedule = (ms, fn) => {
  const t = setTimeout(fn, Math.max(0, ms));
  return () => clearTimeout(t);
};

// The driver logs to a file beside the process by default; Airlock reports errors itself.
snowflake.configure({ logLevel: 'OFF', additionalLogToConsole: false });

/**
 * The production warehouse: one snowflake-sdk connection (key-pair JWT, or password as the
 * explicit fallback), opened on first use, reused across invocations, and opened again when
 * Snowflake reports the session gone. Every statement carries QUERY_TAG, MULTI_STATEMENT_COUNT
 * and STATEMENT_TIMEOUT_IN_SECONDS as statement parameters (never session state); a client-side
 * deadline aborts it. Rows are streamed and only the chunks up to `maxRows` are fetched.
 *
 * Errors: ERR_WAREHOUSE (Snowflake's code, SQL state, message, query id), ERR_WAREHOUSE_TIMEOUT,
 * ERR_WAREHOUSE_LOGIN, ERR_WAREHOUSE_UNAVAILABLE — never with credentials or hosts.
 *
 * @example
 * const warehouse = new SnowflakeWarehouse(snowflakeConfigOf(env)!);
 * const r = await warehouse.execute({ sql: 'SELECT CURRENT_VERSION()', queryTag, maxRows: 1000, timeoutMs: 20_000 });
 * await warehouse.close();
 */
export class SnowflakeWarehouse implements Warehouse {
  readonly name = 'snowflake' as const;
  private connection: Promise<Connection> | null = null;
  private opened: Connection | null = null;
  private closed = false;
  private readonly secrets: string[];
  private readonly schedule: Schedule;

  constructor(
    private readonly config: SnowflakeConfig,
    private readonly options: SnowflakeWarehouseOptions = {},
  ) {
    this.secrets = secretsOf(config);
    this.schedule = options.schedule ?? realSchedule;
  }

  execute(input: ExecuteInput): Promise<WarehouseResult> {
    return this.withSession(input);
  }

  /**
   * Like execute, but hands each converted row to `onRow` instead of keeping it (`rows` comes
   * back empty): memory stays at the driver's current chunk, whatever the result's size.
   */
  forEachRow(input: ExecuteInput, onRow: (row: unknown[]) => void): Promise<WarehouseResult> {
    return this.withSession(input, onRow);
  }

  private async withSession(input: ExecuteInput, sink?: (row: unknown[]) => void): Promise<WarehouseResult> {
    if (this.closed) throw new AirlockError('ERR_WAREHOUSE', 'the warehouse is closed');
    const started = performance.now();
    const connection = await this.connectWithin(input.timeoutMs);
    try {
      return await this.run(connection, input, started, sink);
    } catch (e) {
      if (!isSessionGone(e)) throw statementError(e, { secrets: this.secrets, timeoutMs: input.timeoutMs });
      // Snowflake refused the session before running anything: a fresh login may run it once.
      this.forget(connection);
      try {
        return await this.run(await this.connectWithin(Math.max(1, input.timeoutMs - (performance.now() - started))), input, started, sink);
      } catch (again) {
        throw statementError(again, { secrets: this.secrets, timeoutMs: input.timeoutMs });
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = this.connection;
    const opened = this.opened;
    this.connection = null;
    this.opened = null;
    // A login still in flight is not awaited (it may hang); its connection is closed when it lands.
    pending?.then(
      (c) => c !== opened && c.isUp() && c.destroy(() => undefined),
      () => undefined,
    );
    if (opened?.isUp()) await new Promise<void>((resolve) => opened.destroy(() => resolve()));
  }

  private connect(): Promise<Connection> {
    const current = this.connection;
    if (current) {
      return current.then((c) => {
        if (c.isUp()) return c;
        this.forget(c);
        return this.connect();
      });
    }
    // connect(callback), not connectAsync(): in 3.3 the latter resolves even when the login is refused.
    const opening: Promise<Connection> = new Promise<Connection>((resolve, reject) => {
      snowflake.createConnection(this.connectionOptions()).connect((err, c) => (err ? reject(err) : resolve(c)));
    }).then(
      (c) => {
        if (this.connection === opening) this.opened = c;
        return c;
      },
      (e: unknown) => {
        if (this.connection === opening) this.connection = null;
        throw loginError(e);
      },
    );
    this.connection = opening;
    return opening;
  }

  /** Drops a dead connection, unless a concurrent statement already replaced it. */
  private forget(connection: Connection): void {
    if (this.opened === connection) {
      this.connection = null;
      this.opened = null;
    }
    if (connection.isUp()) connection.destroy(() => undefined);
  }

  /** Login within the statement's budget: a login that hangs fails as unavailable, and nothing runs. */
  private connectWithin(timeoutMs: number): Promise<Connection> {
    return new Promise<Connection>((resolve, reject) => {
      const cancel = this.schedule(timeoutMs, () =>
        reject(new AirlockError('ERR_WAREHOUSE_UNAVAILABLE', `the Snowflake login did not complete within ${timeoutMs} ms; nothing ran`)),
      );
      this.connect().then(
        (c) => {
          cancel();
          resolve(c);
        },
        (e: unknown) => {
          cancel();
          reject(e);
        },
      );
    });
  }

  private connectionOptions(): ConnectionOptions {
    const c = this.config;
    const options: ConnectionOptions = {
      account: c.account,
      username: c.user,
      application: 'Airlock',
      clientSessionKeepAlive: false,
      ...(c.auth.kind === 'key-pair'
        ? { authenticator: 'SNOWFLAKE_JWT', privateKey: c.auth.privateKeyPem, ...(c.auth.passphrase === undefined ? {} : { privateKeyPass: c.auth.passphrase }) }
        : { password: c.auth.password }),
    };
    if (c.role !== undefined) options.role = c.role;
    if (c.warehouse !== undefined) options.warehouse = c.warehouse;
    if (c.database !== undefined) options.database = c.database;
    if (c.schema !== undefined) options.schema = c.schema;
    if (c.accessUrl !== undefined) options.accessUrl = c.accessUrl;
    if (this.options.loginRetries !== undefined) options.sfRetryMaxLoginRetries = this.options.loginRetries;
    return options;
  }

  private run(connection: Connection, input: ExecuteInput, started: number, sink?: (row: unknown[]) => void): Promise<WarehouseResult> {
    const count = input.statementCount ?? 1;
    const remaining = Math.max(1, input.timeoutMs - (performance.now() - started));
    return new Promise<WarehouseResult>((resolve, reject) => {
      let settled = false;
      let statement: RowStatement | undefined;
      const queryIds: string[] = [];
      const cancelers: Array<() => void> = [];
      const finish = (error: unknown, result?: WarehouseResult) => {
        if (settled) return;
        settled = true;
        cancelers.forEach((c) => c());
        if (error === undefined && result) resolve(result);
        else reject(error);
      };
      const timedOut = () => {
        const queryId = statement?.getQueryId() || queryIds.at(-1);
        return statementError({ code: '000604', data: { queryId, sqlState: '57014' } }, { secrets: this.secrets, timeoutMs: input.timeoutMs });
      };
      let expired = false;
      cancelers.push(
        this.schedule(remaining, () => {
          expired = true;
          if (!statement) return finish(timedOut());
          // Abort on the server, then report; the grace bounds a server that never answers.
          cancelers.push(this.schedule(this.options.cancelGraceMs ?? 5000, () => finish(timedOut())));
          statement.cancel(() => finish(timedOut()));
        }),
      );
      statement = connection.execute({
        sqlText: input.sql,
        streamResult: true,
        rowMode: 'array',
        fetchAsString: [...FETCH_AS_STRING],
        parameters: {
          // Full precision for TIME (the driver hands TIME over as text in this format).
          TIME_OUTPUT_FORMAT: 'HH24:MI:SS.FF9',
          QUERY_TAG: input.queryTag,
          MULTI_STATEMENT_COUNT: count,
          STATEMENT_TIMEOUT_IN_SECONDS: Math.max(1, Math.ceil(input.timeoutMs / 1000)),
        },
        complete: (err: SnowflakeError | undefined, stmt: RowStatement & { hasNext?: () => boolean; NextResult?: () => void }) => {
          if (settled) return;
          if (err) return finish(expired ? timedOut() : err);
          // A multi-statement text first completes its parent (no result), then each child in turn.
          if (count > 1 && typeof stmt.hasNext !== 'function') return;
          queryIds.push(stmt.getQueryId());
          if (stmt.hasNext?.() && stmt.NextResult) return stmt.NextResult();
          statement = stmt;
          this.readRows(stmt, input.maxRows, () => expired, sink)
            .then(({ columns, rows, truncated }) => {
              const result: WarehouseResult = { queryId: stmt.getQueryId(), columns, rows, truncated, durationMs: Math.round(performance.now() - started) };
              if (count > 1) result.queryIds = queryIds;
              finish(undefined, result);
            })
            .catch((e: unknown) => finish(expired ? timedOut() : e));
        },
      }) as RowStatement;
    });
  }

  /** Streams rows 0..maxRows-1 only: the driver fetches just the chunks overlapping that range. */
  private async readRows(stmt: RowStatement, maxRows: number, expired: () => boolean, sink?: (row: unknown[]) => void) {
    const meta = (stmt.getColumns() ?? []) as unknown as SnowflakeColumnLike[];
    const columns: WarehouseColumn[] = meta.map((c) => ({ name: c.getName(), type: snowflakeTypeName(c) }));
    const total = stmt.getNumRows() ?? 0;
    const limit = Math.max(0, Math.floor(maxRows));
    const wanted = Math.min(total, limit);
    const rows: unknown[][] = [];
    if (wanted > 0) {
      const stream = stmt.streamRows({ start: 0, end: wanted - 1 });
      for await (const raw of stream as AsyncIterable<unknown[]>) {
        if (expired()) {
          stream.destroy();
          break;
        }
        const row = raw.map((v, i) => toJsonSafe(v, meta[i]!));
        if (sink) sink(row);
        else rows.push(row);
      }
    }
    return { columns, rows, truncated: total > limit };
  }
}
