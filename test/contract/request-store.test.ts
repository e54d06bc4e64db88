import { afterAll, beforeAll } from 'vitest';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';
import { createTableInputs, tableNames } from '#shared/adapters/aws/tables.js';
import { ensureTables, localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { requestStoreContract } from './request-store.contract.js';

requestStoreContract('MemoryRequestStore', async () => {
  const store = new MemoryRequestStore();
  return { store, another: () => store, close: async () => undefined };
});

// DynamoDbRequestStore against dynalite on disk; fresh tables per test (table creation is instant).
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

requestStoreContract('DynamoDbRequestStore on dynalite', async () => {
  const names = tableNames(`contract${(n += 1)}`);
  await ensureTables(db.client, createTableInputs(names));
  const clients: ReturnType<typeof localDynamoDbClient>[] = [];
  return {
    store: new DynamoDbRequestStore(db.client, names.requests),
    another: () => {
      const c = localDynamoDbClient(db.endpoint);
      clients.push(c);
      return new DynamoDbRequestStore(c, names.requests);
    },
    close: async () => clients.forEach((c) => c.destroy()),
  };
});
