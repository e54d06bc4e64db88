import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { AirlockError } from '#shared/errors.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import type { Signer } from '#shared/ports/signer.js';
import { keyRing } from '#shared/records/key-id.js';
import { SessionQueue } from '#shared/records/session-queue.js';
import { GENESIS_HASH, type SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { MAX_RECORD_BYTES } from '#shared/adapters/aws/tables.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { draft, frozenClock, newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';

let signer: LocalKeySigner;
const t = tempDir();
beforeAll(async () => {
  signer = await newSigner(t.dir);
});
afterAll(() => t.cleanup());

const noSleep = async (): Promise<void> => undefined;

/** A store that loses the next `n` conditional puts, as if another process won each slot. */
class LosingStore implements RecordStore {
  readonly inner = new MemoryRecordStore();
  losses = 0;
  constructor(private lose: number) {}
  async append(record: SessionRecord, canonical: string): Promise<void> {
    if (this.lose > 0) {
      this.lose -= 1;
      this.losses += 1;
      throw new AirlockError('ERR_CHAIN_CONFLICT', 'taken');
    }
    return this.inner.append(record, canonical);
  }
  head = (s: string): ReturnType<RecordStore['head']> => this.inner.head(s);
  list = (s: string): ReturnType<RecordStore['list']> => this.inner.list(s);
  requested = (id: string): ReturnType<RecordStore['requested']> => this.inner.requested(id);
}

describe('appendRecord', () => {
  it('starts a session at seq 1 with the genesis prevHash and the clock time in ms', async () => {
    const records = new MemoryRecordStore();
    const clock = frozenClock('2026-03-01T12:00:00.123Z');
    const { record, canonical } = await appendRecord({ records, signer, clock }, draft('s1', 'r1', 'query.requested', { sql: 'select 1' }));
    expect(record).toMatchObject({ sessionId: 's1', seq: 1, requestId: 'r1', prevHash: GENESIS_HASH, at: '2026-03-01T12:00:00.123Z' });
    expect(record.sig).toMatchObject({ keyId: await signer.keyId(), alg: 'ECDSA_SHA_256' });
    expect(await records.list('s1')).toEqual([canonical]);
  });

  it('links each record to the previous one and the chain verifies', async () => {
    const records = new MemoryRecordStore();
    const clock = frozenClock();
    const a = await appendRecord({ records, signer, clock }, draft('s1', 'r1'));
    clock.advance(5);
    const b = await appendRecord({ records, signer, clock }, draft('s1', 'r1', 'query.executed'));
    expect(b.record).toMatchObject({ seq: 2, prevHash: a.record.hash });
    expect(verifyChain(await records.list('s1'), keyRing([signer.publicKey()])).ok).toBe(true);
  });

  it('returns the record as stored (undefined members dropped)', async () => {
    const records = new MemoryRecordStore();
    const { record } = await appendRecord({ records, signer, clock: frozenClock() }, draft('s1', 'r1', 'query.requested', { a: undefined, b: 1 }));
    expect(record.body).toEqual({ b: 1 });
    expect(Object.hasOwn(record.body, 'a')).toBe(false);
  });

  it('serialises appends to one session within a process: 50 concurrent calls, no conflicts, seq 1..50', async () => {
    const records = new LosingStore(0);
    const clock = frozenClock();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => appendRecord({ records, signer, clock }, draft('s1', `r${i}`, 'query.failed'))),
    );
    expect(results.map((r) => r.record.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(records.losses).toBe(0);
    expect(verifyChain(await records.list('s1'), keyRing([signer.publicKey()])).ok).toBe(true);
  });

  it('retries a lost slot after re-reading the head', async () => {
    const records = new LosingStore(3);
    const { record } = await appendRecord({ records, signer, clock: frozenClock(), sleep: noSleep }, draft('s1', 'r1'));
    expect(records.losses).toBe(3);
    expect(record.seq).toBe(1);
  });

  it('gives up with ERR_CHAIN_CONFLICT after maxAttempts, writing nothing', async () => {
    const records = new LosingStore(1000);
    const sleeps: number[] = [];
    const sleep = async (ms: number): Promise<void> => void sleeps.push(ms);
    await expect(appendRecord({ records, signer, clock: frozenClock(), sleep, maxAttempts: 20 }, draft('s1', 'r1'))).rejects.toMatchObject({
      code: 'ERR_CHAIN_CONFLICT',
    });
    expect(records.losses).toBe(20);
    expect(sleeps).toHaveLength(19);
    expect(sleeps.every((ms) => ms >= 0 && ms <= 100)).toBe(true);
    expect(await records.list('s1')).toEqual([]);
  });

  it('maps a signer failure to ERR_SIGNER_UNAVAILABLE and writes nothing', async () => {
    const records = new MemoryRecordStore();
    const broken: Signer = {
      keyId: async () => 'k',
      publicKeyPem: async () => '',
      sign: async () => {
        throw new Error('HSM on fire');
      },
    };
    await expect(appendRecord({ records, signer: broken, clock: frozenClock() }, draft('s1', 'r1'))).rejects.toMatchObject({
      code: 'ERR_SIGNER_UNAVAILABLE',
    });
    expect(await records.list('s1')).toEqual([]);
  });

  it.each([
    ['head', { head: () => Promise.reject(new Error('ECONNREFUSED')) }],
    ['append', { append: () => Promise.reject(new Error('socket hang up')) }],
  ])('maps a raw %s failure to ERR_STORE_UNAVAILABLE', async (_what, override) => {
    const records = Object.assign(new MemoryRecordStore(), override) as RecordStore;
    await expect(appendRecord({ records, signer, clock: frozenClock() }, draft('s1', 'r1'))).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
    });
  });

  it('refuses content RFC 8785 cannot represent (a lone surrogate) with ERR_VALIDATION, writing nothing', async () => {
    const records = new MemoryRecordStore();
    await expect(
      appendRecord({ records, signer, clock: frozenClock() }, draft('s1', 'r1', 'query.requested', { prompt: 'bad \ud800' })),
    ).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    expect(await records.list('s1')).toEqual([]);
  });

  it('refuses a record over the item limit with ERR_ITEM_TOO_LARGE', async () => {
    const records = new MemoryRecordStore();
    const body = { rows: 'x'.repeat(MAX_RECORD_BYTES) };
    await expect(appendRecord({ records, signer, clock: frozenClock() }, draft('s1', 'r1', 'query.executed', body))).rejects.toMatchObject({
      code: 'ERR_ITEM_TOO_LARGE',
    });
  });

  it.each([['', 'r1'], ['s1', '']])('refuses an empty id (sessionId %j, requestId %j) with ERR_BAD_ID', async (sessionId, requestId) => {
    await expect(
      appendRecord({ records: new MemoryRecordStore(), signer, clock: frozenClock() }, draft(sessionId, requestId)),
    ).rejects.toMatchObject({ code: 'ERR_BAD_ID' });
  });

  it('a failed append does not block the next one for the same session', async () => {
    const records = new MemoryRecordStore();
    const queue = new SessionQueue();
    const clock = frozenClock();
    const bad = appendRecord({ records, signer, clock, queue }, draft('s1', 'r1', 'query.requested', { x: Number.NaN }));
    const good = appendRecord({ records, signer, clock, queue }, draft('s1', 'r2'));
    await expect(bad).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    expect((await good).record.seq).toBe(1);
    await new Promise((resolve) => setImmediate(resolve)); // after the queue's own settle callbacks
    expect(queue.size).toBe(0);
  });
});
