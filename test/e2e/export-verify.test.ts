import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '#shared/adapters/aws/dynamodb-checkpoint-store.js';
import { localDynamoDbClient, startDynalite } from '#local/dynalite-server.js';
import { cli } from '#test/fixtures/export/export-fixtures.js';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';

let t: TestRuntime;
const run = (args: string[]) => cli(args, { AIRLOCK_DATA_DIR: t.dir }, t.dir);

beforeAll(async () => {
  t = await startTestRuntime();
  const token = await t.token();
  const other = await t.token({ sub: 'analyst', email: 'analyst@example.com' });
  await t.post('/v1/queries', { prompt: 'who are our first customers?', sql: 'SELECT id, email FROM customers ORDER BY id LIMIT 3', sessionId: 'exp-1' }, token);
  await t.post('/v1/queries', { prompt: 'drop it all', sql: 'DROP SCHEMA main', sessionId: 'exp-1' }, token);
  await t.post('/v1/queries', { prompt: 'count orders', sql: 'SELECT count(*) AS n FROM orders', sessionId: 'exp-2' }, other);
});
afterAll(async () => {
  await t.close().catch(() => undefined);
  removeDir(t.dir);
});

describe('airlock export and verify on the local runtime', () => {
  it('GET /v1/keys lists the record key and the export key', async () => {
    const keys = await t.get('/v1/keys');
    expect(keys.json.keys.map((k: { use: string }) => k.use).sort()).toEqual(['exports', 'records']);
  });

  it('the runtime checkpoints every changed session head with the record key', async () => {
    await t.rt.checkpointNow?.();
    const checkpoints = new DynamoDbCheckpointStore(localDynamoDbClient(t.rt.dynamodbEndpoint));
    const latest = JSON.parse((await checkpoints.latest('exp-1')) ?? 'null');
    expect(latest).toMatchObject({ sessionId: 'exp-1', seq: 4, hash: (await t.rt.deps.records.head('exp-1'))?.hash });
    expect(latest.sig.keyId).toBe(await t.rt.deps.signer.keyId());
    expect(await checkpoints.latest('exp-2')).not.toBeNull();
  });

  it('exports through the running runtime, verifies, and fails on one changed byte', async () => {
    const exp = await run(['export', '--out', 'audit']);
    expect(exp.err).toBe('');
    expect(exp.code).toBe(0);
    expect(exp.out).toMatch(/exported 6 record\(s\) of 2 session\(s\) to .*audit \(read through the running runtime/);
    const dir = join(t.dir, 'audit');
    expect(readFileSync(join(dir, 'checkpoints.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(2);
    const csv = readFileSync(join(dir, 'requests.csv'), 'utf8').split('\r\n');
    expect(csv[0]).toBe('at,requestId,sessionId,iss,sub,email,prompt,sql,risk,decision,approvers,status,rowCount,queryId');
    expect(csv.filter((l) => l.includes(',denied,'))).toHaveLength(1);
    const keysJson = join(t.dir, 'trusted.json');
    writeFileSync(keysJson, JSON.stringify((await t.get('/v1/keys')).json));
    const ok = await run(['verify', 'audit', '--trusted-keys', keysJson]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^OK: 6 record\(s\) in 2 session\(s\), 2 checkpoint\(s\)/m);

    const records = readFileSync(join(dir, 'records.jsonl'), 'utf8');
    const at = records.indexOf('who are our first customers?');
    writeFileSync(join(dir, 'records.jsonl'), `${records.slice(0, at)}W${records.slice(at + 1)}`);
    const bad = await run(['verify', 'audit']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('FAILED: session exp-1 seq 1: hash_mismatch');
  });

  it('filters by identity, and answers usage errors with exit 2', async () => {
    const exp = await run(['export', '--identity', 'analyst', '--out', 'analyst']);
    expect(exp.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(t.dir, 'analyst', 'manifest.json'), 'utf8'));
    expect(manifest.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual(['exp-2']);
    expect((await run(['export'])).code).toBe(2);
    expect((await run(['export', '--out', 'analyst'])).code).toBe(2);
    expect((await run(['export', '--from', 'yesterday', '--out', 'x1'])).code).toBe(2);
    expect((await run(['export', '--session', 'bad id!', '--out', 'x2'])).code).toBe(2);
    expect((await run(['export', '--out', 'analyst/manifest.json'])).code).toBe(2);
    const fresh = await cli(['export', '--out', 'nowhere'], { AIRLOCK_DATA_DIR: join(t.dir, 'no-data') }, t.dir);
    expect(fresh).toMatchObject({ code: 2, err: expect.stringContaining('no record key') });
    expect(existsSync(join(t.dir, 'nowhere'))).toBe(false);
  });

  it('an export that selects nothing says so on stderr and exits 3; --since selects recent sessions', async () => {
    const none = await run(['export', '--from', '2000-01-01', '--to', '2000-01-31', '--out', 'none']);
    expect(none.code).toBe(3);
    expect(none.err).toMatch(/^airlock export: nothing to export: no record matches from 2000-01-01T00:00:00.000Z, to 2000-01-31T23:59:59.999Z/m);
    const verified = await run(['verify', 'none']);
    expect(verified.code).toBe(3);
    expect(verified.out).toMatch(/^EMPTY: the export holds no record/m);
    const recent = await run(['export', '--since', '1h', '--out', 'recent']);
    expect(recent.code).toBe(0);
    expect(recent.out).toMatch(/exported [1-9]\d* record\(s\) of [1-9] session\(s\)/);
    expect((await run(['export', '--since', '1h', '--from', '2026-01-01', '--out', 'both'])).code).toBe(2);
  });

  it('submit → two approvals through signed Slack interactions → execute → export → verify; a removed vote fails', async () => {
    const token = await t.token();
    const res = await t.post('/v1/queries', { prompt: 'top salaries', sql: 'SELECT name, email, salary FROM hr.employees ORDER BY id LIMIT 3', sessionId: 'exp-3' }, token);
    expect(res.status).toBe(202);
    const { requestId } = res.json;
    const env = { AIRLOCK_DATA_DIR: t.dir, AIRLOCK_URL: t.rt.url };
    expect((await cli(['approve', requestId, '--as', 'UAPPROVER1'], env, t.dir)).code).toBe(0);
    expect((await cli(['approve', requestId, '--as', 'UAPPROVER2'], env, t.dir)).code).toBe(0);
    expect((await t.get(`/v1/queries/${requestId}?waitSeconds=20`, token)).json.status).toBe('executed');

    expect((await run(['export', '--session', 'exp-3', '--out', 'approved'])).code).toBe(0);
    const dir = join(t.dir, 'approved');
    const row = readFileSync(join(dir, 'requests.csv'), 'utf8').split('\r\n')[1] ?? '';
    expect(row).toContain(`,${requestId},exp-3,`);
    expect(row).toMatch(/,approval,approver1@example\.com; approver2@example\.com,executed,3,/);
    expect((await run(['verify', 'approved'])).code).toBe(0);
    const html = await run(['replay', 'exp-3', '--html', 'exp-3.html']);
    expect(html.code).toBe(0);
    expect(readFileSync(join(t.dir, 'exp-3.html'), 'utf8')).toMatch(/✔ Verified\.[\s\S]*Approved by Demo Approver One \(approver1@example\.com\)[\s\S]*Approved by Demo Approver Two \(approver2@example\.com\)/);

    const lines = readFileSync(join(dir, 'records.jsonl'), 'utf8').trimEnd().split('\n');
    const vote = lines.findIndex((l) => l.includes('"type":"approval.granted"'));
    lines.splice(vote, 1);
    writeFileSync(join(dir, 'records.jsonl'), `${lines.join('\n')}\n`);
    const bad = await run(['verify', 'approved']);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`FAILED: session exp-3 seq ${vote + 2}: seq_gap`);
  });

  it('exports from the data folder once the runtime has stopped, and from a DynamoDB endpoint with key files', async () => {
    await t.close();
    const local = await run(['export', '--from', new Date(Date.now() - 3_600_000).toISOString().slice(0, 10), '--out', 'offline']);
    expect(local.code).toBe(0);
    expect(local.out).toContain('read through the data folder');
    expect((await run(['verify', 'offline'])).code).toBe(0);

    const db = await startDynalite({ dataDir: t.dir });
    try {
      const keys = join(t.dir, 'keys');
      const remote = await run(['export', '--endpoint', db.endpoint, '--records-key', join(keys, 'records.pem'), '--export-key', join(keys, 'exports.pem'), '--session', 'exp-1', '--out', 'remote']);
      expect(remote.err).toBe('');
      expect(remote.code).toBe(0);
      const v = await run(['verify', 'remote']);
      expect(v.code).toBe(0);
      expect(v.out).toMatch(/OK: 4 record\(s\) in 1 session\(s\)/);
    } finally {
      await db.close();
    }
  });
});
