import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { AirlockError } from '#shared/errors.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import { keyRing } from '#shared/records/key-id.js';
import type { SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { draft, frozenClock, newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';

/** Counts lost conditional puts, to show the two "processes" really competed. */
class CountingStore implements RecordStore {
  conflicts = 0;
  constructor(private readonly inner: RecordStore) {}
  async append(record: SessionRecord, canonical: string): Promise<void> {
    try {
      await this.inner.append(record, canonical);
    } catch (e) {
      if (e instanceof AirlockError && e.code === 'ERR_CHAIN_CONFLICT') this.conflicts += 1;
      throw e;
    }
  }
  head = (s: string): ReturnType<RecordStore['head']> => this.inner.head(s);
  list = (s: string): ReturnType<RecordStore['list']> => this.inner.list(s);
  requested = (id: string): ReturnType<RecordStore['requested']> => this.inner.requested(id);
}

describe('appendRecord from two processes on one table', () => {
  const t = tempDir();
  let db: DynaliteServer;
  let signer: LocalKeySigner;
  beforeAll(async () => {
    db = await startDynalite({ dataDir: t.dir });
    signer = await newSigner(t.dir);
  });
  afterAll(async () => {
    await db.close();
    t.cleanup();
  });

  it('50 concurrent appends yield seq 1..50 exactly, and the chain verifies', async () => {
    // Two store instances with their own clients = two processes: each has its own per-session
    // queue (keyed by store instance), so only the conditional put keeps them apart.
    const clients = [localDynamoDbClient(db.endpoint), localDynamoDbClient(db.endpoint)];
    const [p1, p2] = clients.map((c) => new CountingStore(new DynamoDbRecordStore(c, db.tables.records)));
    if (p1 === undefined || p2 === undefined) throw new Error('unreachable');
    const clock = frozenClock();
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => appendRecord({ records: i % 2 ? p2 : p1, signer, clock }, draft('shared', `r${i}`, 'query.failed'))),
      );
      expect(results.map((r) => r.record.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const lines = await p1.list('shared');
      expect(lines).toHaveLength(50);
      // Both start in the same tick, so both read an empty head and race for seq 1 at least:
      // the retry path was exercised, not just the in-process queue.
      expect(p1.conflicts + p2.conflicts).toBeGreaterThan(0);
      const v = verifyChain(lines, keyRing([signer.publicKey()]));
      expect(v.failure).toBeNull();
      expect(v.sessions[0]?.headSeq).toBe(50);
      // Every request got exactly one record.
      expect(new Set(lines.map((l) => (JSON.parse(l) as SessionRecord).requestId)).size).toBe(50);
    } finally {
      clients.forEach((c) => c.destroy());
    }
  }, 60_000);
});
