import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startServe, tokenFromBanner, waitExit, type ServeProcess } from '#test/helpers/serve-process.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const sh = promisify(execFile);

/** Runs a printed command line exactly as pasted, in a shell at the repo root, with no Airlock variable set. */
async function paste(line: string): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'] };
  try {
    const r = await sh('sh', ['-c', line], { cwd: REPO, env, timeout: 60_000 });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === 'number' ? x.code : -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

let root: string;
let serve: ServeProcess;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'airlock printed '));
  mkdirSync(join(root, "data dir's"));
  // A non-default data folder (with a space and a quote in its name) and AIRLOCK_PORT=0.
  serve = await startServe({ AIRLOCK_DATA_DIR: join(root, "data dir's"), AIRLOCK_PORT: '0', AIRLOCK_LOG_LEVEL: 'info' });
}, 90_000);
afterAll(async () => {
  serve?.child.kill('SIGINT');
  if (serve) await waitExit(serve.child);
  rmSync(root, { recursive: true, force: true });
});

describe('printed commands work as printed, with a non-default port and data folder', () => {
  it('the banner prints the free port it picked and a token command that carries the data folder', async () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(serve.url).not.toMatch(/:8787$/);
    const hint = /a fresh one: (.+) token\):/.exec(serve.output());
    expect(hint?.[1]).toContain('AIRLOCK_DATA_DIR=');
    const fresh = await paste(`${hint![1]} token`);
    expect(fresh.code).toBe(0);
    const token = fresh.out.trim();
    expect((await call(serve.url, '/v1/queries', token, { prompt: 'p', sql: 'SELECT 1 AS one' })).status).toBe(200);
    // The banner's own token works too.
    expect((await call(serve.url, '/v1/queries', tokenFromBanner(serve.output()), { prompt: 'p', sql: 'SELECT 2 AS two' })).status).toBe(200);
  }, 90_000);

  it('the approval notice on stderr prints approve/deny commands that reach this runtime when pasted', async () => {
    const token = tokenFromBanner(serve.output());
    const res = await call(serve.url, '/v1/queries', token, { prompt: 'change one order', sql: "UPDATE orders SET status = 'shipped' WHERE id = 1" });
    expect(res.status).toBe(202);
    const id = res.json.requestId as string;
    let line: string | undefined;
    for (let i = 0; i < 100 && line === undefined; i++) {
      line = new RegExp(`approve: +(.+ approve ${id} --as UAPPROVER1)`).exec(serve.output())?.[1];
      if (line === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(line).toContain('AIRLOCK_DATA_DIR=');
    const voted = await paste(line!);
    expect(voted.err).toBe('');
    expect(voted.code).toBe(0);
    expect(JSON.parse(voted.out)).toMatchObject({ recorded: true });
  }, 90_000);

  it('a second runtime on the same port says which variable to set', async () => {
    const port = new URL(serve.url).port;
    const other = await startServe({ AIRLOCK_DATA_DIR: join(root, 'other'), AIRLOCK_PORT: port }).then(
      () => 'started',
      (e: Error) => e.message,
    );
    expect(other).toMatch(/serve exited with 1/);
    expect(other).toMatch(/airlock serve: port \d+ on 127\.0\.0\.1 is already in use .*set AIRLOCK_PORT to a free port .*AIRLOCK_PORT=0/);
    expect(other).not.toMatch(/^\s+at /m);
    // Only the one sentence: no JSON log line about the store the failed start closed under a background write.
    expect(other).not.toContain('"level"');
  }, 90_000);
});
