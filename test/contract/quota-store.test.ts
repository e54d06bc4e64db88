import { afterAll, beforeAll } from 'vitest';
import { DynamoDbQuotaStore } from '#shared/adapters/aws/dynamodb-quota-store.js';
import { MemoryQuotaStore } from '#shared/adapters/memory/memory-quota-store.js';
import { createTableInputs, tableNames } from '#shared/adapters/aws/tables.js';
import { ensureTables, localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { quotaStoreContract } from './quota-store.contract.js';

quotaStoreContract('MemoryQuotaStore', async () => {
  const store = new MemoryQuotaStore();
  return { store, another: () => store, close: async () => undefined };
});

let db: DynaliteServer;
const data = tempDir('airlock-quota-');
let n = 0;
beforeAll(async () => {
  db = await startDynalite({ dataDir: data.dir });
});
afterAll(async () => {
  await db.close();
  data.cleanup();
});

quotaStoreContract('DynamoDbQuotaStore on dynalite', async () => {
  const names = tableNames(`quota${(n += 1)}`);
  await ensureTables(db.client, createTableInputs(names));
  const clients: ReturnType<typeof localDynamoDbClient>[] = [];
  return {
    store: new DynamoDbQuotaStore(db.client, names.requests),
    another: () => {
      const c = localDynamoDbClient(db.endpoint);
      clients.push(c);
      return new DynamoDbQuotaStore(c, names.requests);
    },
    close: async () => clients.forEach((c) => c.destroy()),
  };
});
