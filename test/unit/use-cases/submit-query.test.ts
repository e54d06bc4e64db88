import { describe, expect, it } from 'vitest';

import { AirlockError, type AirlockErrorCode } from '#shared/errors.js';
import type { Principal } from '#shared/identity/principal.js';
import { keyRing } from '#shared/records/key-id.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { parseQueryInput } from '#shared/use-cases/query-input.js';
import { capRowsByBytes, rowObjects } from '#shared/use-cases/result-shape.js';
import { submitQuery, type SubmitQueryDeps } from '#shared/use-cases/submit-query.js';
import { expectCode } from '#test/helpers/expect-code.js';
import { ScriptedWarehouse } from '#test/doubles/scripted-warehouse.js';
import { submitQueryDeps } from '#test/fixtures/use-cases/submit-query-deps.js';

const principal: Principal = { iss: 'https://idp.example', sub: 'agent-1', email: 'agent@example.com', groups: [] };
/** The default policy, in-memory stores, a warehouse answering two rows (one with an email address) to every statement. */
function deps<O extends Partial<SubmitQueryDeps> = Record<never, never>>(overrides?: O) {
  const warehouse = new ScriptedWarehouse(() => ({
    queryId: 'q-1',
    columns: [{ name: 'EMAIL', type: 'VARCHAR' }, { name: 'N', type: 'NUMBER(38,0)' }],
    rows: [['ann@example.com', 1], ['bob@example.org', 2]],
    truncated: false,
    durationMs: 3,
  }));
  return submitQueryDeps(warehouse, overrides);
}

