import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { localDynamoDbClient, startDynalite } from '#local/dynalite-server.js';

// The CI run of 2026-12-07 failed on an uncaught LEVEL_ITERATOR_NOT_OPEN: a request still being read by
// dynalite (its client had gone) when the runtime closed LevelDB under it.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('closing the local DynamoDB while requests are in flight', () => {
  it('waits for dynalite to finish the queries it is reading, so no iterator is read after LevelDB closes', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      for (let round = 0; round < 10; round++) {
        const dataDir = mkdtempSync(join(tmpdir(), 'airlock-dyn-close-'));
        dirs.push(dataDir);
        const db = await startDynalite({ dataDir });
        const table = db.tables.records;
        for (let b = 0; b < 20; b++) {
          const items = Array.from({ length: 25 }, (_, i) => ({
            PutRequest: { Item: { sessionId: { S: 's' }, seq: { N: String(b * 25 + i + 1) }, body: { S: 'x'.repeat(2000) } } },
          }));
          await db.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: items } }));
        }
        // A second client (like a workflow task) queries the whole partition and is torn down mid-flight.
        const other = localDynamoDbClient(db.endpoint);
        const queries = Array.from({ length: 8 }, () =>
          other.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'sessionId = :s', ExpressionAttributeValues: { ':s': { S: 's' } } })).catch((e: unknown) => e),
        );
        await new Promise((r) => setTimeout(r, round));
        other.destroy();
        await db.close();
        await Promise.all(queries);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('counts the runtime’s own in-process calls too: closing waits for the queries it is reading for them', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    let settled: unknown[] = [];
    try {
      for (let round = 0; round < 10; round++) {
        const dataDir = mkdtempSync(join(tmpdir(), 'airlock-dyn-close-'));
        dirs.push(dataDir);
        const db = await startDynalite({ dataDir });
        const table = db.tables.records;
        for (let b = 0; b < 20; b++) {
          const items = Array.from({ length: 25 }, (_, i) => ({
            PutRequest: { Item: { sessionId: { S: 's' }, seq: { N: String(b * 25 + i + 1) }, body: { S: 'x'.repeat(2000) } } },
          }));
          await db.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: items } }));
        }
        // The store's own client (in-process) queries the whole partition while the store closes.
        const queries = Array.from({ length: 8 }, () =>
          db.client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'sessionId = :s', ExpressionAttributeValues: { ':s': { S: 's' } } })).then(
            (out) => out.Count,
            (e: unknown) => (e as { name?: string }).name,
          ),
        );
        await new Promise((r) => setTimeout(r, round));
        await db.close();
        settled = await Promise.all(queries);
        // Each query either read the whole partition before the close, or was refused by the closing gate.
        for (const answer of settled) expect([500, 'ServiceUnavailable', 'ServiceUnavailableException']).toContain(answer);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});
