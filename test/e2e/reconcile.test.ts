import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import snowflake from 'snowflake-sdk';
import { sqlHash } from '#shared/records/hash.js';
import { keyIdOf } from '#shared/records/key-id.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { startFakeSnowflake, type FakeSnowflake } from '#test/helpers/fake-snowflake-server.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';
import { call, startServe, tokenFromBanner, waitExit } from '#test/helpers/serve-process.js';
import { fakeSnowflakeEnv, testKeys } from '../integration/snowflake/snowflake-fixture.js';
import { runCli } from '#test/helpers/run-cli.js';

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await runCli(args, { env });
  return { code, stdout: out, stderr: err };
}

/** A colleague's script (or a leaked key): snowflake-sdk straight to Snowflake with the service user's key. */
async function aroundAirlock(sf: FakeSnowflake, sqlText: string, queryTag?: string): Promise<string> {
  const c = snowflake.createConnection({ account: 'testaccount', username: 'airlock_svc', authenticator: 'SNOWFLAKE_JWT', privateKey: testKeys().privateKeyPem, accessUrl: sf.url });
  await new Promise<void>((res, rej) => c.connect((e) => (e ? rej(e) : res())));
  try {
    return await new Promise<string>((res, rej) =>
      c.execute({ sqlText, ...(queryTag === undefined ? {} : { parameters: { QUERY_TAG: queryTag } }), complete: (e, stmt) => (e ? rej(e) : res(stmt.getQueryId())) }),
    );
  } finally {
    await new Promise<void>((res) => c.destroy(() => res()));
  }
}

