import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { fakeQueryHistory } from './fake-snowflake-history.js';
import { verifyLogin } from './fake-snowflake-login.js';
import { RESULT_PARAMETERS, wireResult, type WireColumn, type WireRow } from './fake-snowflake-wire.js';

/** One query-request as it arrived on the wire: the text and the statement parameters. */
export interface RecordedQuery {
  requestId: string;
  sqlText: string;
  parameters: Record<string, unknown>;
  sessionToken: string;
  queryId: string;
}

/** A canned result in Snowflake's own wire shape, for values DuckDB cannot produce (zones, huge NUMBERs). */
export interface CannedResult {
  rowtype: WireColumn[];
  rowset: WireRow[];
}

export interface FakeSnowflakeOptions {
  account?: string;
  user?: string;
  /** SPKI PEM of the user's RSA key; key-pair logins are verified against it. */
  publicKeyPem?: string;
  /** Accepted for password logins (the explicit fallback). */
  password?: string;
  /** Rows per result chunk; results larger than one chunk are served as chunk URLs (default 1000). */
  chunkRows?: number;
  /** SQL run on the backing DuckDB before the server answers. */
  seed?: string[];
  /**
   * Answers a statement before DuckDB sees it (e.g. governance DDL: fake-snowflake-governance.ts): a result, a
   * Snowflake error, or undefined to run it as usual. `role` is the session's login role (`roleName`).
   */
  intercept?: (sqlText: string, session: { role: string }) => Promise<CannedResult | { error: { code: string; message: string; sqlState: string } } | undefined>;
}

interface StoredResult {
  rowtype: WireColumn[];
  chunks: WireRow[][];
  total: number;
  /** The statement parameters it ran with (multi-statement children are served later, by query id). */
  parameters?: Record<string, unknown>;
}

type Held = { requestId: string; queryId: string; answer: (body: unknown) => void };

/**
 * A local HTTP server speaking the Snowflake REST wire format that snowflake-sdk 3.3 uses
 * (login-request with JWT or password, query-request, chunk URLs, result-by-query-id for
 * multi-statement children, abort-request, token renewal, telemetry, session delete),
 * backed by an in-memory DuckDB. It records what it received so tests can assert the
 * query tag, the multi-statement count and the timeout on the wire.
 *
 * `SELECT SYSTEM$WAIT(…)` is held open until the client aborts it (no real waiting).
 *
 * @example
 * const sf = await startFakeSnowflake({ publicKeyPem, seed: ['CREATE TABLE t AS SELECT 1 AS x'] });
 * // connect snowflake-sdk with accessUrl: sf.url … then sf.queries[0].parameters.QUERY_TAG
 * await sf.close();
 */
