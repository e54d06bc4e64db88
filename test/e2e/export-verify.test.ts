import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite } from '#local/dynalite-server.js';
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
