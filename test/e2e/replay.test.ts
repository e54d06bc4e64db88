import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { main } from '#cli/main.js';
import { localDynamoDbClient } from '#local/dynalite-server.js';
import { TABLES } from '#shared/adapters/aws/tables.js';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';

let t: TestRuntime;

async function runReplay(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(['replay', ...args], { stdin: new PassThrough(), stdout, stderr, env: { AIRLOCK_DATA_DIR: t.dir }, cwd: t.dir });
  return { code, out, err };
}

beforeAll(async () => {
  t = await startTestRuntime();
  const token = await t.token();
  await t.post('/v1/queries', { prompt: 'who are our first customers?', sql: 'SELECT id, email FROM customers ORDER BY id LIMIT 3', sessionId: 'replay-1' }, token);
  await t.post('/v1/queries', { prompt: 'drop it all', sql: 'DROP SCHEMA main', sessionId: 'replay-1' }, token);
});
afterAll(async () => {
  await t.close().catch(() => undefined);
  removeDir(t.dir);
});

describe('airlock replay', () => {
  it('prints prompt, SQL, decision, masked preview in column order, and that the chain verifies (through the running runtime)', async () => {
    const { code, out } = await runReplay(['replay-1', '--html', 'replay.html']);
    expect(code).toBe(0);
    expect(out).toContain('prompt:   who are our first customers?');
    expect(out).toContain('| SELECT id, email FROM customers ORDER BY id LIMIT 3');
    expect(out).toMatch(/id\s+\| email/);
    const tableLines = out.split('\n').filter((l) => / \| /.test(l) && !l.includes('SELECT'));
    expect(tableLines.length).toBeGreaterThanOrEqual(4);
    expect(tableLines.join('\n')).not.toContain('@');
    expect(out).toContain('denied:   [B1]');
    expect(out).toContain('Chain verifies: 4 record(s)');
    expect(readFileSync(join(t.dir, 'replay.html'), 'utf8')).toContain('✔ Verified.');
  });

  it('exits 1 and names the failing record when a forged record is appended', async () => {
    const client = localDynamoDbClient(t.rt.dynamodbEndpoint);
    const session = await t.get('/v1/sessions/replay-1', await t.token());
    const forged = structuredClone(session.json.records[3]);
    forged.seq = 5;
    forged.body = { sqlHash: forged.body.sqlHash, reasons: [] };
    await client.send(
      new PutItemCommand({
        TableName: TABLES.records,
        Item: { sessionId: { S: 'replay-1' }, seq: { N: '5' }, record: { S: JSON.stringify(forged) }, hash: { S: forged.hash }, at: { S: forged.at }, day: { S: forged.at.slice(0, 10) } },
      }),
    );
    client.destroy();
    const { code, out } = await runReplay(['replay-1']);
    expect(code).toBe(1);
    expect(out).toMatch(/Chain does NOT verify: session replay-1 seq 5/);
  });

  it('reads the data folder directly once the runtime has stopped, and answers usage errors with exit 2', async () => {
    await t.close();
    const { code, out } = await runReplay(['replay-1']);
    expect(code).toBe(1);
    expect(out).toContain('#1');
    expect((await runReplay([])).code).toBe(2);
    expect((await runReplay(['no-such-session'])).code).toBe(2);
  });
});
