import { describe, expect, it } from 'vitest';
import { createTableInputs, MAX_RECORD_BYTES, TABLE_SCHEMAS, TABLES, tableNames } from '#shared/adapters/aws/tables.js';

describe('table definitions', () => {
  it('derives names from a prefix', () => {
    expect(TABLES).toEqual({ records: 'airlock-records', requests: 'airlock-requests', checkpoints: 'airlock-checkpoints' });
    expect(tableNames('x').requests).toBe('x-requests');
  });

  it('builds CreateTable inputs from the one schema: keys, GSIs, on-demand billing', () => {
    const [records, requests, checkpoints] = createTableInputs(tableNames('t'));
    expect(records).toMatchObject({
      TableName: 't-records',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'sessionId', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: [
        { IndexName: 'byDay', KeySchema: [{ AttributeName: 'day', KeyType: 'HASH' }, { AttributeName: 'at', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
        { IndexName: 'byRequest', KeySchema: [{ AttributeName: 'requested', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
      ],
    });
    expect(records?.AttributeDefinitions).toEqual(
      expect.arrayContaining([{ AttributeName: 'seq', AttributeType: 'N' }, { AttributeName: 'day', AttributeType: 'S' }]),
    );
    expect(requests).toMatchObject({
      TableName: 't-requests',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{ IndexName: 'byStatus', Projection: { ProjectionType: 'ALL' } }],
    });
    expect(checkpoints).toMatchObject({ TableName: 't-checkpoints', KeySchema: [{ AttributeName: 'sessionId' }, { AttributeName: 'seq' }] });
    expect(checkpoints?.GlobalSecondaryIndexes).toBeUndefined();
  });

  it('names the TTL attribute for the requests table and leaves room for key attributes under 400 KB', () => {
    expect(TABLE_SCHEMAS.requests.timeToLiveAttribute).toBe('ttl');
    expect(MAX_RECORD_BYTES).toBeLessThan(400 * 1024);
  });
});
