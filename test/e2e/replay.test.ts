import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
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

  it('names the approvers a pending request waits for by name and email (the policy), Slack ids only in the technical details', async () => {
    const token = await t.token();
    const res = await t.post('/v1/queries', { prompt: 'close order 1', sql: "UPDATE orders SET status = 'closed' WHERE id = 1", sessionId: 'replay-2' }, token);
    expect(res.status).toBe(202);
    const { code, out, err } = await runReplay(['replay-2', '--html', 'pending.html']);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('from Demo Approver One (approver1@example.com) [Slack UAPPROVER1], Demo Approver Two (approver2@example.com) [Slack UAPPROVER2]');
    const html = readFileSync(join(t.dir, 'pending.html'), 'utf8');
    expect(html).toContain('approval(s) needed from Demo Approver One (approver1@example.com), Demo Approver Two (approver2@example.com)');
    const visible = html.replace(/<details>[\s\S]*<\/details>/, '').replace(/<[^>]+>/g, ' ');
    expect(visible).not.toMatch(/UAPPROVER/);
    expect(html).toMatch(/<details>[\s\S]*Demo Approver Two \(approver2@example\.com\) = UAPPROVER2[\s\S]*<\/details>/);

    // Another policy's approvers (--policy) name them; a policy that does not load is said, and the replay goes on.
    writeFileSync(join(t.dir, 'other.yaml'), 'approvers:\n  - { slackUserId: UAPPROVER1, email: first@example.org, name: First Person }\n');
    const other = await runReplay(['replay-2', '--policy', 'other.yaml']);
    expect(other.out).toContain('from First Person (first@example.org) [Slack UAPPROVER1], Slack user UAPPROVER2 by');
    writeFileSync(join(t.dir, 'broken.yaml'), 'approvers: 7\n');
    const broken = await runReplay(['replay-2', '--policy', 'broken.yaml', '--html', 'broken.html']);
    expect(broken.code).toBe(0);
    expect(broken.err).toMatch(/^airlock replay: the policy did not load \(.*\); approvers who did not vote are shown by Slack id$/m);
    expect(readFileSync(join(t.dir, 'broken.html'), 'utf8')).toContain('needed from Slack user UAPPROVER1, Slack user UAPPROVER2');
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
