import { describe, expect, it } from 'vitest';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import type { StoredOutcome } from '#shared/ports/query-outcome.js';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';
import { memorySubject } from './contract-subject.js';
import { dynaliteForContracts } from './dynalite-subjects.js';
import { requestStoreContract } from './request-store.contract.js';

requestStoreContract('MemoryRequestStore', async () => memorySubject(new MemoryRequestStore()));

// DynamoDbRequestStore against dynalite on disk; fresh tables per test (table creation is instant).
const dynalite = dynaliteForContracts('contract');

requestStoreContract('DynamoDbRequestStore on dynalite', dynalite.subjects((client, names) => new DynamoDbRequestStore(client, names.requests)));

// The stored answer read back from DynamoDB is checked once (parseStoredOutcome): one that is not an
// answer Airlock gives (unknown kind, or a status its kind never answers) is read as no answer at all.
describe('DynamoDbRequestStore: a stored answer that is not one reads as none', () => {
  it.each([
    ['an unknown kind', { kind: 'exploded', body: { requestId: 'r1', sessionId: 's1', risk: 'read', status: 'failed' } }],
    ['a body of another kind', { kind: 'executed', body: { requestId: 'r1', sessionId: 's1', risk: 'read', status: 'denied', reasons: [] } }],
    ['no kind at all', { rows: [{ ID: 1 }] }],
  ])('%s', async (_name, response) => {
    const { client: embedded, names } = await dynalite.freshTables();
    const store = new DynamoDbRequestStore(embedded, names.requests);
    const denied: StoredOutcome = { kind: 'denied', body: { requestId: 'r1', sessionId: 's1', risk: 'read', status: 'denied', reasons: [] } };
    const item = {
      requestId: 'r1',
      sessionId: 's1',
      owner: 'o',
      status: 'denied',
      risk: 'read',
      sql: 'select 1',
      sqlHash: 'a'.repeat(64),
      prompt: 'p',
      createdAt: '2026-03-01T12:00:00.000Z',
      approvalsRequired: 0,
      votes: [],
      requestedSeq: 1,
      httpStatus: 403,
    } as const;
    await store.put({ ...item, votes: [], response: denied });
    expect((await store.get('r1'))?.response).toEqual(denied);
    await embedded.send(
      new UpdateItemCommand({
        TableName: names.requests,
        Key: { pk: { S: 'req#r1' } },
        UpdateExpression: 'SET #r = :r',
        ExpressionAttributeNames: { '#r': 'response' },
        ExpressionAttributeValues: { ':r': { S: JSON.stringify(response) } },
      }),
    );
    const got = await store.get('r1');
    expect(got).toEqual({ ...item, votes: [] });
    expect(got !== null && 'response' in got).toBe(false);
    expect((await store.listByStatus('denied')).map((r) => r.response)).toEqual([undefined]);
  });
});