export async function startFakeSnowflake(options: FakeSnowflakeOptions = {}) {
  const account = (options.account ?? 'TESTACCOUNT').toUpperCase();
  const user = (options.user ?? 'AIRLOCK_SVC').toUpperCase();
  const chunkRows = options.chunkRows ?? 1000;
  const db = await DuckDBInstance.create(':memory:');
  const conn: DuckDBConnection = await db.connect();
  for (const sql of options.seed ?? []) await conn.run(sql);

  const requests: Array<{ method: string; path: string }> = [];
  const queries: RecordedQuery[] = [];
  const logins: Array<{ authenticator: string; loginName: string; ok: boolean }> = [];
  const aborts: string[] = [];
  const chunkFetches: string[] = [];
  const results = new Map<string, StoredResult>();
  const canned = new Map<string, CannedResult>();
  const held = new Map<string, Held>();
  const sessions = new Map<string, string>(); // session token → master token
  const roles = new Map<string, string>(); // master token → login role
  const masters = new Set<string>();
  const waiters: Array<() => void> = [];
  const notify = () => waiters.splice(0).forEach((w) => w());
  let n = 0;
  let url = '';
  const control = { holdLogins: false, ignoreAborts: false };
  const history = fakeQueryHistory();

  const ok = (data: unknown) => ({ success: true, code: null, message: null, data });
  const fail = (code: string, message: string, data: Record<string, unknown> = {}) => ({ success: false, code, message, data });

  async function runStatement(sql: string): Promise<StoredResult> {
    const { rowtype, rows } = wireResult(await conn.runAndReadAll(sql));
    const chunks: WireRow[][] = [];
    for (let i = 0; i < rows.length; i += chunkRows) chunks.push(rows.slice(i, i + chunkRows));
    return { rowtype, chunks, total: rows.length };
  }

  function resultBody(queryId: string, r: StoredResult, statementParameters: Record<string, unknown> = {}) {
    const [first = [], ...rest] = r.chunks;
    results.set(queryId, r);
    // Like Snowflake, the result carries the output formats in effect, statement parameters included.
    const formats = Object.entries(statementParameters).filter(([k]) => k.endsWith('_OUTPUT_FORMAT'));
    const parameters = [...RESULT_PARAMETERS.filter((p) => !formats.some(([k]) => k === p.name)), ...formats.map(([name, value]) => ({ name, value }))];
    return ok({
      parameters,
      rowtype: r.rowtype,
      rowset: first,
      total: r.total,
      returned: r.total,
      queryId,
      version: 1,
      statementTypeId: 4096,
      queryResultFormat: 'json',
      ...(rest.length === 0
        ? {}
        : { qrmk: 'fake-qrmk', chunks: rest.map((c, i) => ({ url: `${url}/chunks/${queryId}/${i + 1}`, rowCount: c.length, uncompressedSize: 1, compressedSize: 1 })) }),
    });
  }

  async function onQuery(body: Record<string, unknown>, requestId: string, token: string, answer: (b: unknown) => void): Promise<void> {
    const sqlText = String(body['sqlText'] ?? '');
    const parameters = (body['parameters'] ?? {}) as Record<string, unknown>;
    const queryId = `01b${String(++n).padStart(5, '0')}-0000-fake-0000-${requestId.slice(0, 12)}`;
    queries.push({ requestId, sqlText, parameters, sessionToken: token, queryId });
    notify();
    // Server-side history (fake-snowflake-history.ts): every query, and QUERY_HISTORY reads answered from it.
    history.begin({ queryId, queryText: sqlText, queryTag: parameters['QUERY_TAG'], userName: user });
    const reply = (b: unknown) => (history.finish(queryId, b), answer(b));
    const historyResult = history.answer(sqlText);
    if (historyResult) return reply(resultBody(queryId, { rowtype: historyResult.rowtype, chunks: [historyResult.rowset], total: historyResult.rowset.length }, parameters));
    const intercepted = await options.intercept?.(sqlText, { role: roles.get(sessions.get(token) ?? '') ?? '' });
    if (intercepted !== undefined) {
      if ('error' in intercepted) return reply(fail(intercepted.error.code, intercepted.error.message, { sqlState: intercepted.error.sqlState, queryId }));
      return reply(resultBody(queryId, { rowtype: intercepted.rowtype, chunks: [intercepted.rowset], total: intercepted.rowset.length }, parameters));
    }
    const cannedResult = canned.get(sqlText);
    if (cannedResult) return reply(resultBody(queryId, { rowtype: cannedResult.rowtype, chunks: [cannedResult.rowset], total: cannedResult.rowset.length }, parameters));
    if (/SYSTEM\$WAIT/i.test(sqlText)) {
      held.set(requestId, { requestId, queryId, answer: reply });
      return;
    }
    try {
      const extracted = await conn.extractStatements(sqlText);
      const wanted = Number(parameters['MULTI_STATEMENT_COUNT'] ?? 1);
      if (wanted !== 0 && extracted.count !== wanted) {
        return reply(fail('000008', `Actual statement count ${extracted.count} did not match the desired statement count ${wanted}.`, { sqlState: '0A000', queryId }));
      }
      if (extracted.count === 1) return reply(resultBody(queryId, await runStatement(sqlText), parameters));
      const ids: string[] = [];
      for (let i = 0; i < extracted.count; i++) {
        const prepared = await extracted.prepare(i);
        const childId = `${queryId}-${i + 1}`;
        const { rowtype, rows } = wireResult(await prepared.runAndReadAll());
        results.set(childId, { rowtype, chunks: [rows], total: rows.length, parameters });
        ids.push(childId);
      }
      return reply(
        ok({
          parameters: RESULT_PARAMETERS,
          rowtype: [{ name: 'multiple statement execution', type: 'text', scale: null, precision: null, length: 16_777_216, nullable: false, byteLength: null }],
          rowset: [['Multiple statements executed successfully.']],
          total: 1,
          returned: 1,
          queryId,
          resultIds: ids.join(','),
          version: 1,
        }),
      );
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const catalog = /Catalog Error/.test(message);
      // Snowflake's own code and state for a missing object, and a generic compilation error otherwise.
      return reply(fail(catalog ? '002003' : '001003', `SQL compilation error: ${message}`, { sqlState: catalog ? '42S02' : '42000', queryId }));
    }
  }

  async function route(req: IncomingMessage, path: string, query: URLSearchParams, body: Record<string, unknown>, reply: (b: unknown) => void) {
    if (path === '/session/v1/login-request') {
      const data = (body['data'] ?? {}) as Record<string, unknown>;
      if (control.holdLogins) {
        logins.push({ authenticator: String(data['AUTHENTICATOR'] ?? ''), loginName: String(data['LOGIN_NAME'] ?? ''), ok: false });
        notify();
        return; // never answered: a login that hangs
      }
      const good = await verifyLogin(data, { account, user, publicKeyPem: options.publicKeyPem, password: options.password });
      logins.push({ authenticator: String(data['AUTHENTICATOR'] ?? ''), loginName: String(data['LOGIN_NAME'] ?? ''), ok: good });
      if (!good) return reply(fail(data['AUTHENTICATOR'] === 'SNOWFLAKE_JWT' ? '390144' : '390100', 'Incorrect username or password was specified.'));
      const token = `session-${++n}`;
      const master = `master-${n}`;
      sessions.set(token, master);
      masters.add(master);
      roles.set(master, (query.get('roleName') ?? '').toUpperCase());
      return reply(ok({ token, masterToken: master, sessionId: n, validityInSeconds: 3600, masterValidityInSeconds: 14400, parameters: RESULT_PARAMETERS }));
    }
    const auth = /Snowflake Token="([^"]*)"/.exec(String(req.headers['authorization'] ?? ''))?.[1] ?? '';
    if (path === '/session/token-request') {
      if (!masters.has(auth)) return reply(fail('390114', 'Authentication token has expired.  The user must authenticate again.'));
      const token = `session-${++n}`;
      sessions.set(token, auth);
      return reply(ok({ sessionToken: token, validityInSeconds: 3600, masterToken: auth }));
    }
    if (!sessions.has(auth)) return reply(fail('390112', 'Your session has expired. Please login again.'));
    if (path === '/queries/v1/query-request') return onQuery(body, query.get('requestId') ?? '', auth, reply);
    if (path === '/queries/v1/abort-request' || /^\/queries\/[^/]+\/abort-request$/.test(path)) {
      const key = String(body['requestId'] ?? path.split('/')[2]);
      aborts.push(key);
      notify();
      if (control.ignoreAborts) return; // a server that never answers the abort
      const h = held.get(key) ?? [...held.values()].find((x) => x.queryId === key);
      if (h) {
        held.delete(h.requestId);
        h.answer(fail('000604', 'SQL execution canceled', { sqlState: '57014', queryId: h.queryId }));
      }
      return reply(ok(null));
    }
    const result = /^\/queries\/([^/]+)\/result$/.exec(path);
    if (result) {
      const stored = results.get(result[1]!);
      return reply(stored ? resultBody(result[1]!, stored, stored.parameters) : fail('000709', 'Statement not found', { sqlState: '02000' }));
    }
    if (path === '/telemetry/send' || path === '/session/heartbeat') return reply(ok(null));
    if (path === '/session' && query.get('delete') === 'true') {
      sessions.delete(auth);
      return reply(ok(null));
    }
    return reply(fail('390400', `unknown endpoint ${path}`));
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const parsed = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: parsed.pathname });
    const chunk = /^\/chunks\/([^/]+)\/(\d+)$/.exec(parsed.pathname);
    if (chunk) {
      chunkFetches.push(`${chunk[1]}/${chunk[2]}`);
      const rows = results.get(chunk[1]!)?.chunks[Number(chunk[2])];
      if (!rows) return void res.writeHead(404).end();
      // Snowflake's JSON chunks are the rows without the enclosing brackets.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void res.end(rows.map((r) => JSON.stringify(r)).join(','));
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = parts.length === 0 ? {} : (JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>);
      } catch {
        body = {};
      }
      const reply = (b: unknown) => {
        if (res.writableEnded) return;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(b));
      };
      route(req, parsed.pathname, parsed.searchParams, body, reply).catch((e: unknown) => reply(fail('000603', String(e))));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    account,
    user,
    requests,
    queries,
    logins,
    aborts,
    chunkFetches,
    /** Every query it ran, as QUERY_HISTORY shows them (forget() one to lose it). */
    history,
    /** Serve this exact wire result for this exact SQL text. */
    can(sqlText: string, result: CannedResult): void {
      canned.set(sqlText, result);
    },
    /** While true, abort requests are recorded but neither answered nor acted on. */
    ignoreAborts(ignore: boolean): void {
      control.ignoreAborts = ignore;
    },
    /** While true, login requests are left unanswered. */
    holdLogins(hold: boolean): void {
      control.holdLogins = hold;
    },
    /** Forget every session and master token: the next request gets 390112, its renewal 390114. */
    expireSessions(): void {
      sessions.clear();
      masters.clear();
    },
    /** Resolves once a query-request has arrived that matches `sqlPart` (now or later). */
    async waitForQuery(sqlPart: string): Promise<RecordedQuery> {
      for (;;) {
        const found = queries.find((q) => q.sqlText.includes(sqlPart));
        if (found) return found;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    /** Resolves once an abort request has arrived (now or later). */
    async waitForAbort(): Promise<string> {
      while (aborts.length === 0) await new Promise<void>((r) => waiters.push(r));
      return aborts[0]!;
    },
    /** Resolves once a login request has arrived (now or later). */
    async waitForLogin(): Promise<void> {
      while (logins.length === 0) await new Promise<void>((r) => waiters.push(r));
    },
    /** Runs SQL on the backing DuckDB directly (the bench's baseline). */
    duckdb: conn,
    async close(): Promise<void> {
      for (const h of held.values()) h.answer(fail('000604', 'SQL execution canceled', { sqlState: '57014', queryId: h.queryId }));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      conn.closeSync();
      db.closeSync();
    },
  };
}

export type FakeSnowflake = Awaited<ReturnType<typeof startFakeSnowflake>>;
