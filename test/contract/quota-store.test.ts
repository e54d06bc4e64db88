import { describe, expect, it } from 'vitest';
import { DynamoDbQuotaStore } from '#shared/adapters/aws/dynamodb-quota-store.js';
import { MemoryQuotaStore } from '#shared/adapters/memory/memory-quota-store.js';
import { localDynamoDbClient } from '#local/dynalite-server.js';
import { memorySubject } from './contract-subject.js';
import { dynaliteForContracts } from './dynalite-subjects.js';
import { quotaStoreContract } from './quota-store.contract.js';

quotaStoreContract('MemoryQuotaStore', async () => memorySubject(new MemoryQuotaStore()));

const dynalite = dynaliteForContracts('quota');

quotaStoreContract('DynamoDbQuotaStore on dynalite', dynalite.subjects((client, names) => new DynamoDbQuotaStore(client, names.requests)));

describe('DynamoDbQuotaStore on dynalite: calls per request (issue 17)', () => {
  it('in the steady state an admission is one conditional UpdateItem and its finish another — no read; lapsed leases or a pace guessed wrong cost one read more', async () => {
    const { client: embedded, endpoint, names } = await dynalite.freshTables();
    const client = localDynamoDbClient(endpoint);
    const calls: string[] = [];
    client.middlewareStack.add((next, context) => async (args) => {
      calls.push(String(context.commandName));
      return next(args);
    }, { step: 'initialize', name: 'countCalls' });
    try {
      const store = new DynamoDbQuotaStore(client, names.requests);
      const limits = { requestsPerMinute: 100, warehouseSecondsPerHour: 60, warehouseSecondsPerDay: 600 };
      const now = new Date('2026-12-07T10:00:01.000Z');
      const until = new Date('2026-12-07T10:00:30.000Z');
      // First request of the identity: the blind update fails (no item), the item is read and created.
      expect(await store.admit({ identity: 'dora', now, ...limits, lease: { id: 'a', max: 2, until } })).toEqual({ admitted: true });
      await store.finish({ identity: 'dora', leaseId: 'a', warehouseMs: 40, now });
      calls.length = 0;
      for (const id of ['b', 'c', 'd']) {
        expect(await store.admit({ identity: 'dora', now, ...limits, lease: { id, max: 2, until } })).toEqual({ admitted: true });
        await store.finish({ identity: 'dora', leaseId: id, warehouseMs: 40, now });
      }
      expect(calls).toEqual(Array.from({ length: 6 }, () => 'UpdateItemCommand'));
      // A new minute is nothing to the pace: still one UpdateItem (the identity is rested now).
      calls.length = 0;
      const later = new Date('2026-12-07T10:01:01.000Z');
      expect(await store.admit({ identity: 'dora', now: later, ...limits, lease: { id: 'e', max: 2, until: new Date('2026-12-07T10:01:30.000Z') } })).toEqual({ admitted: true });
      expect(calls).toEqual(['UpdateItemCommand']);
      // Another container moved the pace on: this one's guess fails its condition and costs one read.
      await new DynamoDbQuotaStore(embedded, names.requests).admit({ identity: 'dora', now: later, requestsPerMinute: 100 });
      calls.length = 0;
      // At 10:01:01.7 its last sight (tat 10:01:01.6) says rested; the item's tat is 10:01:02.2.
      const soon = new Date('2026-12-07T10:01:01.700Z');
      expect(await store.admit({ identity: 'dora', now: soon, ...limits })).toEqual({ admitted: true });
      expect(calls).toEqual(['UpdateItemCommand', 'GetItemCommand', 'UpdateItemCommand']);
      // The charged time is all there: 4 × 40 ms this hour — refused whether the budget comes alone or with the other limits.
      expect(await store.admit({ identity: 'dora', now: later, warehouseSecondsPerHour: 0.16 })).toEqual({ admitted: false, limit: 'warehouseSecondsPerHour', retryAfterSeconds: 3539 });
      expect(await store.admit({ identity: 'dora', now: later, ...limits, warehouseSecondsPerHour: 0.16, lease: { id: 'f', max: 9, until } })).toEqual({ admitted: false, limit: 'warehouseSecondsPerHour', retryAfterSeconds: 3539 });
      expect(await store.admit({ identity: 'dora', now: later, ...limits, warehouseSecondsPerDay: 0.16, lease: { id: 'g', max: 9, until } })).toEqual({ admitted: false, limit: 'warehouseSecondsPerDay', retryAfterSeconds: 50339 });
    } finally {
      client.destroy();
    }
  });

  it('a lease left by a crashed container lapses: dropped when the leases are full, never counted after its time', async () => {
    const { client: embedded, endpoint, names } = await dynalite.freshTables();
    const store = new DynamoDbQuotaStore(embedded, names.requests);
    const t0 = new Date('2026-12-07T10:00:00.000Z');
    for (const id of ['x', 'y']) expect(await store.admit({ identity: 'eve', now: t0, lease: { id, max: 2, until: new Date('2026-12-07T10:00:05.000Z') } })).toEqual({ admitted: true });
    expect(await store.admit({ identity: 'eve', now: t0, lease: { id: 'z', max: 2, until: new Date('2026-12-07T10:00:09.000Z') } })).toEqual({ admitted: false, limit: 'concurrentStatements', retryAfterSeconds: 5 });
    const t1 = new Date('2026-12-07T10:00:06.000Z');
    for (const id of ['p', 'q']) expect(await store.admit({ identity: 'eve', now: t1, lease: { id, max: 2, until: new Date('2026-12-07T10:00:20.000Z') } })).toEqual({ admitted: true });
    expect(await store.admit({ identity: 'eve', now: t1, lease: { id: 'r', max: 2, until: new Date('2026-12-07T10:00:20.000Z') } })).toMatchObject({ admitted: false, limit: 'concurrentStatements' });
    // Every lease lapsed, and many containers race to drop them and take one: still at most `max`.
    const others = [0, 1, 2].map(() => localDynamoDbClient(endpoint));
    try {
      const stores = [store, ...others.map((c) => new DynamoDbQuotaStore(c, names.requests))];
      for (let round = 0; round < 4; round++) {
        const t = new Date(Date.parse('2026-12-07T10:01:00.000Z') + round * 60_000);
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % stores.length]!.admit({ identity: 'eve', now: t, lease: { id: `race${round}-${i}`, max: 3, until: new Date(t.getTime() + 30_000) } })));
        expect(results.filter((r) => r.admitted), `round ${round}`).toHaveLength(3);
      }
    } finally {
      others.forEach((c) => c.destroy());
    }
  });
});