const findingsOf = (stdout: string) => stdout.split('\n').filter((l) => /^(flagged|finding): /.test(l));
const now = () => new Date().toISOString();
const later = () => new Date(Date.now() + 60_000).toISOString();
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('airlock reconcile against the Snowflake wire test server (local runtime)', () => {
  let sf: FakeSnowflake;
  let t: TestRuntime;
  let env: Record<string, string>;
  const outs: string[] = [];
  beforeAll(async () => {
    sf = await startFakeSnowflake({ publicKeyPem: testKeys().publicKeyPem, seed: [`CREATE TABLE customers AS SELECT range AS ID, 'user' || range || '@example.com' AS EMAIL FROM range(3)`] });
    t = await startTestRuntime(fakeSnowflakeEnv(sf));
    env = { AIRLOCK_DATA_DIR: t.dir, ...fakeSnowflakeEnv(sf) };
  });
  afterAll(async () => {
    await t?.close();
    await sf?.close();
    if (t) removeDir(t.dir);
    outs.forEach(removeDir);
  });

  it('a clean day reconciles with exit 0: every query is matched or housekeeping; --out is signed and verifies; a changed findings file does not', async () => {
    const from = now();
    const ok = await t.post('/v1/queries', { prompt: 'ids', sql: 'SELECT ID FROM customers ORDER BY ID', sessionId: 'rc-clean' }, await t.token());
    expect(ok.status).toBe(200);
    const failed = await t.post('/v1/queries', { prompt: 'x', sql: 'SELECT * FROM orders_missing', sessionId: 'rc-clean' }, await t.token());
    expect(failed.status).toBe(422);
    const first = await cli(['reconcile', '--from', from, '--to', later()], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/CLEAN: unrecorded_query 0, sql_mismatch 0, missing_in_history 0/);
    expect(first.stdout).toMatch(/2 matched to records/);
    // A second run sees the first run's QUERY_HISTORY read: tagged housekeeping, expected.
    const out = join(mkdtempSync(join(tmpdir(), 'airlock-rc-')), 'out');
    outs.push(join(out, '..'));
    const second = await cli(['reconcile', '--from', from, '--to', later(), '--out', out], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/[1-9]\d* housekeeping/);
    const tag = JSON.parse(String(sf.queries.find((q) => /QUERY_HISTORY_BY_USER/.test(q.sqlText))!.parameters['QUERY_TAG']));
    expect(tag).toEqual({ airlock: { housekeeping: 'query_history' } });

    const verified = await cli(['verify', out], env);
    expect(verified.stdout).toMatch(/^OK: reconcile report/m);
    expect(verified.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'reconcile.json'), 'utf8'));
    expect(report.sig.keyId).toBe(keyIdOf(await (await LocalKeySigner.open(join(t.dir, 'keys', 'exports.pem'))).publicKeyPem()));
    // Drop the report's only line of evidence, or claim fewer flagged: verify refuses.
    writeFileSync(join(out, 'findings.jsonl'), `${readFileSync(join(out, 'findings.jsonl'), 'utf8')}{"kind":"x"}\n`);
    const tampered = await cli(['verify', out], env);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/FAILED: reconcile report: file_digest_mismatch/);
    writeFileSync(join(out, 'reconcile.json'), JSON.stringify({ ...report, summary: { ...report.summary, flagged: 0, matched: 99 } }));
    expect((await cli(['verify', out], env)).stdout).toMatch(/FAILED: reconcile report: signature_invalid/);
  });

  it('a query sent around Airlock with its own key is flagged unrecorded_query within one run (exit 1)', async () => {
    const from = now();
    const queryId = await aroundAirlock(sf, 'SELECT EMAIL FROM customers');
    await tick();
    const r = await cli(['reconcile', '--from', from, '--to', later()], env);
    expect(r.code).toBe(1);
    const lines = findingsOf(r.stdout);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^flagged: unrecorded_query \\(no_airlock_tag\\): query ${queryId} ran as AIRLOCK_SVC`))]);
    // The evidence names the query, never its text.
    expect(r.stdout).not.toContain('SELECT EMAIL');
  });

  it('forged tags: naming no record, naming a record with other text (sql_mismatch), a replay of a recorded request, a housekeeping tag on other text', async () => {
    const done = await t.post('/v1/queries', { prompt: 'n', sql: 'SELECT COUNT(*) AS N FROM customers', sessionId: 'rc-forged' }, await t.token());
    expect(done.status).toBe(200);
    const from = now();
    const realTag = JSON.stringify({ airlock: { sessionId: 'rc-forged', seq: 1, requestId: done.json.requestId, sqlHash: sqlHash('SELECT COUNT(*) AS N FROM customers') } });
    const ghost = await aroundAirlock(sf, 'SELECT 2', JSON.stringify({ airlock: { sessionId: 'rc-forged', seq: 9, requestId: '01NOSUCHREQUEST', sqlHash: sqlHash('SELECT 2') } }));
    const mismatch = await aroundAirlock(sf, 'SELECT EMAIL FROM customers', realTag);
    const replay = await aroundAirlock(sf, 'SELECT COUNT(*) AS N FROM customers', realTag);
    const disguised = await aroundAirlock(sf, 'SELECT EMAIL FROM customers', JSON.stringify({ airlock: { housekeeping: 'catalog' } }));
    await tick();
    const r = await cli(['reconcile', '--from', from, '--to', later()], env);
    expect(r.code).toBe(1);
    const lines = findingsOf(r.stdout);
    expect(lines).toHaveLength(4);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^flagged: unrecorded_query \\(tag_names_no_record\\): query ${ghost}`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^flagged: sql_mismatch \\(tag_names_other_text\\): query ${mismatch} is tagged with request ${done.json.requestId}`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^flagged: unrecorded_query \\(second_run\\): query ${replay}`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^flagged: unrecorded_query \\(housekeeping_tag_on_other_text\\): query ${disguised}`)));
  });

  it('a record whose query id Snowflake does not know is flagged missing_in_history', async () => {
    const from = now();
    const res = await t.post('/v1/queries', { prompt: 'ids', sql: 'SELECT ID FROM customers WHERE ID = 1', sessionId: 'rc-missing' }, await t.token());
    expect(res.status).toBe(200);
    sf.history.forget(res.json.queryId);
    const r = await cli(['reconcile', '--from', from, '--to', later()], env);
    expect(r.code).toBe(1);
    expect(findingsOf(r.stdout)).toEqual([expect.stringMatching(new RegExp(`^flagged: missing_in_history \\(query_id_unknown\\): query.executed \\(session rc-missing seq 2\\) names query ${res.json.queryId}`))]);
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['reconcile', '--from', 'yesterday', '--to', later()], env)).code).toBe(2);
    expect((await cli(['reconcile', '--to', later()], env)).code).toBe(2);
    expect((await cli(['reconcile', '--from', later(), '--to', now()], env)).code).toBe(2);
    expect((await cli(['reconcile', '--from', now(), '--to', later()], { AIRLOCK_DATA_DIR: t.dir })).code).toBe(2);
    // --aws: the AWS options need it; --out needs the key that signs reconcile.json.
    const noKey = await cli(['reconcile', '--aws', '--from', now(), '--to', later(), '--out', join(tmpdir(), `rc-nokey-${Date.now()}`)], env);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--export-key-arn/);
    expect((await cli(['reconcile', '--table-prefix', 'x', '--from', now(), '--to', later()], env)).code).toBe(2);
  });
});

describe('airlock reconcile settles a crash after execute (served runtime, SIGKILL)', () => {
  let sf: FakeSnowflake;
  const dir = mkdtempSync(join(tmpdir(), 'airlock-rc-crash-'));
  beforeAll(async () => {
    sf = await startFakeSnowflake({ publicKeyPem: testKeys().publicKeyPem, seed: [`CREATE TABLE customers AS SELECT range AS ID FROM range(4)`] });
  });
  afterAll(async () => {
    await sf?.close();
    removeDir(dir);
  });

  it('outcome_unknown is resolved with Snowflake status, rows and end time in a signed query.reconciled; the chain verifies; a second run changes nothing', async () => {
    const from = now();
    const served = await startServe({ AIRLOCK_DATA_DIR: dir, AIRLOCK_FAULTS: 'crash-after-execute', ...fakeSnowflakeEnv(sf) });
    const token = tokenFromBanner(served.output());
    await expect(call(served.url, '/v1/queries', token, { prompt: 'doomed', sql: 'SELECT ID FROM customers', sessionId: 'crashed' })).rejects.toThrow();
    await waitExit(served.child);
    expect(served.child.signalCode).toBe('SIGKILL');
    const ran = sf.queries.find((q) => q.sqlText === 'SELECT ID FROM customers')!;

    const env = { AIRLOCK_DATA_DIR: dir, ...fakeSnowflakeEnv(sf) };
    // Within 120 s of the query's end the request may still be being recorded: left open, not settled.
    const early = await cli(['reconcile', '--from', from, '--to', later()], env);
    expect(early.code).toBe(0);
    expect(findingsOf(early.stdout)).toEqual([expect.stringMatching(/^finding: outcome_unknown \(recently_ended\): request /)]);
    const r = await cli(['reconcile', '--from', from, '--to', later(), '--settle-after', '0'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(findingsOf(r.stdout)).toEqual([expect.stringMatching(new RegExp(`^finding: outcome_resolved \\(ran\\): request \\S+ was outcome_unknown: Snowflake ran query ${ran.queryId} \\(SUCCESS\\); recorded as query.reconciled seq 2`))]);

    const second = await cli(['reconcile', '--from', from, '--to', later(), '--settle-after', '0'], env);
    expect(second.code).toBe(0);
    expect(findingsOf(second.stdout)).toEqual([]);

    const rt = await startServe({ AIRLOCK_DATA_DIR: dir });
    try {
      const session = await call(rt.url, '/v1/sessions/crashed', token);
      const records = session.json.records as Array<{ type: string; body: Record<string, unknown> }>;
      expect(records.map((x) => x.type)).toEqual(['query.requested', 'query.reconciled']);
      expect(records[1]!.body).toMatchObject({ queryId: ran.queryId, status: 'SUCCESS', rowCount: 4, source: 'INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER', sqlHash: sqlHash('SELECT ID FROM customers') });
      expect(Date.parse(String(records[1]!.body['endTime']))).not.toBeNaN();
      const { keys, certificates } = (await call(rt.url, '/v1/keys', token)).json as { keys: Array<{ keyId: string; pem: string }>; certificates: string[] };
      const verified = verifyChain(records.map((x) => JSON.stringify(x)), new Map(keys.map((k) => [k.keyId, k.pem])), { certificates });
      expect(verified.ok).toBe(true);
      expect(verified.findings).toEqual([]);
      // The request item followed the chain: GET answers Snowflake's outcome, not outcome_unknown.
      const requestId = /request (\S+) was outcome_unknown/.exec(r.stdout)![1]!;
      const got = await call(rt.url, `/v1/queries/${requestId}`, token);
      expect(got.status).toBe(200);
      expect(got.json).toMatchObject({ requestId, status: 'executed', result: { queryId: ran.queryId, rowCount: 4, rows: [], reconciled: { status: 'SUCCESS', record: { seq: 2 } } } });
    } finally {
      rt.child.kill('SIGTERM');
      await waitExit(rt.child);
    }
  }, 180_000);
});
