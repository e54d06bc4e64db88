import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '#cli/main.js';
import { removeDir, startTestRuntime, type TestRuntime } from '#test/helpers/local-runtime.js';

const opened: TestRuntime[] = [];
afterAll(async () => {
  for (const t of opened) await t.close().catch(() => undefined);
  if (opened[0]) removeDir(opened[0].dir);
});

async function approve(t: TestRuntime, requestId: string, as: string): Promise<number> {
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  return main(['approve', requestId, '--as', as], { stdin: process.stdin, stdout: sink, stderr: sink, env: { AIRLOCK_URL: t.rt.url, AIRLOCK_DATA_DIR: t.dir }, cwd: process.cwd() });
}

describe('a pending approval survives a restart of the local runtime', () => {
  it('is resumed from the requests table (same signing secret, same request) and executes after the votes', async () => {
    const first = await startTestRuntime();
    opened.push(first);
    const token = await first.token();
    const res = await first.post('/v1/queries', { prompt: 'p', sql: 'SELECT id, salary FROM hr.employees LIMIT 1' }, token);
    expect(res.status).toBe(202);
    const requestId = res.json.requestId as string;
    expect(await approve(first, requestId, 'UAPPROVER1')).toBe(0);
    await first.close();

    const second = await startTestRuntime({}, first.dir);
    opened.push(second);
    expect((await second.get(`/v1/queries/${requestId}`, token)).json).toMatchObject({ status: 'pending_approval', votes: [{ slackUserId: 'UAPPROVER1' }] });
    expect(await approve(second, requestId, 'UAPPROVER1')).toBe(1);
    expect(await approve(second, requestId, 'UAPPROVER2')).toBe(0);
    const done = await second.get(`/v1/queries/${requestId}?waitSeconds=20`, token);
    expect(done.json.status).toBe('executed');
    expect(done.json.result.rowCount).toBe(1);
  });
});
