import { describe, expect, it } from 'vitest';
import { AirlockError } from '#shared/errors.js';
import type { Principal } from '#shared/identity/principal.js';
import { httpStatusOfOutcome, submitQuery } from '#shared/use-cases/submit-query.js';
import type { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { ONE_ROW, ScriptedWarehouse } from '#test/doubles/scripted-warehouse.js';
import { submitQueryDeps } from '#test/fixtures/use-cases/submit-query-deps.js';

/*
 * A request is never left `running` once its statement returned; a result that cannot be
 * returned is a recorded 422; a text the warehouse would lex otherwise is a recorded 400. In-memory
 * stores and a real signer; the warehouse is a stub that answers what the test needs.
 */

const principal: Principal = { iss: 'https://idp.example', sub: 'agent-1', email: 'agent@example.com', groups: [] };

/** The default policy, in-memory stores, a real file key; the clock frozen at 2026-12-07 10:00 UTC. */
const deps = (warehouse: ScriptedWarehouse) => submitQueryDeps(warehouse, { clock: { now: () => new Date('2026-12-07T10:00:00.000Z') } });

async function types(d: { records: MemoryRecordStore }, sessionId: string): Promise<string[]> {
  return (await d.records.list(sessionId)).map((l) => (JSON.parse(l) as { type: string }).type);
}

describe('submitQuery closes every request', () => {
  it('closes the request as outcome_unknown when recording the result fails after the statement returned', async () => {
    const d = await deps(new ScriptedWarehouse(() => ONE_ROW));
    const append = d.records.append.bind(d.records);
    d.records.append = async (r, c) => {
      if (r.type === 'query.executed') throw new AirlockError('ERR_STORE_UNAVAILABLE', 'store down');
      return append(r, c);
    };
    await expect(submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const requested = JSON.parse((await d.records.list('s1'))[0]!) as { type: string; requestId: string };
    expect(requested.type).toBe('query.requested');
    expect((await d.requests.get(requested.requestId))?.status).toBe('outcome_unknown');
  });

  it('passes the policy byte limit to the warehouse', async () => {
    const w = new ScriptedWarehouse(() => ONE_ROW);
    const d = await deps(w);
    await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's3' });
    expect(w.calls[0]?.maxBytes).toBe(d.policy.limits.maxBytes);
  });
});

describe('submitQuery refuses text the warehouse would lex otherwise', () => {
  it('on DuckDB: 400 ERR_SQL_AMBIGUOUS, query.denied with an X-LEX reason, nothing sent to the warehouse', async () => {
    const w = new ScriptedWarehouse(() => ONE_ROW);
    const d = await deps(w);
    const out = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 // 1 AS z, name FROM customers', sessionId: 's4' });
    expect(out.kind).toBe('denied');
    expect(httpStatusOfOutcome(out)).toBe(400);
    expect(out.kind === 'denied' && out.body.error?.code).toBe('ERR_SQL_AMBIGUOUS');
    expect(await types(d, 's4')).toEqual(['query.requested', 'query.denied']);
    const denied = JSON.parse((await d.records.list('s4'))[1]!) as { body: { reasons: Array<{ code: string; message: string }> } };
    expect(denied.body.reasons.find((r) => r.code === 'X-LEX')?.message).toMatch(/^line 1: '\/\/' is a comment/);
    expect(w.calls).toHaveLength(0);
    expect((await d.requests.get(String(out.body['requestId'])))?.status).toBe('denied');
  });

  it('before an approval is asked for: an ambiguous text that would need approval is refused outright', async () => {
    const w = new ScriptedWarehouse(() => ONE_ROW);
    const d = await deps(w);
    const out = await submitQuery(d, principal, { prompt: 'p', sql: "DELETE FROM customers WHERE name = 'x\\' OR 1=1 --'", sessionId: 's5' });
    expect(httpStatusOfOutcome(out)).toBe(400);
    expect(await types(d, 's5')).toEqual(['query.requested', 'query.denied']);
  });

  it('on Snowflake the same text is the classifier’s own dialect and is not refused for lexing', async () => {
    const w = new ScriptedWarehouse(() => ONE_ROW, 'snowflake');
    const d = await deps(w);
    const out = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 // 1 AS z', sessionId: 's6' });
    expect(out.kind).toBe('executed');
    expect(w.calls).toHaveLength(1);
  });
});
