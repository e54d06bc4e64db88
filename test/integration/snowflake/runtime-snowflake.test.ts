import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlHash } from '#shared/records/hash.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';
import { startFakeSnowflake, type FakeSnowflake } from '#test/helpers/fake-snowflake-server.js';
import { fakeSnowflakeEnv, testKeys } from './snowflake-fixture.js';

// The local runtime with SNOWFLAKE_ACCOUNT set: the same API, records and masking, with snowflake-sdk
// talking to a wire-level Snowflake instead of the seeded DuckDB.
describe('local runtime against Snowflake', () => {
  let sf: FakeSnowflake;
  let t: TestRuntime;
  beforeAll(async () => {
    sf = await startFakeSnowflake({
      publicKeyPem: testKeys().publicKeyPem,
      seed: [`CREATE TABLE customers AS SELECT range AS ID, 'user' || range || '@example.com' AS EMAIL FROM range(3)`],
    });
    t = await startTestRuntime(fakeSnowflakeEnv(sf, { SNOWFLAKE_ROLE: 'AIRLOCK_READER' }));
  });
  afterAll(async () => {
    await t?.close();
    await sf?.close();
    if (t) removeDir(t.dir);
  });

  it('does not seed or open the DuckDB demo warehouse', () => {
    expect(existsSync(join(t.dir, 'demo.duckdb'))).toBe(false);
  });

  it('runs a read on Snowflake, masks it, and records the Snowflake query id and the query tag that joins QUERY_HISTORY', async () => {
    const sql = 'SELECT ID, EMAIL FROM customers ORDER BY ID';
    const res = await t.post('/v1/queries', { prompt: 'emails', sql, sessionId: 'sf-session-1' }, await t.token());
    expect(res.status).toBe(200);
    expect(res.json.rowCount).toBe(3);
    expect(JSON.stringify(res.json.rows)).not.toContain('@example.com');

    const wire = sf.queries.find((q) => q.sqlText === sql)!;
    const tag = JSON.parse(String(wire.parameters['QUERY_TAG']));
    expect(tag).toEqual({ airlock: { sessionId: 'sf-session-1', seq: 1, requestId: res.json.requestId, sqlHash: sqlHash(sql) } });
    expect(wire.parameters['MULTI_STATEMENT_COUNT']).toBe(1);
    expect(wire.parameters['STATEMENT_TIMEOUT_IN_SECONDS']).toBe(20);

    const session = await t.get('/v1/sessions/sf-session-1', await t.token());
    const executed = session.json.records.find((r: { type: string }) => r.type === 'query.executed');
    expect(executed.body).toMatchObject({ warehouse: 'snowflake', queryId: wire.queryId, queryTag: wire.parameters['QUERY_TAG'] });
  });

  it("answers 422 with Snowflake's code, state and query id, and records them in query.failed", async () => {
    const res = await t.post('/v1/queries', { prompt: 'x', sql: 'SELECT * FROM orders_missing', sessionId: 'sf-session-2' }, await t.token());
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({ code: 'ERR_WAREHOUSE', sqlState: '42S02' });
    expect(res.json.error.message).toMatch(/^002003 \(42S02\)/);
    const wire = sf.queries.find((q) => q.sqlText === 'SELECT * FROM orders_missing')!;
    expect(res.json.error.queryId).toBe(wire.queryId);
    const session = await t.get('/v1/sessions/sf-session-2', await t.token());
    const failed = session.json.records.find((r: { type: string }) => r.type === 'query.failed');
    expect(failed.body).toMatchObject({ queryId: wire.queryId, error: { code: 'ERR_WAREHOUSE', sqlState: '42S02' } });
    expect(JSON.stringify(failed.body)).not.toContain('127.0.0.1');
  });
});
