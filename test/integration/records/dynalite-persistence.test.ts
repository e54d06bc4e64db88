import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { keyRing } from '#shared/records/key-id.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { startDynalite } from '#local/dynalite-server.js';
import { draft, frozenClock, newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

describe('dynalite on disk', () => {
  let cleanup = (): void => undefined;
  afterEach(() => cleanup());

  it('keeps records across close and reopen of the same data dir', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const signer = await newSigner(t.dir);
    const first = await startDynalite({ dataDir: t.dir });
    const clock = frozenClock();
    for (let i = 0; i < 5; i += 1) {
      await appendRecord({ records: new DynamoDbRecordStore(first.client, first.tables.records), signer, clock }, draft('s1', `r${i}`, 'query.failed'));
    }
    const before = await new DynamoDbRecordStore(first.client, first.tables.records).list('s1');
    await first.close();

    const again = await startDynalite({ dataDir: t.dir });
    try {
      const after = await new DynamoDbRecordStore(again.client, again.tables.records).list('s1');
      expect(after).toEqual(before);
      expect(verifyChain(after, keyRing([signer.publicKey()])).ok).toBe(true);
    } finally {
      await again.close();
    }
  });

  it('refuses a second opener of the same data dir with a message naming the cause', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const first = await startDynalite({ dataDir: t.dir });
    try {
      await expect(startDynalite({ dataDir: t.dir })).rejects.toThrow(/in use by another process/);
    } finally {
      await first.close();
    }
  });

  it('keeps every acknowledged record when the writing process is SIGKILLed mid-stream', async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    // node --import tsx rather than `npx tsx`: npx and the tsx CLI each fork a child, and a
    // SIGKILL would then hit only the wrapper, leaving the writer alive and holding the lock.
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/fixtures/records/append-until-killed.ts'), t.dir, 'killed'], {
      cwd: repoRoot,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let acknowledged = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      acknowledged = Number(line);
      if (acknowledged >= 30) {
        child.kill('SIGKILL');
        break;
      }
    }
    expect(await exited, stderr).toBe('SIGKILL');
    expect(acknowledged).toBeGreaterThanOrEqual(30);

    const db = await startDynalite({ dataDir: t.dir });
    try {
      const lines = await new DynamoDbRecordStore(db.client, db.tables.records).list('killed');
      // Everything acknowledged is there; a record written after the last line printed may be too.
      expect(lines.length).toBeGreaterThanOrEqual(acknowledged);
      const pem = readFileSync(join(t.dir, 'keys', 'records.pem'), 'utf8');
      const v = verifyChain(lines, keyRing([pem]));
      expect(v.failure).toBeNull();
      expect(v.sessions[0]?.headSeq).toBe(lines.length);
    } finally {
      await db.close();
    }
  }, 60_000);
});
