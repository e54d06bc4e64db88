import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnowflakeQueryHistory, historyByUserSql } from '#shared/adapters/snowflake/snowflake-query-history.js';
import { housekeepingOf } from '#shared/reconcile/housekeeping.js';
import { snowflakeRig, type SnowflakeRig } from './snowflake-fixture.js';

const BASE = Date.parse('2026-12-07T08:00:00.000Z');

function seed(rig: SnowflakeRig, ends: number[], user = 'AIRLOCK_SVC'): string[] {
  return ends.map((offset, i) => {
    const queryId = `01hist-${String(i).padStart(4, '0')}-${user}`;
    rig.server.history.entries.push({
      queryId,
      queryText: `SELECT ${i}`,
      queryTag: '',
      userName: user,
      executionStatus: 'SUCCESS',
      errorCode: null,
      startTime: new Date(BASE + offset - 5),
      endTime: new Date(BASE + offset),
      rowsProduced: 1,
    });
    return queryId;
  });
}

describe('QUERY_HISTORY_BY_USER paging (RESULT_LIMIT keeps the most recent end times)', () => {
  let rig: SnowflakeRig;
  beforeAll(async () => {
    rig = await snowflakeRig();
  });
  afterAll(async () => rig?.dispose());

  it('reads every query of the window exactly once across pages, including several ending in the same millisecond, and no other user\'s', async () => {
    rig.server.history.entries.length = 0;
    // 23 queries; ties at 100 ms (3) and 2000 ms (2); another user's query inside the window.
    const ids = seed(rig, [0, 10, 20, 100, 100, 100, 150, 300, 301, 302, 500, 900, 1000, 1100, 1200, 1300, 2000, 2000, 2100, 2200, 2300, 2400, 2500]);
    seed(rig, [1500], 'SOMEONE_ELSE');
    const h = new SnowflakeQueryHistory(rig.warehouse, 'airlock_svc', { pageLimit: 4, now: () => new Date(BASE + 3600_000) });
    const reads = rig.server.history.reads.length;
    const { queries, source } = await h.queriesEndedBetween(new Date(BASE).toISOString(), new Date(BASE + 2500).toISOString());
    expect(source).toBe('INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER');
    expect(queries.map((q) => q.queryId).sort()).toEqual([...ids].sort());
    expect(rig.server.history.reads.length - reads).toBeGreaterThan(5);
    expect(queries[0]).toMatchObject({ queryText: 'SELECT 0', userName: 'AIRLOCK_SVC', status: 'SUCCESS', rowsProduced: 1, endTime: new Date(BASE).toISOString() });
    // Every read is itself a genuine housekeeping query.
    const read = rig.server.queries.filter((q) => /QUERY_HISTORY_BY_USER/.test(q.sqlText)).at(-1)!;
    expect(housekeepingOf(JSON.parse(String(read.parameters['QUERY_TAG'])), read.sqlText)).toEqual({ kind: 'query_history', genuine: true });
  });

  it('fails closed when more than RESULT_LIMIT queries end in one millisecond (the history cannot be paged)', async () => {
    rig.server.history.entries.length = 0;
    seed(rig, [50, 50, 50, 50, 50]);
    const h = new SnowflakeQueryHistory(rig.warehouse, 'airlock_svc', { pageLimit: 4, now: () => new Date(BASE + 3600_000) });
    await expect(h.queriesEndedBetween(new Date(BASE).toISOString(), new Date(BASE + 100).toISOString())).rejects.toMatchObject({ code: 'ERR_WAREHOUSE' });
  });

  it('reads SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY for a window older than 7 days, and states its latency when the window reaches the last 45 minutes', async () => {
    rig.server.history.entries.length = 0;
    const ids = seed(rig, [0, 10]);
    const h = new SnowflakeQueryHistory(rig.warehouse, 'airlock_svc', { now: () => new Date(BASE + 8 * 86_400_000) });
    const old = await h.queriesEndedBetween(new Date(BASE).toISOString(), new Date(BASE + 86_400_000).toISOString());
    expect(old.source).toBe('SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY');
    expect(old.latencyNote).toBeUndefined();
    expect(old.queries.map((q) => q.queryId)).toEqual(ids);
    const recent = await h.queriesEndedBetween(new Date(BASE).toISOString(), new Date(BASE + 8 * 86_400_000).toISOString());
    expect(recent.latencyNote).toMatch(/45 minutes/);
  });

  it('refuses a user name that is not a plain identifier (it would be spliced into SQL)', () => {
    expect(() => new SnowflakeQueryHistory(rig.warehouse, "x' OR '1'='1")).toThrow(/plain identifier/);
    expect(() => historyByUserSql('AIRLOCK_SVC', 'not a time', '2026-12-07T00:00:00Z')).toThrow(/ISO 8601/);
  });
});