describe('submitQuery', () => {
  it('runs an allowed read, masks it, tags the query with session, seq and request, and records a verifiable chain', async () => {
    const d = await deps();
    const out = await submitQuery(d, principal, { prompt: 'emails', sql: 'SELECT email, 1 AS n FROM customers', sessionId: 's1' });
    expect(out.kind).toBe('executed');
    expect(JSON.stringify(out.kind === 'executed' && out.body.rows)).not.toContain('@');
    const tag = JSON.parse(d.warehouse.calls[0]!.queryTag);
    expect(tag.airlock).toMatchObject({ sessionId: 's1', seq: 1, requestId: out.body['requestId'] });
    const lines = await d.records.list('s1');
    expect(verifyChain(lines, keyRing([await d.signer.publicKeyPem()])).ok).toBe(true);
  });

  it('runs nothing when the write-ahead record cannot be written (store down → 503 code)', async () => {
    const d = await deps();
    const records = d.records;
    records.append = async () => {
      throw new AirlockError('ERR_STORE_UNAVAILABLE', 'store down');
    };
    await expectCode(submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1' }), 'ERR_STORE_UNAVAILABLE');
    expect(d.warehouse.calls).toHaveLength(0);
  });

  it('runs nothing when the signer fails, and writes no record', async () => {
    const d = await deps();
    d.signer.sign = async () => {
      throw new Error('HSM offline');
    };
    await expectCode(submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1', sessionId: 's2' }), 'ERR_SIGNER_UNAVAILABLE');
    expect(d.warehouse.calls).toHaveLength(0);
    expect(await d.records.list('s2')).toEqual([]);
  });

  it('frees the idempotency key when nothing was recorded, so the retry goes through once the store is back', async () => {
    const d = await deps();
    const realAppend = d.records.append.bind(d.records);
    let down = true;
    d.records.append = async (r, c) => {
      if (down) throw new AirlockError('ERR_STORE_UNAVAILABLE', 'store down');
      return realAppend(r, c);
    };
    const input = { prompt: 'p', sql: 'SELECT 1', sessionId: 's3', idempotencyKey: 'k1' };
    await expectCode(submitQuery(d, principal, input), 'ERR_STORE_UNAVAILABLE');
    down = false;
    const out = await submitQuery(d, principal, input);
    expect(out.kind).toBe('executed');
    const again = await submitQuery(d, principal, input);
    expect(again.body['requestId']).toBe(out.body['requestId']);
    expect(again.kind === 'executed' && again.body.rows).toEqual(out.kind === 'executed' && out.body.rows);
    expect(d.warehouse.calls).toHaveLength(1);
  });

  it('records a warehouse failure without quoting data from the error message', async () => {
    const d = await deps({});
    d.warehouse.execute = async () => {
      throw new AirlockError('ERR_WAREHOUSE', `Conversion Error: Could not convert string 'Jane Q. Public' to INT32 (contact jane@corp.example)`, { details: { sqlState: '22018', queryId: 'duckdb-x' } });
    };
    const out = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT CAST(name AS INT) FROM customers', sessionId: 's4' });
    expect(out.kind).toBe('failed');
    const lines = (await d.records.list('s4')).join('\n');
    expect(lines).not.toContain('Jane Q. Public');
    expect(lines).not.toContain('jane@corp.example');
    expect(out.kind === 'failed' && out.body.error).toMatchObject({ code: 'ERR_WAREHOUSE', sqlState: '22018', queryId: 'duckdb-x' });
  });

  it('refuses a session owned by another identity as not found', async () => {
    const d = await deps();
    await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1', sessionId: 'mine' });
    await expectCode(submitQuery(d, { ...principal, sub: 'intruder' }, { prompt: 'p', sql: 'SELECT 1', sessionId: 'mine' }), 'ERR_NOT_FOUND');
  });
});

describe('parseQueryInput', () => {
  const bad: Array<[string, unknown, AirlockErrorCode]> = [
    ['null', null, 'ERR_VALIDATION'],
    ['array', [], 'ERR_VALIDATION'],
    ['empty object', {}, 'ERR_VALIDATION'],
    ['number sql', { prompt: '', sql: 1 }, 'ERR_VALIDATION'],
    ['lone surrogate in prompt', { prompt: 'a\uD800b', sql: 'SELECT 1' }, 'ERR_VALIDATION'],
    ['lone low surrogate in sql', { prompt: 'p', sql: 'SELECT 1 \uDC00' }, 'ERR_VALIDATION'],
    ['session id too long', { prompt: 'p', sql: 'SELECT 1', sessionId: 'x'.repeat(65) }, 'ERR_BAD_ID'],
    ['session id traversal', { prompt: 'p', sql: 'SELECT 1', sessionId: '../x' }, 'ERR_BAD_ID'],
    ['a session id the gateway keeps for refusals (another identity could claim it first)', { prompt: 'p', sql: 'SELECT 1', sessionId: 'throttled-0123456789abcdef0123456789abcdef' }, 'ERR_BAD_ID'],
    ['idempotency key with space', { prompt: 'p', sql: 'SELECT 1', idempotencyKey: 'a b' }, 'ERR_BAD_ID'],
    ['prompt of 32 KiB + 1 byte in UTF-8', { prompt: 'é'.repeat(16 * 1024) + 'x', sql: 'SELECT 1' }, 'ERR_PROMPT_TOO_LARGE'],
  ];
  it.each(bad)('%s → %s', async (_n, value, code) => {
    await expectCode(() => parseQueryInput(value), code);
  });

  it('accepts a paired surrogate (an emoji) and exactly 32 KiB of prompt', () => {
    expect(parseQueryInput({ prompt: '😀' + 'p'.repeat(32 * 1024 - 4), sql: 'SELECT 1' }).prompt).toHaveLength(32 * 1024 - 2);
  });
});

describe('result shaping', () => {
  it('suffixes duplicate output names and keeps every value', () => {
    expect(rowObjects([{ name: 'ID', type: 'N' }, { name: 'ID', type: 'N' }, { name: 'ID_2', type: 'N' }], [[1, 2, 3]])).toEqual([{ ID: 1, ID_2: 2, ID_2_2: 3 }]);
  });
  it('cuts rows at the byte cap and says so', () => {
    const rows = Array.from({ length: 100 }, (_, i) => ({ v: 'x'.repeat(100), i }));
    const capped = capRowsByBytes(rows, 1000);
    expect(capped.truncated).toBe(true);
    expect(JSON.stringify(capped.rows).length).toBeLessThanOrEqual(1000);
    expect(capRowsByBytes(rows.slice(0, 2), 1000)).toEqual({ rows: rows.slice(0, 2), truncated: false });
  });
});

describe('submitQuery: starting the approval workflow', () => {
  it('fails the request visibly when the workflow cannot be started: query.failed recorded, status failed, nothing waits forever', async () => {
    const d = await deps();
    d.workflow = {
      start: async () => {
        throw new Error('Step Functions unavailable');
      },
    } as unknown as NonNullable<SubmitQueryDeps['workflow']>;
    await expectCode(submitQuery(d, principal, { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 1', sessionId: 'wf-1' }), 'ERR_WORKFLOW_UNAVAILABLE');
    const types = (await d.records.list('wf-1')).map((l) => JSON.parse(l).type);
    expect(types).toEqual(['query.requested', 'approval.requested', 'query.failed']);
    const [item] = await d.requests.listByStatus('failed');
    expect(item?.sessionId).toBe('wf-1');
    expect(d.warehouse.calls).toHaveLength(0);
  });

  it('starts the workflow again (idempotent by request id) when a pending request is retried with its idempotency key', async () => {
    const d = await deps();
    const starts: Array<{ requestId: string; timeoutSeconds: number }> = [];
    d.workflow = { start: async (i: { requestId: string; timeoutSeconds: number }) => void starts.push(i) } as unknown as NonNullable<SubmitQueryDeps['workflow']>;
    const input = { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 1', sessionId: 'wf-2', idempotencyKey: 'retry-1' };
    const first = await submitQuery(d, principal, input);
    const again = await submitQuery(d, principal, input);
    expect(again.body['requestId']).toBe(first.body['requestId']);
    expect(starts.map((s) => s.requestId)).toEqual([first.body['requestId'], first.body['requestId']]);
    expect(starts[0]!.timeoutSeconds).toBe(3600);
    expect(starts[1]!.timeoutSeconds).toBe(3600);
  });
});
