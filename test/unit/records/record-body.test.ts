import { describe, expect, it } from 'vitest';
import type { RecordDraft } from '#shared/use-cases/append-record.js';

// Compile-time checks (tsc runs over the tests): a draft's body must have the shape
// docs/interfaces.md gives for its type. Each @ts-expect-error fails the type check if the
// wrong body ever compiles.

const base = { sessionId: 's', requestId: 'r', actor: { kind: 'system' as const } };

describe('RecordDraft bodies are typed by record type', () => {
  it('accepts each documented body and refuses others', () => {
    const ok: RecordDraft[] = [
      { ...base, type: 'approval.expired', body: { sqlHash: 'a'.repeat(64) } },
      { ...base, type: 'query.denied', body: { sqlHash: 'a'.repeat(64), reasons: [] } },
      { ...base, type: 'approval.granted', body: { sqlHash: 'a'.repeat(64), votesFor: 1, approvalsRequired: 1, reason: 'fine' } },
      { ...base, type: 'query.failed', body: { sqlHash: 'a'.repeat(64), error: { code: 'ERR_WAREHOUSE', message: 'failed', sqlState: '22018' } } },
    ];
    const bad: RecordDraft[] = [
      // @ts-expect-error: approval.requested needs approvalsRequired, approvers and expiresAt
      { ...base, type: 'approval.requested', body: { sqlHash: 'a'.repeat(64) } },
      // @ts-expect-error: a query.failed error code must be a known AirlockErrorCode
      { ...base, type: 'query.failed', body: { sqlHash: 'a'.repeat(64), error: { code: 'E', message: 'x' } } },
      // @ts-expect-error: a vote's votesFor is a number
      { ...base, type: 'approval.rejected', body: { sqlHash: 'a'.repeat(64), votesFor: '1', approvalsRequired: 1 } },
      // @ts-expect-error: a body of another type (query.denied's) for query.executed
      { ...base, type: 'query.executed', body: { sqlHash: 'a'.repeat(64), reasons: [] } },
    ];
    expect(ok).toHaveLength(4);
    expect(bad).toHaveLength(4);
  });
});
