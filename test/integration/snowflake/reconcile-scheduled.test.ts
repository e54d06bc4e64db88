import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { CertifiedSigner } from '#shared/adapters/certified-signer.js';
import { SnowflakeQueryHistory } from '#shared/adapters/snowflake/snowflake-query-history.js';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { systemClock } from '#shared/ports/clock.js';
import type { RequestItem } from '#shared/ports/request-store.js';
import { sqlHash } from '#shared/records/hash.js';
import { KEY_CHAIN_SESSION, type SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { RECONCILE_SESSION, findingId, recordFindings } from '#shared/reconcile/record-findings.js';
import { BYPASS_METRIC, reconcileEmfLine } from '#shared/reconcile/reconcile-metrics.js';
import { reconcileQueries, type ReconcileAppendDeps } from '#shared/reconcile/reconcile-queries.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';
import { snowflakeRig, type SnowflakeRig } from './snowflake-fixture.js';

/**
 * The scheduled reconcile's pieces on real parts: dynalite tables, the Snowflake wire test server
 * (its server-side history answers QUERY_HISTORY_BY_USER), records signed by a key certified for
 * the `reconcile` function, as the ReconcileWarehouse Lambda runs them.
 */
describe('scheduled reconcile: system/reconcile findings, settled request items, idempotent runs', () => {
  const t = tempDir('airlock-rc-sched-');
  let db: DynaliteServer;
  let rig: SnowflakeRig;
  let root: LocalKeySigner;
  let records: DynamoDbRecordStore;
  let requests: DynamoDbRequestStore;
  let deps: ReconcileAppendDeps & { requests: DynamoDbRequestStore };
  const agentSigner = () => root;

  beforeAll(async () => {
    db = await startDynalite({ dataDir: t.dir });
    rig = await snowflakeRig({ seed: ['CREATE TABLE t AS SELECT range AS ID FROM range(5)'] });
    root = await newSigner(t.dir);
    records = new DynamoDbRecordStore(db.client, db.tables.records);
    requests = new DynamoDbRequestStore(db.client, db.tables.requests);
    const signer = new CertifiedSigner({ root, records, clock: systemClock, functionName: 'reconcile' });
    deps = { records, requests, signer, clock: systemClock, history: new SnowflakeQueryHistory(rig.warehouse, 'airlock_svc'), settleAfterMs: 0 };
  });
  afterAll(async () => {
    await rig?.dispose();
    await db?.close();
    t.cleanup();
  });

  /** A request on record (query.requested) whose item says `status`; with `run`, its SQL ran on Snowflake under Airlock's tag. */
  async function request(sessionId: string, sql: string, status: RequestItem['status'], run: boolean): Promise<{ requestId: string; queryId?: string }> {
    const requestId = ulid();
    const hash = sqlHash(sql);
    const { record } = await appendRecord(
      { records, signer: agentSigner(), clock: systemClock },
      {
        sessionId,
        requestId,
        type: 'query.requested',
        actor: { kind: 'agent', iss: 'https://idp.example.com', sub: 'agent-1' },
        body: { prompt: 'p', sql, sqlHash: hash, risk: 'read', decision: { outcome: 'allow', approvalsRequired: 0 }, reasons: [], objects: [] },
      },
    );
    await requests.put({ requestId, sessionId, owner: 'https://idp.example.com#agent-1', status, risk: 'read', sql, sqlHash: hash, prompt: 'p', createdAt: record.at, approvalsRequired: 0, votes: [], requestedSeq: record.seq });
    if (!run) return { requestId };
    const tag = JSON.stringify({ airlock: { sessionId, seq: record.seq, requestId, sqlHash: hash } });
    const r = await rig.warehouse.execute({ sql, queryTag: tag, maxRows: 100, timeoutMs: 20_000 });
    return { requestId, queryId: r.queryId };
  }

  const lines = (sessionId: string) => records.list(sessionId);
  const window = (fromMs: number) => ({ from: new Date(fromMs).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

  it('settles a crashed request in the chain and in its item, flags a query run around Airlock once, and a second run over the window appends nothing', async () => {
    const start = Date.now() - 60_000;
    const crashed = await request('rc-sched-1', 'SELECT ID FROM t WHERE ID < 3', 'outcome_unknown', true);
    const never = await request('rc-sched-1', 'SELECT ID FROM t WHERE ID = 4', 'outcome_unknown', false);
    // Around Airlock: the service user's key, no Airlock tag.
    const bypass = await rig.warehouse.execute({ sql: 'SELECT COUNT(*) FROM t', queryTag: '', maxRows: 10, timeoutMs: 20_000 });

    const w = window(start);
    const first = await reconcileQueries(deps, w);
    const resolved = first.findings.filter((f) => f.kind === 'outcome_resolved');
    expect(resolved.map((f) => f.record?.requestId)).toEqual([crashed.requestId]);
    expect(first.findings.filter((f) => f.flagged).map((f) => [f.kind, f.reason, f.history?.queryId])).toEqual([['unrecorded_query', 'no_airlock_tag', bypass.queryId]]);
    // The request whose query Snowflake does not know stays unknown, in the chain and in its item.
    expect(first.findings.find((f) => f.record?.requestId === never.requestId)).toMatchObject({ kind: 'outcome_unknown', reason: 'not_in_history', flagged: false });
    expect((await requests.get(never.requestId))!.status).toBe('outcome_unknown');
    expect((await lines('rc-sched-1')).map((l) => (JSON.parse(l) as SessionRecord).type)).toEqual(['query.requested', 'query.requested', 'query.reconciled']);

    // The item follows the chain: GET /v1/queries/{id} answers Snowflake's outcome (what settleRequest stored).
    const item = (await requests.get(crashed.requestId))!;
    expect(item.status).toBe('executed');
    expect(item.httpStatus).toBe(200);
    expect((item.response as { body: Record<string, unknown> }).body).toMatchObject({ status: 'executed', queryId: crashed.queryId, rowCount: 3, reconciled: { status: 'SUCCESS' } });

    const rec1 = await recordFindings(deps, w, first.findings);
    expect(rec1.alreadyRecorded).toBe(0);
    expect(rec1.appended.map((a) => a.finding.kind).sort()).toEqual(['outcome_resolved', 'outcome_unknown', 'unrecorded_query']);
    const emf1 = JSON.parse(reconcileEmfLine(rec1.appended.map((a) => a.finding), new Date()));
    expect(emf1[BYPASS_METRIC]).toBe(1);

    // The system chain and the session chain verify with the root key and its certificates; no outcome is unknown for the settled request.
    const keys = new Map([[await root.keyId(), await root.publicKeyPem()]]);
    const certificates = await lines(KEY_CHAIN_SESSION);
    const sys = await lines(RECONCILE_SESSION);
    expect(sys.map((l) => JSON.parse(l).requestId)).toEqual(rec1.appended.map((a) => a.id));
    expect(verifyChain(sys, keys, { certificates }).ok).toBe(true);
    const session = verifyChain(await lines('rc-sched-1'), keys, { certificates });
    expect(session.ok).toBe(true);
    expect(JSON.stringify(session)).not.toContain(crashed.requestId);
    // The finding's evidence never holds the query text, only its hash.
    expect(sys.join('\n')).not.toContain('COUNT(*)');

    // Second run, same window: the bypass is found again, but nothing new is appended or counted.
    const second = await reconcileQueries(deps, w);
    expect(second.summary.counts.outcome_resolved).toBe(0);
    expect(second.summary.counts.unrecorded_query).toBe(1);
    const rec2 = await recordFindings(deps, w, second.findings);
    expect(rec2.appended).toEqual([]);
    expect(rec2.alreadyRecorded).toBe(second.findings.length);
    expect(JSON.parse(reconcileEmfLine(rec2.appended.map((a) => a.finding), new Date()))[BYPASS_METRIC]).toBe(0);
    expect(await lines(RECONCILE_SESSION)).toEqual(sys);
    expect((await lines('rc-sched-1')).length).toBe(3);
  });

  it('the system/reconcile chain is not evidence: a finding naming a query id does not make that query recorded', async () => {
    const start = Date.now() - 60_000;
    const bypass = await rig.warehouse.execute({ sql: 'SELECT MAX(ID) FROM t', queryTag: '', maxRows: 10, timeoutMs: 20_000 });
    const w = window(start);
    const run = await reconcileQueries(deps, w);
    await recordFindings(deps, w, run.findings);
    const again = await reconcileQueries(deps, w);
    expect(again.findings.some((f) => f.kind === 'unrecorded_query' && f.history?.queryId === bypass.queryId)).toBe(true);
    expect(again.findings.filter((f) => f.kind === 'missing_in_history')).toEqual([]);
  });

  it('a run that appended query.reconciled but not the item (it died between the two) is finished by the next run', async () => {
    const start = Date.now() - 60_000;
    const crashed = await request('rc-sched-2', 'SELECT ID FROM t WHERE ID > 3', 'outcome_unknown', true);
    const { requests: _without, ...chainOnly } = deps;
    await reconcileQueries(chainOnly, window(start));
    expect((await requests.get(crashed.requestId))!.status).toBe('outcome_unknown');
    await reconcileQueries(deps, window(start));
    expect((await requests.get(crashed.requestId))!.status).toBe('executed');
  });

  it('a failed query settles the request as failed (422, ERR_WAREHOUSE with Snowflake\'s error code), never as executed', async () => {
    const start = Date.now() - 60_000;
    const crashed = await request('rc-sched-3', 'SELECT * FROM no_such_table', 'outcome_unknown', false);
    const tag = JSON.stringify({ airlock: { sessionId: 'rc-sched-3', seq: 1, requestId: crashed.requestId, sqlHash: sqlHash('SELECT * FROM no_such_table') } });
    await expect(rig.warehouse.execute({ sql: 'SELECT * FROM no_such_table', queryTag: tag, maxRows: 1, timeoutMs: 20_000 })).rejects.toThrow();
    await reconcileQueries(deps, window(start));
    const item = (await requests.get(crashed.requestId))!;
    expect(item.status).toBe('failed');
    expect(item.httpStatus).toBe(422);
    expect((item.response as { body: { error: { code: string; message: string } } }).body.error).toMatchObject({ code: 'ERR_WAREHOUSE', message: expect.stringContaining('002003') });
  });

  it('read-only (reconcile --aws): reports what Snowflake ran, appends nothing, settles nothing', async () => {
    const start = Date.now() - 60_000;
    const crashed = await request('rc-sched-4', 'SELECT ID FROM t WHERE ID = 0', 'outcome_unknown', true);
    const before = await lines('rc-sched-4');
    const { requests: _r, ...rest } = deps;
    const run = await reconcileQueries({ ...rest, readOnly: true }, window(start));
    expect(run.findings.find((f) => f.record?.requestId === crashed.requestId)).toMatchObject({ kind: 'outcome_unknown', reason: 'ran_not_recorded', flagged: false });
    expect(await lines('rc-sched-4')).toEqual(before);
    expect((await requests.get(crashed.requestId))!.status).toBe('outcome_unknown');
  });

  it('a reconcile.finding signed by a key certified for another function does not verify', async () => {
    const other = new CertifiedSigner({ root, records, clock: systemClock, functionName: 'api' });
    const f = { kind: 'unrecorded_query' as const, flagged: true, reason: 'no_airlock_tag', message: 'forged' };
    const sid = 'system/reconcile-forged';
    await appendRecord({ records, signer: other, clock: systemClock }, { sessionId: sid, requestId: findingId(f), type: 'reconcile.finding', actor: { kind: 'system' }, body: { ...f, window: { from: '2026-01-01T00:00:00.000Z', to: '2026-01-01T01:00:00.000Z' } } });
    const keys = new Map([[await root.keyId(), await root.publicKeyPem()]]);
    const v = verifyChain(await lines(sid), keys, { certificates: await lines(KEY_CHAIN_SESSION) });
    expect(v.ok).toBe(false);
    expect(JSON.stringify(v.failure)).toMatch(/reconcile\.finding/);
  });
});
