import { describe, expect, it } from 'vitest';
import { AirlockError } from '#shared/errors.js';
import type { ExecuteInput, WarehouseResult } from '#shared/ports/warehouse.js';
import { classify } from '#shared/sql/classify.js';
import { executeQuery } from '#shared/use-cases/execute-query.js';
import { httpStatusOfOutcome } from '#shared/use-cases/submit-query.js';
import { ScriptedWarehouse } from '#test/doubles/scripted-warehouse.js';
import { submitQueryDeps } from '#test/fixtures/use-cases/submit-query-deps.js';

/** A Snowflake warehouse answering from `answer`, in the use case's deps (in-memory stores, default policy). */
async function deps(answer: (input: ExecuteInput) => WarehouseResult) {
  const d = await submitQueryDeps(new ScriptedWarehouse(answer, 'snowflake'));
  return { d, warehouse: d.warehouse };
}

const args = (sql: string, more: { viaApproval?: boolean } = {}) => ({
  sessionId: 's1',
  requestId: 'r1',
  seq: 1,
  sqlHash: 'h'.repeat(64),
  sql,
  classification: classify(sql),
  base: { requestId: 'r1', sessionId: 's1', risk: 'privileged' as const },
  ...more,
});

const ok = (input: ExecuteInput): WarehouseResult => ({
  queryId: 'q-last',
  columns: [{ name: 'N', type: 'NUMBER(38,0)' }],
  rows: [[1]],
  truncated: false,
  durationMs: 1,
  ...(input.statementCount ? { queryIds: ['q-first', 'q-last'] } : {}),
});

describe('execute: statement counts and query ids', () => {
  it('sends the exact statement count for an approved multi-statement text and records every query id', async () => {
    const { d, warehouse } = await deps(ok);
    const out = await executeQuery(d, args('UPDATE t SET x = 1; SELECT 1 AS N'));
    expect(warehouse.calls[0]!.statementCount).toBe(2);
    expect(out.kind === 'executed' && out.body.queryIds).toEqual(['q-first', 'q-last']);
    const [record] = await d.records.list('s1');
    expect(JSON.parse(record!).body).toMatchObject({ queryId: 'q-last', queryIds: ['q-first', 'q-last'] });
  });

  it('sends no statement count on the direct (unapproved) path, so the warehouse refuses a multi-statement text', async () => {
    const { d, warehouse } = await deps(ok);
    await executeQuery(d, args('SELECT 1; SELECT 2', { viaApproval: false }));
    expect(warehouse.calls[0]!.statementCount).toBeUndefined();
  });

  it('sends no statement count for a single statement, and records no queryIds', async () => {
    const { d, warehouse } = await deps(ok);
    const out = await executeQuery(d, args('SELECT 1 AS N'));
    expect(warehouse.calls[0]!.statementCount).toBeUndefined();
    expect(out.kind === 'executed' && out.body.queryIds).toBeUndefined();
  });

  it.each([
    ['ERR_WAREHOUSE_LOGIN', 503],
    ['ERR_WAREHOUSE_UNAVAILABLE', 503],
    ['ERR_WAREHOUSE_TIMEOUT', 504],
    ['ERR_WAREHOUSE', 422],
  ] as const)('records %s as query.failed and answers %i', async (code, status) => {
    const { d } = await deps(() => {
      throw new AirlockError(code, 'it failed', { details: { queryId: 'q-9', sqlState: '08001' } });
    });
    const out = await executeQuery(d, args('SELECT 1 AS N'));
    expect(httpStatusOfOutcome(out)).toBe(status);
    const [record] = await d.records.list('s1');
    const parsed = JSON.parse(record!);
    expect(parsed.type).toBe('query.failed');
    expect(parsed.body).toMatchObject({ queryId: 'q-9', error: { code, sqlState: '08001', queryId: 'q-9' } });
  });
});
