import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';

// The CI run of 2026-12-07 failed on an uncaught LEVEL_ITERATOR_NOT_OPEN: a request still being read by
// dynalite (its client had gone) when the runtime closed LevelDB under it.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh store whose records table holds one 500-item partition (~1 MB), long enough to read that a close can land mid-query. */
async function storeWithPartition(): Promise<DynaliteServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'airlock-dyn-close-'));
  dirs.push(dataDir);
  const db = await startDynalite({ dataDir });
  for (let b = 0; b < 20; b++) {
    const items = Array.from({ length: 25 }, (_, i) => ({
      PutRequest: { Item: { sessionId: { S: 's' }, seq: { N: String(b * 25 + i + 1) }, body: { S: 'x'.repeat(2000) } } },
    }));
    await db.client.send(new BatchWriteItemCommand({ RequestItems: { [db.tables.records]: items } }));
  }
  return db;
}

/** 8 queries of the whole partition by `client`, each settling to its item count or its error's name. */
const queryAll = (client: DynamoDBClient, table: string) =>
  Array.from({ length: 8 }, () =>
    client.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'sessionId = :s', ExpressionAttributeValues: { ':s': { S: 's' } } })).then(
      (out) => out.Count,
      (e: unknown) => (e as { name?: string }).name,
    ),
  );

/** Runs `round` for 10 rounds (0–9 ms before the close) and returns every uncaught error meanwhile. */
async function uncaughtDuring(round: (delayMs: number) => Promise<void>): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  try {
    for (let delayMs = 0; delayMs < 10; delayMs++) {
      await round(delayMs);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  return uncaught;
}

describe('closing the local DynamoDB while requests are in flight', () => {
  it('waits for dynalite to finish the queries it is reading, so no iterator is read after LevelDB closes', async () => {
    const uncaught = await uncaughtDuring(async (delayMs) => {
      const db = await storeWithPartition();
      // A second client (like a workflow task) queries the whole partition and is torn down mid-flight.
      const other = localDynamoDbClient(db.endpoint);
      const queries = queryAll(other, db.tables.records);
      await new Promise((r) => setTimeout(r, delayMs));
      other.destroy();
      await db.close();
      await Promise.all(queries);
    });
    expect(uncaught).toEqual([]);
  });

  it('counts the runtime’s own in-process calls too: closing waits for the queries it is reading for them', async () => {
    const uncaught = await uncaughtDuring(async (delayMs) => {
      const db = await storeWithPartition();
      // The store's own client (in-process) queries the whole partition while the store closes.
      const queries = queryAll(db.client, db.tables.records);
      await new Promise((r) => setTimeout(r, delayMs));
      await db.close();
      // Each query either read the whole partition before the close, or was refused by the closing gate.
      for (const answer of await Promise.all(queries)) expect([500, 'ServiceUnavailable', 'ServiceUnavailableException']).toContain(answer);
    });
    expect(uncaught).toEqual([]);
  });
});
