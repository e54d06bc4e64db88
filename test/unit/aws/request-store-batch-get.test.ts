import { BatchGetItemCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';

// UnprocessedKeys only happens under throughput limits, which no emulator here produces: the one case
// aws-sdk-client-mock is for. The happy path runs against dynalite in the request-store contract.
const ddb = mockClient(DynamoDBClient);
// The stub is on the client's prototype, for the whole worker process: put the real send back after this file.
afterAll(() => ddb.restore());
afterEach(() => ddb.reset());

const stored = (id: string) => ({ pk: { S: `req#${id}` }, requestId: { S: JSON.stringify(id) }, sessionId: { S: '"s"' }, status: { S: 'pending_approval' } });

describe('DynamoDbRequestStore.getMany under throttling', () => {
  it('asks again for the keys DynamoDB left unprocessed, then reads any still left one by one', async () => {
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { requests: [stored('a')] }, UnprocessedKeys: { requests: { Keys: [{ pk: { S: 'req#b' } }, { pk: { S: 'req#c' } }] } } })
      .resolvesOnce({ Responses: { requests: [stored('b')] }, UnprocessedKeys: { requests: { Keys: [{ pk: { S: 'req#c' } }] } } })
      .resolves({ Responses: { requests: [] }, UnprocessedKeys: { requests: { Keys: [{ pk: { S: 'req#c' } }] } } });
    ddb.on(GetItemCommand).resolves({ Item: stored('c') });
    const store = new DynamoDbRequestStore(new DynamoDBClient({ region: 'local' }), 'requests');
    const got = await store.getMany(['c', 'a', 'b']);
    expect(got.map((i) => i.requestId)).toEqual(['c', 'a', 'b']);
    expect(ddb.commandCalls(BatchGetItemCommand)).toHaveLength(3);
    expect(ddb.commandCalls(BatchGetItemCommand)[1]!.args[0].input.RequestItems?.['requests']?.Keys).toEqual([{ pk: { S: 'req#b' } }, { pk: { S: 'req#c' } }]);
    expect(ddb.commandCalls(GetItemCommand).map((c) => c.args[0].input.Key)).toEqual([{ pk: { S: 'req#c' } }]);
    for (const call of ddb.commandCalls(BatchGetItemCommand)) expect(call.args[0].input.RequestItems?.['requests']?.ConsistentRead).toBe(true);
  });
});
