import { describe, expect, it } from 'vitest';
import { AirlockError } from '#shared/errors.js';
import type { RequestItem } from '#shared/ports/request-store.js';
import type { ReconcileFinding } from '#shared/reconcile/reconcile-finding.js';
import { findingId } from '#shared/reconcile/record-findings.js';
import { BYPASS_METRIC, RECONCILE_METRIC_NAMESPACE, reconcileEmfLine } from '#shared/reconcile/reconcile-metrics.js';
import { DEFAULT_WINDOW_SECONDS, reconcileWindow } from '#shared/reconcile/reconcile-window.js';
import { settleRequest } from '#shared/reconcile/settle-request.js';
import type { SessionRecord } from '#shared/records/types.js';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';

const NOW = new Date('2026-12-07T12:15:00.000Z');

describe('reconcileWindow: the scheduled event, an operator event, and what is refused', () => {
  it('the rule event: the windowSeconds before the fire time', () => {
    expect(reconcileWindow({ time: '2026-12-07T12:15:00Z', windowSeconds: 3600 }, NOW)).toEqual({ from: '2026-12-07T11:15:00.000Z', to: '2026-12-07T12:15:00.000Z' });
  });

  it('an empty, null-ish or unreadable event: the last hour up to now', () => {
    for (const e of [{}, { time: 'soon' }, { time: 42 }, { windowSeconds: 'all' }, { windowSeconds: -5 }, { windowSeconds: 1.5 }, { windowSeconds: 10 ** 9 }]) {
      expect(reconcileWindow(e, NOW), JSON.stringify(e)).toEqual({ from: new Date(NOW.getTime() - DEFAULT_WINDOW_SECONDS * 1000).toISOString(), to: NOW.toISOString() });
    }
  });

  it('a fire time in the future is not believed: the window ends now', () => {
    expect(reconcileWindow({ time: '2099-01-01T00:00:00Z', windowSeconds: 60 }, NOW)).toEqual({ from: '2026-12-07T12:14:00.000Z', to: NOW.toISOString() });
  });

  it('an explicit window: two ISO instants in order, at most 7 days apart; anything else is ERR_VALIDATION', () => {
    expect(reconcileWindow({ from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z' }, NOW)).toEqual({ from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' });
    for (const e of [
      { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
      { from: '2026-12-01T00:00:00Z' },
      { to: '2026-12-01T00:00:00Z' },
      { from: 'yesterday', to: 'today' },
      { from: 1, to: 2 },
      { from: "2026-12-01'); DROP TABLE x; --", to: '2026-12-02T00:00:00Z' },
    ]) {
      expect(() => reconcileWindow(e, NOW), JSON.stringify(e)).toThrow(AirlockError);
    }
  });
});

const f = (over: Partial<ReconcileFinding> = {}): ReconcileFinding => ({
  kind: 'unrecorded_query',
  flagged: true,
  reason: 'no_airlock_tag',
  message: 'query 01b… ran as AIRLOCK_SVC',
  history: { queryId: '01b-1', userName: 'AIRLOCK_SVC', status: 'SUCCESS', startTime: 'a', endTime: 'b', rowsProduced: 1, textHash: 'h', textLength: 1, queryTag: '' },
  ...over,
});

describe('findingId: one id per finding, whatever run found it', () => {
  it('is stable across runs (message and times may differ) and differs by kind, reason, query and record', () => {
    const id = findingId(f());
    expect(id).toMatch(/^rf_[0-9a-f]{32}$/);
    expect(findingId(f({ message: 'another wording', history: { ...f().history!, endTime: 'later', startTime: 'x' } }))).toBe(id);
    expect(findingId(f({ kind: 'sql_mismatch' }))).not.toBe(id);
    expect(findingId(f({ reason: 'second_run' }))).not.toBe(id);
    expect(findingId(f({ history: { ...f().history!, queryId: '01b-2' } }))).not.toBe(id);
    expect(findingId(f({ record: { sessionId: 's', requestId: 'r', seq: 1, sqlHash: null } }))).not.toBe(id);
  });
});

describe('reconcileEmfLine: what the alarm watches', () => {
  it('one EMF document on one line: every metric present, BypassFindings = new unrecorded_query + sql_mismatch', () => {
    const line = reconcileEmfLine([f(), f({ kind: 'sql_mismatch' }), f({ kind: 'missing_in_history' }), f({ kind: 'outcome_resolved', flagged: false }), f({ kind: 'outcome_unknown', flagged: false })], NOW);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    const doc = JSON.parse(line);
    expect(doc._aws.Timestamp).toBe(NOW.getTime());
    expect(doc._aws.CloudWatchMetrics).toEqual([{ Namespace: RECONCILE_METRIC_NAMESPACE, Dimensions: [[]], Metrics: expect.arrayContaining([{ Name: BYPASS_METRIC, Unit: 'Count' }]) }]);
    expect(doc).toMatchObject({ [BYPASS_METRIC]: 2, UnrecordedQueries: 1, SqlMismatches: 1, MissingInHistory: 1, OutcomesResolved: 1 });
    // Every declared metric has its value (CloudWatch drops a metric whose member is missing).
    for (const m of doc._aws.CloudWatchMetrics[0].Metrics) expect(typeof doc[m.Name]).toBe('number');
    expect(JSON.parse(reconcileEmfLine([], NOW))[BYPASS_METRIC]).toBe(0);
  });
});

const ID = '01JREQUEST00000000000000AA';
const item = (status: RequestItem['status'], sessionId = 's1'): RequestItem => ({
  requestId: '01JREQUEST00000000000000AA',
  sessionId,
  owner: 'iss#sub',
  status,
  risk: 'write',
  sql: "UPDATE t SET x = 'y'",
  sqlHash: 'h',
  prompt: 'p',
  createdAt: '2026-12-07T11:00:00.000Z',
  approvalsRequired: 1,
  votes: [],
  requestedSeq: 1,
});

const reconciled = (body: Record<string, unknown>, sessionId = 's1'): SessionRecord =>
  ({ sessionId, seq: 4, requestId: '01JREQUEST00000000000000AA', type: 'query.reconciled', at: '2026-12-07T12:00:00.000Z', actor: { kind: 'system' }, body, prevHash: '0'.repeat(64), hash: 'ab'.repeat(32), sig: { keyId: 'k', alg: 'ECDSA_SHA_256', value: 'v' } }) as SessionRecord;

describe('settleRequest: the item follows query.reconciled, from outcome_unknown (or a dead running) only', () => {
  it('SUCCESS → executed 200 with queryId, rowCount and the record; FAILED_WITH_ERROR → failed 422 ERR_WAREHOUSE', async () => {
    const ok = new MemoryRequestStore();
    await ok.put(item('outcome_unknown'));
    expect(await settleRequest(ok, reconciled({ sqlHash: 'h', queryId: 'q1', status: 'SUCCESS', rowCount: 1, endTime: 'e', source: 'INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER' }))).toBe(true);
    const a = (await ok.get(ID))!;
    expect(a).toMatchObject({ status: 'executed', httpStatus: 200, response: { kind: 'executed', body: { status: 'executed', queryId: 'q1', rowCount: 1, rows: [], reconciled: { status: 'SUCCESS', record: { seq: 4 } } } } });
    const bad = new MemoryRequestStore();
    await bad.put(item('running'));
    expect(await settleRequest(bad, reconciled({ sqlHash: 'h', queryId: 'q2', status: 'FAILED_WITH_ERROR', errorCode: '002003', rowCount: 0, endTime: 'e', source: 'INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER' }))).toBe(true);
    expect((await bad.get(ID))!).toMatchObject({ status: 'failed', httpStatus: 422, response: { body: { error: { code: 'ERR_WAREHOUSE', queryId: 'q2', message: expect.stringContaining('002003') } } } });
  });

  it('leaves alone: a request already decided otherwise, another session\'s request of that id, an unknown id, a record of another type', async () => {
    for (const status of ['executed', 'failed', 'denied', 'rejected', 'expired', 'pending_approval', 'approved'] as const) {
      const s = new MemoryRequestStore();
      await s.put(item(status));
      expect(await settleRequest(s, reconciled({ status: 'SUCCESS', queryId: 'q' })), status).toBe(false);
      expect((await s.get(ID))!.status).toBe(status);
    }
    const other = new MemoryRequestStore();
    await other.put(item('outcome_unknown', 's2'));
    expect(await settleRequest(other, reconciled({ status: 'SUCCESS', queryId: 'q' }))).toBe(false);
    expect(await settleRequest(new MemoryRequestStore(), reconciled({ status: 'SUCCESS', queryId: 'q' }))).toBe(false);
    const s = new MemoryRequestStore();
    await s.put(item('outcome_unknown'));
    expect(await settleRequest(s, { ...reconciled({ queryId: 'q' }), type: 'query.executed' })).toBe(false);
    expect((await s.get(ID))!.status).toBe('outcome_unknown');
  });
});
