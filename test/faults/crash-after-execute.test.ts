import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain } from '#shared/records/verify-chain.js';
import { removeDir } from '#test/helpers/local-runtime.js';
import { call, startServe, tokenFromBanner, waitExit } from '#test/helpers/serve-process.js';
import { runCli } from '#test/helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-crash-'));
const out = mkdtempSync(join(tmpdir(), 'airlock-crash-export-'));
afterAll(() => [dir, out].forEach(removeDir));

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  const { code, out } = await runCli(args, { env });
  return { code, stdout: out };
}

describe('SIGKILL between execution and the outcome record (crash-after-execute)', () => {
  it('after a restart the request is outcome_unknown, verify reports it as a finding, and the chain continues and verifies', async () => {
    const first = await startServe({ AIRLOCK_DATA_DIR: dir, AIRLOCK_FAULTS: 'crash-after-execute' });
    const token = tokenFromBanner(first.output());
    // The statement runs, then the process kills itself: the connection drops without an answer.
    await expect(call(first.url, '/v1/queries', token, { prompt: 'doomed', sql: 'SELECT 1 AS one', sessionId: 'crashed' })).rejects.toThrow();
    await waitExit(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await startServe({ AIRLOCK_DATA_DIR: dir });
    try {
      const before = await call(second.url, '/v1/sessions/crashed', token);
      expect(before.json.records.map((r: { type: string }) => r.type)).toEqual(['query.requested']);
      const requestId = before.json.records[0].requestId as string;
      const polled = await call(second.url, `/v1/queries/${requestId}`, token);
      expect(polled.status).toBe(200);
      expect(polled.json.status).toBe('outcome_unknown');

      const next = await call(second.url, '/v1/queries', token, { prompt: 'after', sql: 'SELECT 2 AS two', sessionId: 'crashed' });
      expect(next.status).toBe(200);
      expect(next.json.record.seq).toBe(3);
      const session = await call(second.url, '/v1/sessions/crashed', token);
      const lines = (session.json.records as unknown[]).map((r) => JSON.stringify(r));
      const { keys, certificates } = (await call(second.url, '/v1/keys', token)).json as { keys: Array<{ keyId: string; pem: string }>; certificates: string[] };
      const verified = verifyChain(lines, new Map(keys.map((k) => [k.keyId, k.pem])), { certificates });
      expect(verified.ok).toBe(true);
      expect(verified.findings).toEqual([expect.objectContaining({ kind: 'outcome_unknown', sessionId: 'crashed', requestId })]);

      const env = { AIRLOCK_DATA_DIR: dir, AIRLOCK_URL: second.url };
      expect((await cli(['export', '--out', out], env)).code).toBe(0);
      const verify = await cli(['verify', out], env);
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/finding: outcome_unknown: session crashed/);
      expect(verify.stdout).toMatch(/^OK: /m);
    } finally {
      second.child.kill('SIGTERM');
      await waitExit(second.child);
    }
  });
});
