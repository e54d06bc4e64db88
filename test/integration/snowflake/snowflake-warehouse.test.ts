import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnowflakeWarehouse, type Schedule } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import type { ExecuteInput } from '#shared/ports/warehouse.js';
import { errorOf } from '#test/integration/warehouse/warehouse-fixture.js';
import { snowflakeRig, testKeys, type SnowflakeRig } from './snowflake-fixture.js';

const SEED = ['CREATE TABLE events AS SELECT range AS ID, range % 7 AS KIND FROM range(1000)'];
const TAG = JSON.stringify({ airlock: { sessionId: 's-1', seq: 3, requestId: 'r-1', sqlHash: 'ab'.repeat(32) } });
const input = (sql: string, more: Partial<ExecuteInput> = {}): ExecuteInput => ({ sql, queryTag: TAG, maxRows: 1000, timeoutMs: 20_000, ...more });

/** A schedule the test fires by hand: no real waiting for a timeout. */
function manualSchedule() {
  const timers: Array<{ ms: number; fn: () => void; live: boolean }> = [];
  const schedule: Schedule = (ms, fn) => {
    const t = { ms, fn, live: true };
    timers.push(t);
    return () => {
      t.live = false;
    };
  };
  const live = () => timers.filter((t) => t.live);
  const fire = () => {
    const t = live().at(-1)!;
    t.live = false;
    t.fn();
  };
  return { schedule, live, fire };
}

describe('SnowflakeWarehouse on the wire', () => {
  let rig: SnowflakeRig;
  beforeAll(async () => {
    rig = await snowflakeRig({ seed: SEED, chunkRows: 100 });
  });
  afterAll(async () => {
    await rig?.dispose();
  });

  it('sends QUERY_TAG, MULTI_STATEMENT_COUNT 1 and the timeout as statement parameters, never as session state', async () => {
    const r = await rig.warehouse.execute(input('SELECT count(*) AS N FROM events', { timeoutMs: 12_500 }));
    expect(r.rows).toEqual([[1000]]);
    const q = rig.server.queries.find((x) => x.queryId === r.queryId)!;
    expect(q.parameters).toEqual({ QUERY_TAG: TAG, MULTI_STATEMENT_COUNT: 1, STATEMENT_TIMEOUT_IN_SECONDS: 13, TIME_OUTPUT_FORMAT: 'HH24:MI:SS.FF9' });
    expect(JSON.parse(String(q.parameters['QUERY_TAG']))).toEqual({ airlock: { sessionId: 's-1', seq: 3, requestId: 'r-1', sqlHash: 'ab'.repeat(32) } });
    expect(rig.server.queries.some((x) => /ALTER\s+SESSION|QUERY_TAG\s*=/i.test(x.sqlText))).toBe(false);
  });

  it('sends the exact statement count for an approved multi-statement text and returns every query id', async () => {
    const r = await rig.warehouse.execute(input('SELECT 1 AS A; SELECT 2 AS B; SELECT max(ID) AS M FROM events', { statementCount: 3 }));
    expect(r.rows).toEqual([[999]]);
    expect(r.queryIds).toHaveLength(3);
    const q = rig.server.queries.at(-1)!;
    expect(q.parameters['MULTI_STATEMENT_COUNT']).toBe(3);
    expect(q.parameters['QUERY_TAG']).toBe(TAG);
  });

  it('logs in once with a key-pair JWT and reuses the session across executes', async () => {
    const before = rig.server.logins.length;
    await rig.warehouse.execute(input('SELECT 1 AS X'));
    await rig.warehouse.execute(input('SELECT 2 AS X'));
    expect(rig.server.logins.length).toBe(before);
    expect(rig.server.logins.every((l) => l.authenticator === 'SNOWFLAKE_JWT' && l.ok)).toBe(true);
    expect(new Set(rig.server.queries.map((q) => q.sessionToken)).size).toBe(1);
  });

  it('fetches only the chunks up to the row limit and leaves the rest unfetched', async () => {
    const r = await rig.warehouse.execute(input('SELECT ID FROM events ORDER BY ID', { maxRows: 150 }));
    expect(r.rows).toHaveLength(150);
    expect(r.rows[149]).toEqual([149]);
    expect(r.truncated).toBe(true);
    // 1000 rows in 10 chunks of 100: the first comes inline, only chunk 1 (rows 100-199) is fetched.
    expect(rig.server.chunkFetches.filter((c) => c.startsWith(r.queryId))).toEqual([`${r.queryId}/1`]);
  });

  it('converts Snowflake wire values: big NUMBERs as text, zones kept, semi-structured parsed, BINARY base64', async () => {
    const col = (name: string, type: string, precision: number | null = null, scale: number | null = null) => ({ name, type, precision, scale, length: null, nullable: true, byteLength: null });
    rig.server.can('SELECT typed', {
      rowtype: [
        col('BIG', 'fixed', 38, 0),
        col('NEG', 'fixed', 38, 0),
        col('PRICE', 'fixed', 12, 4),
        col('TZ', 'timestamp_tz', 0, 9),
        col('LTZ', 'timestamp_ltz', 0, 3),
        col('D', 'date'),
        col('T', 'time', 0, 6),
        col('OBJ', 'object'),
        col('ARR', 'array'),
        col('VAR', 'variant'),
        col('BIN', 'binary'),
        col('F', 'real'),
      ],
      rowset: [['123456789012345678901234567890', '-42', '3.1400', '1700000000.123456789 1770', '1700000000.500', '19782', '45296.000001', '{"k":{"n":1}}', '[1,"two",null]', '"just text"', 'DEADBEEF', 'NaN']],
    });
    const r = await rig.warehouse.execute(input('SELECT typed'));
    expect(r.columns.map((c) => c.type)).toEqual(['NUMBER(38,0)', 'NUMBER(38,0)', 'NUMBER(12,4)', 'TIMESTAMP_TZ', 'TIMESTAMP_LTZ', 'DATE', 'TIME', 'OBJECT', 'ARRAY', 'VARIANT', 'BINARY', 'FLOAT']);
    expect(r.rows).toEqual([
      [
        '123456789012345678901234567890',
        -42,
        '3.1400',
        '2023-11-15T03:43:20.123456789+05:30',
        '2023-11-14T22:13:20.500Z',
        '2024-02-29',
        '12:34:56.000001',
        { k: { n: 1 } },
        [1, 'two', null],
        'just text',
        Buffer.from('DEADBEEF', 'hex').toString('base64'),
        'NaN',
      ],
    ]);
  });

  it("returns Snowflake's code, SQL state, message and query id for a failed statement", async () => {
    const e = await errorOf(rig.warehouse.execute(input('SELECT * FROM missing_table')));
    expect(e.code).toBe('ERR_WAREHOUSE');
    expect(e.details).toMatchObject({ sqlState: '42S02', snowflakeCode: '002003' });
    expect(e.message).toMatch(/^002003 \(42S02\): SQL compilation error/);
    expect(rig.server.queries.map((q) => q.queryId)).toContain(e.details?.['queryId']);
  });
});

