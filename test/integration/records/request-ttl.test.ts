import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbRequestStore, REQUEST_RETENTION_SECONDS } from '#shared/adapters/aws/dynamodb-request-store.js';
import type { RequestItem } from '#shared/ports/request-store.js';
import { TABLES } from '#shared/adapters/aws/tables.js';
import { startDynalite } from '#local/dynalite-server.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-ttl-'));
let store: Awaited<ReturnType<typeof startDynalite>>;
beforeAll(async () => {
  store = await startDynalite({ dataDir: dir });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const base: RequestItem = {
  requestId: '01ARZ3NDEKTSV4RRFFQ69G5FAV', sessionId: 's', owner: 'o', status: 'pending_approval', risk: 'write', sql: 'DELETE FROM t', sqlHash: 'a'.repeat(64),
  prompt: 'p', createdAt: '2026-11-27T10:00:00.000Z', approvalsRequired: 1, votes: [], requestedSeq: 1,
};

async function rawTtl(requestId: string): Promise<string | undefined> {
  const res = await store.client.send(new GetItemCommand({ TableName: TABLES.requests, Key: { pk: { S: `req#${requestId}` } }, ConsistentRead: true }));
  return res.Item?.['ttl']?.N;
}

describe('requests table TTL', () => {
  it('sets ttl (epoch seconds) to 30 days past an approval request expiry, and reads the item back unchanged', async () => {
    const requests = new DynamoDbRequestStore(store.client);
    await requests.put({ ...base, expiresAt: '2026-11-27T11:00:00.000Z' });
    expect(Number(await rawTtl(base.requestId))).toBe(Date.parse('2026-11-27T11:00:00.000Z') / 1000 + REQUEST_RETENTION_SECONDS);
    expect(await requests.get(base.requestId)).toEqual({ ...base, expiresAt: '2026-11-27T11:00:00.000Z' });
  });

  it('leaves requests without an expiry (direct reads) without ttl', async () => {
    const requests = new DynamoDbRequestStore(store.client);
    await requests.put({ ...base, requestId: '01ARZ3NDEKTSV4RRFFQ69G5FAW', status: 'running' });
    expect(await rawTtl('01ARZ3NDEKTSV4RRFFQ69G5FAW')).toBeUndefined();
  });
});
