import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir } from '../helpers/local-runtime.js';
import { startServe, tokenFromBanner, waitExit } from '../helpers/serve-process.js';

// Issue 15: with endless statements running on every slot, SIGTERM still stops the process within seconds.
const dir = mkdtempSync(join(tmpdir(), 'airlock-sigterm-'));
afterAll(() => removeDir(dir));

describe('airlock serve: SIGTERM while statements run', () => {
  it('interrupts the running statements and exits within a few seconds', { timeout: 120_000 }, async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, 'limits:\n  statementTimeoutSeconds: 25\n');
    const serve = await startServe({ AIRLOCK_DATA_DIR: join(dir, 'data'), AIRLOCK_POLICY: policy });
    const token = tokenFromBanner(serve.output());
    const endless = Array.from({ length: 4 }, (_, i) =>
      fetch(`${serve.url}/v1/queries`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'endless', sql: 'SELECT sum(range % 7) AS s FROM range(100000000000000)', sessionId: `endless-${i}` }),
      }).then(
        (r) => r.status,
        () => 'closed',
      ),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const t0 = Date.now();
    serve.child.kill('SIGTERM');
    const code = await waitExit(serve.child);
    const took = Date.now() - t0;
    expect(took).toBeLessThan(8000);
    expect(code, serve.output().slice(-3000)).toBe(0);
    await Promise.all(endless);
  });
});
