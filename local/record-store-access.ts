import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import { localDynamoDbClient, startDynalite } from './dynalite-server.js';
import { readRuntimeInfo } from './runtime-file.js';

/** The local DynamoDB API, however it was reached, for the duration of one CLI command. */
export interface LocalStore {
  client: DynamoDBClient;
  /** Said to the user: `the running runtime (pid N)` or `the data folder DIR`. */
  via: string;
  close(): Promise<void>;
}

/**
 * How a CLI command reaches the local stores: through the running runtime's DynamoDB endpoint
 * (runtime.json) when one runs — its LevelDB files are locked — else by opening the data folder
 * itself. The one place that decides; the loopback client is `localDynamoDbClient` (timeouts, few attempts).
 *
 * @example
 * const store = await openLocalStore(dataDir); try { … store.client … } finally { await store.close(); }
 */
export async function openLocalStore(dataDir: string): Promise<LocalStore> {
  const running = readRuntimeInfo(dataDir);
  if (running !== null) {
    const client = localDynamoDbClient(running.dynamodbEndpoint);
    return { client, via: `the running runtime (pid ${running.pid})`, close: async () => client.destroy() };
  }
  const db = await startDynalite({ dataDir });
  return { client: db.client, via: `the data folder ${dataDir}`, close: () => db.close() };
}

/** The record store of `openLocalStore` (what `airlock replay` reads). */
export async function openLocalRecordStore(dataDir: string): Promise<{ records: RecordStore; via: string; close(): Promise<void> }> {
  const store = await openLocalStore(dataDir);
  return { records: new DynamoDbRecordStore(store.client), via: store.via, close: () => store.close() };
}