describe('SnowflakeWarehouse timeouts', () => {
  it('aborts the statement on Snowflake when the deadline passes and reports ERR_WAREHOUSE_TIMEOUT with the query id', async () => {
    const clock = manualSchedule();
    const rig = await snowflakeRig({}, { schedule: clock.schedule });
    try {
      const running = errorOf(rig.warehouse.execute(input('SELECT SYSTEM$WAIT(60)', { timeoutMs: 3000 })));
      const q = await rig.server.waitForQuery('SYSTEM$WAIT');
      expect(q.parameters['STATEMENT_TIMEOUT_IN_SECONDS']).toBe(3);
      expect(clock.live()).toHaveLength(1);
      expect(clock.live()[0]!.ms).toBeGreaterThan(2000);
      expect(clock.live()[0]!.ms).toBeLessThanOrEqual(3000);
      clock.fire();
      const e = await running;
      expect(e.code).toBe('ERR_WAREHOUSE_TIMEOUT');
      expect(e.details?.['queryId']).toBe(q.queryId);
      expect(rig.server.aborts).toContain(q.requestId);
      // The session is still good for the next statement.
      expect((await rig.warehouse.execute(input('SELECT 1 AS X'))).rows).toEqual([[1]]);
    } finally {
      await rig.dispose();
    }
  });
});

describe('SnowflakeWarehouse timeouts when Snowflake does not answer the abort', () => {
  it('still reports ERR_WAREHOUSE_TIMEOUT after the cancel grace', async () => {
    const clock = manualSchedule();
    const rig = await snowflakeRig({}, { schedule: clock.schedule, cancelGraceMs: 750 });
    rig.server.ignoreAborts(true);
    try {
      const running = errorOf(rig.warehouse.execute(input('SELECT SYSTEM$WAIT(60)', { timeoutMs: 3000 })));
      const q = await rig.server.waitForQuery('SYSTEM$WAIT');
      clock.fire();
      expect(await rig.server.waitForAbort()).toBe(q.requestId);
      expect(clock.live().map((t) => t.ms)).toEqual([750]);
      clock.fire();
      expect((await running).code).toBe('ERR_WAREHOUSE_TIMEOUT');
    } finally {
      await rig.dispose();
    }
  });
});

