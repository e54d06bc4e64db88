import { afterAll, beforeAll } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTableInputs, tableNames, type TableNames } from '#shared/adapters/aws/tables.js';
import { ensureTables, localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import type { ContractSubject } from './contract-subject.js';

/** Fresh tables in the file's dynalite: its embedded client, its HTTP endpoint (for clients of other "processes"), the table names. */
export interface FreshTables {
  client: DynamoDBClient;
  endpoint: string;
  names: TableNames;
}

/**
 * A dynalite on disk for this test file (started before its tests, closed after them). `freshTables()`
 * creates a new set of tables (creation is instant); `subjects(make)` is a factory of contract subjects
 * on fresh tables: the store on the embedded client, `another()` on a client of its own over HTTP, as a
 * second process would reach it.
 *
 * @example
 * const dynalite = dynaliteForContracts('contract');
 * recordStoreContract('DynamoDbRecordStore on dynalite', dynalite.subjects((client, names) => new DynamoDbRecordStore(client, names.records)));
 */
export function dynaliteForContracts(prefix: string) {
  let db: DynaliteServer;
  const data = tempDir(`airlock-${prefix}-`);
  let n = 0;
  beforeAll(async () => {
    db = await startDynalite({ dataDir: data.dir });
  });
  afterAll(async () => {
    await db.close();
    data.cleanup();
  });
  const freshTables = async (): Promise<FreshTables> => {
    const names = tableNames(`${prefix}${(n += 1)}`);
    await ensureTables(db.client, createTableInputs(names));
    return { client: db.client, endpoint: db.endpoint, names };
  };
  return {
    freshTables,
    subjects:
      <S>(make: (client: DynamoDBClient, names: TableNames) => S) =>
      async (): Promise<ContractSubject<S>> => {
        const { client, endpoint, names } = await freshTables();
        const clients: DynamoDBClient[] = [];
        return {
          store: make(client, names),
          another: () => {
            const c = localDynamoDbClient(endpoint);
            clients.push(c);
            return make(c, names);
          },
          close: async () => clients.forEach((c) => c.destroy()),
        };
      },
  };
}
