import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startServe, tokenFromBanner, waitExit } from '../helpers/serve-process.js';
import { removeDir } from '../helpers/local-runtime.js';
import { verifyChain } from '#shared/records/verify-chain.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-restart-'));
afterAll(() => removeDir(dir));

describe('the local runtime survives kill -9', () => {
  it('keeps every record after SIGKILL, ignores the stale runtime.json, and the chain continues and verifies', async () => {
    const first = await startServe({ AIRLOCK_DATA_DIR: dir });
    expect(first.output()).toContain(`data folder:  ${dir}`);
    expect(first.output()).toContain('curl -s -X POST');
    const token = tokenFromBanner(first.output());
    for (let i = 0; i < 5; i++) {
      const res = await call(first.url, '/v1/queries', token, { prompt: `q${i}`, sql: `SELECT ${i} AS i`, sessionId: 'crash-1' });
      expect(res.status).toBe(200);
    }
    expect(JSON.parse(readFileSync(join(dir, 'runtime.json'), 'utf8')).pid).toBe(first.child.pid);
    first.child.kill('SIGKILL');
    await waitExit(first.child);

    const second = await startServe({ AIRLOCK_DATA_DIR: dir });
    try {
      const res = await call(second.url, '/v1/queries', token, { prompt: 'after', sql: 'SELECT 99 AS i', sessionId: 'crash-1' });
      expect(res.status).toBe(200);
      expect(res.json.record.seq).toBe(12);
      const session = await call(second.url, '/v1/sessions/crash-1', token);
      const records = (session.json.records as unknown[]).map((r) => JSON.stringify(r));
      expect(records).toHaveLength(12);
      const { keys, certificates } = (await call(second.url, '/v1/keys', token)).json as { keys: Array<{ keyId: string; pem: string }>; certificates: string[] };
      expect(verifyChain(records, new Map(keys.map((k) => [k.keyId, k.pem])), { certificates }).ok).toBe(true);
    } finally {
      second.child.kill('SIGTERM');
      expect(await waitExit(second.child)).toBe(0);
    }
    expect(existsSync(join(dir, 'runtime.json'))).toBe(false);
  });
});
