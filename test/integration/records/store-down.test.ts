import { describe, expect, it } from 'vitest';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { keyRing } from '#shared/records/key-id.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { draft, frozenClock, newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';

describe('record store down', () => {
  // The CLI's commands reach the store over HTTP; the runtime's own client hands dynalite its calls
  // in-process (local/in-process-dynalite.ts), through the same gate: both fail closed alike.
  it.each([
    ['a client over HTTP', (db: DynaliteServer) => localDynamoDbClient(db.endpoint)],
    ['the store’s own in-process client', (db: DynaliteServer) => db.client],
  ])('appendRecord through %s fails with ERR_STORE_UNAVAILABLE and leaves the chain as it was', async (_, clientOf) => {
    const t = tempDir();
    try {
      const signer = await newSigner(t.dir);
      const clock = frozenClock();
      const db = await startDynalite({ dataDir: t.dir });
      const client = clientOf(db);
      const records = new DynamoDbRecordStore(client, db.tables.records);
      await appendRecord({ records, signer, clock }, draft('s1', 'r1', 'query.requested'));
      await appendRecord({ records, signer, clock }, draft('s1', 'r1', 'query.executed'));
      const before = await records.list('s1');
      await db.close();

      await expect(appendRecord({ records, signer, clock }, draft('s1', 'r2', 'query.requested'))).rejects.toMatchObject({
        code: 'ERR_STORE_UNAVAILABLE',
      });
      await expect(records.list('s1')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      await expect(new DynamoDbRequestStore(client, db.tables.requests).get('r1')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      client.destroy();

      const again = await startDynalite({ dataDir: t.dir });
      const overHttp = localDynamoDbClient(again.endpoint);
      try {
        // Nothing was written, whichever client reads it back.
        for (const reader of [again.client, overHttp]) {
          const after = await new DynamoDbRecordStore(reader, again.tables.records).list('s1');
          expect(after).toEqual(before);
          expect(verifyChain(after, keyRing([signer.publicKey()])).ok).toBe(true);
        }
      } finally {
        overHttp.destroy();
        await again.close();
      }
    } finally {
      t.cleanup();
    }
  });

  it('a missing table is ERR_STORE_UNAVAILABLE, not a crash', async () => {
    const t = tempDir();
    const db = await startDynalite({ dataDir: t.dir });
    try {
      await expect(new DynamoDbRecordStore(db.client, 'no-such-table').head('s1')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    } finally {
      await db.close();
      t.cleanup();
    }
  });
});
