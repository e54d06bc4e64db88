import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';

/**
 * The local runtime memoises dynalite's expression parsing (local/dynalite-expression-cache.ts):
 * only the text → syntax-tree step is shared, so every write still evaluates its condition against
 * the stored item, and validation still answers as without the cache, on the first and every later use.
 */
describe('dynalite with cached expression parsing', () => {
  const t = tempDir();
  let db: DynaliteServer;
  beforeAll(async () => {
    db = await startDynalite({ dataDir: t.dir });
  });
  afterAll(async () => {
    await db.close();
    t.cleanup();
  });
  const put = (pk: string, extra: Partial<ConstructorParameters<typeof PutItemCommand>[0]> = {}) =>
    db.client.send(new PutItemCommand({ TableName: db.tables.requests, Item: { pk: { S: pk }, n: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)', ...extra }));
  const errorName = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e as { name?: string }).name);

  it('evaluates a cached condition against each item: one winner per key, every time', async () => {
    for (let i = 0; i < 5; i++) {
      const pk = `cache-cond-${i}`;
      const results = await Promise.all([put(pk), put(pk), put(pk)].map(errorName));
      expect(results.filter((r) => r === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r === 'ConditionalCheckFailedException')).toHaveLength(2);
    }
  });

  it('counts the attribute names a cached expression uses (no "unused names" refusal on a hit)', async () => {
    for (let i = 0; i < 3; i++) {
      await expect(put(`cache-names-${i}`, { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'pk' } })).resolves.toBeDefined();
    }
  });

  it('still refuses an unused attribute name, a syntax error and a reserved word, on every use', async () => {
    for (let i = 0; i < 3; i++) {
      const unused = put(`cache-bad-${i}`, { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'pk', '#unused': 'x' } });
      await expect(unused).rejects.toThrow(/unused/);
      await expect(put(`cache-bad-${i}`, { ConditionExpression: 'attribute_not_exists(pk' })).rejects.toThrow(/Syntax error/);
      await expect(put(`cache-bad-${i}`, { ConditionExpression: 'attribute_not_exists(status)' })).rejects.toThrow(/reserved keyword/);
    }
  });

  it('does not share the parse of expressions with values: each write uses its own', async () => {
    await put('cache-vals');
    for (const v of ['2', '3', '4']) {
      await db.client.send(
        new UpdateItemCommand({
          TableName: db.tables.requests,
          Key: { pk: { S: 'cache-vals' } },
          UpdateExpression: 'SET n = :v',
          ConditionExpression: 'n < :v',
          ExpressionAttributeValues: { ':v': { N: v } },
        }),
      );
      const got = await db.client.send(new GetItemCommand({ TableName: db.tables.requests, Key: { pk: { S: 'cache-vals' } }, ConsistentRead: true }));
      expect(got.Item?.['n']?.N).toBe(v);
    }
    const stale = db.client.send(new UpdateItemCommand({ TableName: db.tables.requests, Key: { pk: { S: 'cache-vals' } }, UpdateExpression: 'SET n = :v', ConditionExpression: 'n < :v', ExpressionAttributeValues: { ':v': { N: '3' } } }));
    expect(await errorName(stale)).toBe('ConditionalCheckFailedException');
  });
});
