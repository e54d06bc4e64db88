import { afterAll, beforeAll } from 'vitest';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { createTableInputs, tableNames } from '#shared/adapters/aws/tables.js';
import { ensureTables, localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { recordStoreContract } from './record-store.contract.js';

recordStoreContract('MemoryRecordStore', async () => {
  const store = new MemoryRecordStore();
  return { store, another: () => store, close: async () => undefined };
});

// DynamoDbRecordStore against dynalite on disk; fresh tables per test (table creation is instant).
let db: DynaliteServer;
const data = tempDir('airlock-contract-');
let n = 0;
beforeAll(async () => {
  db = await startDynalite({ dataDir: data.dir });
});
afterAll(async () => {
  await db.close();
  data.cleanup();
});

recordStoreContract('DynamoDbRecordStore on dynalite', async () => {
  const names = tableNames(`contract${(n += 1)}`);
  await ensureTables(db.client, createTableInputs(names));
  const clients: ReturnType<typeof localDynamoDbClient>[] = [];
  return {
    store: new DynamoDbRecordStore(db.client, names.records),
    another: () => {
      const c = localDynamoDbClient(db.endpoint);
      clients.push(c);
      return new DynamoDbRecordStore(c, names.records);
    },
    close: async () => clients.forEach((c) => c.destroy()),
  };
});
