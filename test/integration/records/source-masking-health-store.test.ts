import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { DynamoDbSourceMaskingHealthStore, SOURCE_MASKING_HEALTH_PK } from '#shared/adapters/aws/dynamodb-source-masking-health-store.js';
import { cachedSourceMaskingHealth, SOURCE_MASKING_HEALTH_CACHE_MS } from '#shared/governance/cached-source-masking-health.js';
import { summarizeSourceMasking } from '#shared/governance/source-masking-health.js';
import { getHealth } from '#shared/http/handlers/public.js';
import { startDynalite } from '#local/dynalite-server.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';

type Db = Awaited<ReturnType<typeof startDynalite>>;
let t: ReturnType<typeof tempDir>;
let db: Db;

beforeAll(async () => {
  t = tempDir('airlock-sm-health-');
  db = await startDynalite({ dataDir: t.dir });
});
afterAll(async () => {
  await db.close();
  t.cleanup();
});

const clockAt = (start: number) => {
  let ms = start;
  return { now: () => new Date(ms), advance: (d: number) => void (ms += d) };
};
const findings = (masked: number, unmasked: number, empty = 0) => [
  ...Array.from({ length: masked }, (_, i) => ({ column: `DB.S.T.M${i}`, rule: 'redact' as const, status: 'masked' as const, detail: 'NULL' })),
  ...Array.from({ length: unmasked }, (_, i) => ({ column: `DB.S.T.U${i}`, rule: 'partial' as const, status: 'unmasked' as const, detail: 'value is not in the partial form' })),
  ...Array.from({ length: empty }, (_, i) => ({ column: `DB.S.T.E${i}`, rule: 'pseudonym' as const, status: 'empty' as const, detail: 'no row to check' })),
];
const rawPut = (health: string) =>
  db.client.send(new PutItemCommand({ TableName: db.tables.requests, Item: { pk: { S: SOURCE_MASKING_HEALTH_PK }, health: { S: health } } }));