describe('SnowflakeWarehouse connection', () => {
  it('bounds a hanging login by the statement timeout: ERR_WAREHOUSE_UNAVAILABLE, nothing sent', async () => {
    const clock = manualSchedule();
    const rig = await snowflakeRig({}, { schedule: clock.schedule });
    rig.server.holdLogins(true);
    try {
      const running = errorOf(rig.warehouse.execute(input('SELECT 1 AS X', { timeoutMs: 4000 })));
      await rig.server.waitForLogin();
      expect(clock.live().map((t) => t.ms)).toEqual([4000]);
      clock.fire();
      const e = await running;
      expect(e.code).toBe('ERR_WAREHOUSE_UNAVAILABLE');
      expect(rig.server.queries).toHaveLength(0);
    } finally {
      await rig.dispose();
    }
  });

  it('logs in again when Snowflake reports the session expired, and runs the statement once', async () => {
    const rig = await snowflakeRig();
    try {
      await rig.warehouse.execute(input('SELECT 1 AS X'));
      rig.server.expireSessions();
      const r = await rig.warehouse.execute(input('SELECT 2 AS X'));
      expect(r.rows).toEqual([[2]]);
      expect(rig.server.logins.filter((l) => l.ok)).toHaveLength(2);
      expect(rig.server.queries.filter((q) => q.sqlText === 'SELECT 2 AS X')).toHaveLength(1);
    } finally {
      await rig.dispose();
    }
  });

  it('accepts an encrypted PKCS#8 key with its passphrase', async () => {
    const rig = await snowflakeRig();
    const wh = new SnowflakeWarehouse({ ...rig.config, auth: { kind: 'key-pair', privateKeyPem: testKeys().encryptedPem, passphrase: 'correct horse' } }, { loginRetries: 0 });
    try {
      expect((await wh.execute(input('SELECT 1 AS X'))).rows).toEqual([[1]]);
    } finally {
      await wh.close();
      await rig.dispose();
    }
  });

  it('uses a password only as the explicit fallback', async () => {
    const rig = await snowflakeRig({ password: 'pw-fallback-123' });
    const wh = new SnowflakeWarehouse({ ...rig.config, auth: { kind: 'password', password: 'pw-fallback-123' } }, { loginRetries: 0 });
    try {
      expect((await wh.execute(input('SELECT 1 AS X'))).rows).toEqual([[1]]);
      expect(rig.server.logins.at(-1)).toMatchObject({ ok: true });
      expect(rig.server.logins.at(-1)?.authenticator).not.toBe('SNOWFLAKE_JWT');
    } finally {
      await wh.close();
      await rig.dispose();
    }
  });

  it('reports a refused login as ERR_WAREHOUSE_LOGIN without echoing the key', async () => {
    const rig = await snowflakeRig({ publicKeyPem: testKeys().publicKeyPem });
    const { privateKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('rsa', { modulusLength: 2048 }));
    const otherPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wh = new SnowflakeWarehouse({ ...rig.config, auth: { kind: 'key-pair', privateKeyPem: otherPem } }, { loginRetries: 0 });
    try {
      const e = await errorOf(wh.execute(input('SELECT 1 AS X')));
      expect(e.code).toBe('ERR_WAREHOUSE_LOGIN');
      expect(e.message).not.toContain('PRIVATE KEY');
      expect(e.message).not.toContain('127.0.0.1');
      expect(rig.server.queries).toHaveLength(0);
    } finally {
      await wh.close();
      await rig.dispose();
    }
  });

  it('reports an unreachable Snowflake as ERR_WAREHOUSE_UNAVAILABLE without naming the host', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const wh = new SnowflakeWarehouse(
      { account: 'acme-internal', user: 'svc', auth: { kind: 'key-pair', privateKeyPem: testKeys().privateKeyPem }, accessUrl: `http://127.0.0.1:${port}` },
      { loginRetries: 0 },
    );
    try {
      const e = await errorOf(wh.execute(input('SELECT 1 AS X')));
      expect(e.code).toBe('ERR_WAREHOUSE_UNAVAILABLE');
      expect(e.message).not.toMatch(/127\.0\.0\.1|acme-internal|snowflakecomputing/);
    } finally {
      await wh.close();
    }
  });
});
