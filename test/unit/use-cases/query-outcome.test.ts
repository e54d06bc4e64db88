import { describe, expect, expectTypeOf, it } from 'vitest';
import { outcomeError, parseStoredOutcome, type StoredOutcome } from '#shared/ports/query-outcome.js';
import type { QueryOutcome } from '#shared/use-cases/submit-query.js';

const base = { requestId: 'r1', sessionId: 's1', risk: 'read' } as const;
const executed: QueryOutcome = {
  kind: 'executed',
  body: { ...base, status: 'executed', columns: [{ name: 'N', type: 'NUMBER' }], rows: [{ N: 1 }], rowCount: 1, truncated: false, masked: [], queryId: 'q1', record: { seq: 2, hash: 'h' } },
};
const pending: QueryOutcome = {
  kind: 'pending',
  body: { ...base, status: 'pending_approval', reasons: [], approvalsRequired: 1, approvers: ['U1'], expiresAt: '2026-01-01T00:00:00.000Z' },
};
const denied: QueryOutcome = { kind: 'denied', body: { ...base, status: 'denied', reasons: [] } };
const failed: QueryOutcome = { kind: 'failed', body: { ...base, status: 'outcome_unknown', error: { code: 'ERR_INTERNAL', message: 'm' } } };
const timeout: QueryOutcome = { kind: 'timeout', body: { ...base, status: 'failed', error: { code: 'ERR_WAREHOUSE_TIMEOUT', message: 'm' } } };

describe('QueryOutcome: the compiler pairs each kind with its body', () => {
  it('refuses a body of another kind, or one missing its own fields', () => {
    // The lines under @ts-expect-error must NOT compile (tsc --noEmit -p . fails if one does).
    // @ts-expect-error an executed answer cannot carry a denial's body
    const wrongPairing: QueryOutcome = { kind: 'executed', body: { ...base, status: 'denied', reasons: [] } };
    // @ts-expect-error a pending answer carries its approval fields (approvalsRequired, approvers, expiresAt)
    const pendingWithoutApprovers: QueryOutcome = { kind: 'pending', body: { ...base, status: 'pending_approval', reasons: [] } };
    // @ts-expect-error a timeout answers `failed`, never `outcome_unknown`
    const timeoutUnknown: QueryOutcome = { kind: 'timeout', body: { ...base, status: 'outcome_unknown', error: { code: 'ERR_WAREHOUSE_TIMEOUT', message: 'm' } } };
    // @ts-expect-error a failed answer carries its error
    const failedWithoutError: QueryOutcome = { kind: 'failed', body: { ...base, status: 'failed' } };
    // @ts-expect-error no such kind
    const unknownKind: QueryOutcome = { kind: 'exploded', body: { ...base, status: 'failed' } };
    expect([wrongPairing, pendingWithoutApprovers, timeoutUnknown, failedWithoutError, unknownKind]).toHaveLength(5);
  });

  it('narrows the body on kind', () => {
    const o = executed as QueryOutcome;
    if (o.kind === 'executed') expectTypeOf(o.body.rows).toEqualTypeOf<Array<Record<string, unknown>>>();
    if (o.kind === 'pending') expectTypeOf(o.body.approvers).toEqualTypeOf<string[]>();
    expectTypeOf<Extract<QueryOutcome, { kind: 'failed' }>['body']['status']>().toEqualTypeOf<'failed' | 'outcome_unknown'>();
    expectTypeOf<Extract<QueryOutcome, { kind: 'denied' }>['body']['status']>().toEqualTypeOf<'denied'>();
    expect(outcomeError(failed)?.code).toBe('ERR_INTERNAL');
    expect(outcomeError(executed)).toBeUndefined();
  });
});

describe('parseStoredOutcome: the one check of a stored answer read back', () => {
  it('passes every kind Airlock writes, and the row-less executed form, unchanged', () => {
    const { rows: _rows, ...rest } = executed.body;
    const stored: StoredOutcome = { kind: 'executed', body: { ...rest, rowsInRecord: true } };
    for (const o of [executed, pending, denied, failed, timeout, stored]) expect(parseStoredOutcome(JSON.parse(JSON.stringify(o)))).toEqual(o);
  });

  it('refuses an unknown kind, a status the kind never answers, and anything that is not an answer', () => {
    for (const v of [
      undefined,
      null,
      'executed',
      [],
      { rows: [{ ID: 1 }] },
      { kind: 'exploded', body: { ...base, status: 'failed' } },
      { kind: 'executed', body: { ...base, status: 'denied', reasons: [] } },
      { kind: 'timeout', body: { ...base, status: 'outcome_unknown' } },
      { kind: 'pending', body: null },
      { kind: 'denied', body: [] },
      { kind: 'denied', body: { ...base } },
      { kind: 'toString', body: { status: 'failed' } },
    ]) {
      expect(parseStoredOutcome(v)).toBeUndefined();
    }
  });
});
