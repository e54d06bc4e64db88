import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import { startDynalite } from './dynalite-server.js';
import { readRuntimeInfo } from './runtime-file.js';

/**
 * How a CLI command reaches the local record store: through the running runtime's DynamoDB
 * endpoint (runtime.json) when one runs — its LevelDB files are locked — else by opening the
 * data folder itself for the duration of the command.
 */
export async function openLocalRecordStore(dataDir: string): Promise<{ records: RecordStore; via: string; close(): Promise<void> }> {
  const running = readRuntimeInfo(dataDir);
  if (running !== null) {
    const client = new DynamoDBClient({
      endpoint: running.dynamodbEndpoint,
      region: 'local',
      // dynalite does not check credentials; these only satisfy the SDK's signer.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 2,
    });
    return { records: new DynamoDbRecordStore(client), via: `the running runtime (pid ${running.pid})`, close: async () => client.destroy() };
  }
  const store = await startDynalite({ dataDir });
  return { records: new DynamoDbRecordStore(store.client), via: `the data folder ${dataDir}`, close: () => store.close() };
}