describe('the source-masking health item of the requests table (AWS health)', () => {
  it('no item: the store says null, health says unchecked with its warning, status unchanged', async () => {
    const store = new DynamoDbSourceMaskingHealthStore(db.client, db.tables.requests);
    expect(await store.getSourceMaskingHealth()).toBeNull();
    const read = cachedSourceMaskingHealth(store, clockAt(0));
    const r = await getHealth({ notReady: () => [], sourceMasking: read });
    expect(r.statusCode).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.details.sourceMasking.state).toBe('unchecked');
    expect(body.warnings).toEqual([body.details.sourceMasking.warning]);
    expect(body.warnings[0]).toMatch(/^source masking not verified yet: the scheduled ReconcileWarehouse/);
  });

  it('a kept summary round-trips exactly and is reported like the local runtime (counts, never column names)', async () => {
    const store = new DynamoDbSourceMaskingHealthStore(db.client, db.tables.requests);
    const h = summarizeSourceMasking(findings(2, 3, 1), '2026-12-07T14:00:00.000Z');
    await store.putSourceMaskingHealth(h);
    expect(await store.getSourceMaskingHealth()).toEqual(h);
    const r = await getHealth({ notReady: () => [], sourceMasking: cachedSourceMaskingHealth(store, clockAt(0)) });
    const body = JSON.parse(r.body);
    expect(r.statusCode).toBe(200);
    expect(body.details.sourceMasking).toEqual({ state: 'not_in_place', checkedAt: h.checkedAt, columns: { total: 6, masked: 2, unmasked: 3, unverified: 1 }, warning: h.warning });
    expect(body.warnings).toEqual([expect.stringMatching(/^source masking not in place: 3 of 6 masked column\(s\)/)]);
    expect(r.body).not.toMatch(/DB\.S\.T|partial form/);
    // in_place: no warning line at all.
    await store.putSourceMaskingHealth(summarizeSourceMasking(findings(4, 0), '2026-12-07T14:15:00.000Z'));
    const ok = JSON.parse((await getHealth({ notReady: () => [], sourceMasking: cachedSourceMaskingHealth(store, clockAt(0)) })).body);
    expect(ok.details.sourceMasking.state).toBe('in_place');
    expect(ok.warnings).toBeUndefined();
  });

  it('health reads the item at most once per 60 s per container; concurrent calls share one read', async () => {
    const store = new DynamoDbSourceMaskingHealthStore(db.client, db.tables.requests);
    await store.putSourceMaskingHealth(summarizeSourceMasking(findings(0, 5), '2026-12-07T14:30:00.000Z'));
    let reads = 0;
    const counting = { putSourceMaskingHealth: (x: never) => store.putSourceMaskingHealth(x), getSourceMaskingHealth: () => ((reads += 1), store.getSourceMaskingHealth()) };
    const clock = clockAt(1_000_000);
    const read = cachedSourceMaskingHealth(counting, clock);
    const [a, b] = await Promise.all([read(), read()]);
    expect(a.state).toBe('not_in_place');
    expect(b).toBe(a);
    expect(reads).toBe(1);
    await store.putSourceMaskingHealth(summarizeSourceMasking(findings(5, 0), '2026-12-07T14:45:00.000Z'));
    clock.advance(SOURCE_MASKING_HEALTH_CACHE_MS - 1);
    expect((await read()).state).toBe('not_in_place');
    expect(reads).toBe(1);
    clock.advance(1);
    expect((await read()).state).toBe('in_place');
    expect(reads).toBe(2);
    // A clock that went backwards does not pin an old answer.
    clock.advance(-10 * SOURCE_MASKING_HEALTH_CACHE_MS);
    await read();
    expect(reads).toBe(3);
  });

  it.each([
    ['not JSON', 'not json {'],
    ['an unknown state', JSON.stringify({ state: 'masked_enough' })],
    ['an extra field (a value must never ride along)', JSON.stringify({ state: 'in_place', columns: { total: 1, masked: 1, unmasked: 0, unverified: 0 }, sample: '123-45-6789' })],
    ['a negative count', JSON.stringify({ state: 'not_in_place', columns: { total: 1, masked: -1, unmasked: 2, unverified: 0 } })],
    ['an error that is a message, not a code', JSON.stringify({ state: 'check_failed', error: 'SQL compilation error near 123-45-6789' })],
    ['a warning of 10 kB', JSON.stringify({ state: 'not_in_place', warning: 'x'.repeat(10_000) })],
  ])('a damaged item (%s) is never reported as it stands: check_failed, ERR_STORE_UNAVAILABLE, status unchanged', async (_, text) => {
    await rawPut(text);
    const store = new DynamoDbSourceMaskingHealthStore(db.client, db.tables.requests);
    await expect(store.getSourceMaskingHealth()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const r = await getHealth({ notReady: () => [], sourceMasking: cachedSourceMaskingHealth(store, clockAt(0)) });
    expect(r.statusCode).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.details.sourceMasking).toMatchObject({ state: 'check_failed', error: 'ERR_STORE_UNAVAILABLE' });
    expect(body.warnings).toHaveLength(1);
    expect(r.body).not.toMatch(/123-45-6789|xxxxxxxxxx|masked_enough/);
  });

  it('the item lives beside the requests without touching them (its own key, no status, no TTL)', async () => {
    const requests = new DynamoDbRequestStore(db.client, db.tables.requests);
    const store = new DynamoDbSourceMaskingHealthStore(db.client, db.tables.requests);
    await store.putSourceMaskingHealth(summarizeSourceMasking(findings(1, 1), '2026-12-07T15:00:00.000Z'));
    expect(await requests.get('health#source-masking')).toBeNull();
    expect(await requests.get('source-masking')).toBeNull();
  });

  it('a store that is down: health still answers 200 with check_failed (ERR_STORE_UNAVAILABLE), never a 500', async () => {
    const store = new DynamoDbSourceMaskingHealthStore(db.client, 'no-such-table');
    await expect(store.putSourceMaskingHealth({ state: 'in_place' })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    const r = await getHealth({ notReady: () => [], sourceMasking: cachedSourceMaskingHealth(store, clockAt(0)) });
    expect(r.statusCode).toBe(200);
    expect(JSON.parse(r.body).details.sourceMasking).toMatchObject({ state: 'check_failed', error: 'ERR_STORE_UNAVAILABLE' });
  });
});
