import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbCheckpointStore } from '#shared/adapters/aws/dynamodb-checkpoint-store.js';
import { MemoryCheckpointStore } from '#test/doubles/memory-checkpoint-store.js';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { signCheckpoint, verifyCheckpoint } from '#shared/export/checkpoint.js';
import type { CheckpointStore } from '#shared/ports/checkpoint-store.js';
import { keyRing } from '#shared/records/key-id.js';
import { newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';
import { dynaliteForContracts } from './dynalite-subjects.js';

const dynalite = dynaliteForContracts('cpcontract');
let signer: LocalKeySigner;
const keys = tempDir('airlock-checkpoint-contract-');
beforeAll(async () => {
  signer = await newSigner(keys.dir);
});
afterAll(() => keys.cleanup());

const adapters: Array<[string, () => Promise<CheckpointStore>]> = [
  ['MemoryCheckpointStore', async () => new MemoryCheckpointStore()],
  [
    'DynamoDbCheckpointStore on dynalite',
    async () => {
      const { client, names } = await dynalite.freshTables();
      return new DynamoDbCheckpointStore(client, names.checkpoints);
    },
  ],
];

describe.each(adapters)('CheckpointStore contract: %s', (_name, make) => {
  let store: CheckpointStore;
  beforeEach(async () => {
    store = await make();
  });
  const cp = (sessionId: string, seq: number, at = '2026-03-01T12:00:00.000Z') => signCheckpoint({ sessionId, seq, hash: String(seq % 10).repeat(64), at }, signer);

  it('knows nothing of an unknown session', async () => {
    expect(await store.latest('nobody')).toBeNull();
    expect(await store.list('nobody')).toEqual([]);
  });

  it('returns checkpoints byte for byte in seq order, the highest as latest, and they verify', async () => {
    const all = [await cp('s1', 2), await cp('s1', 10), await cp('s1', 9)];
    for (const c of all) await store.append(c.checkpoint, c.canonical);
    expect(await store.list('s1')).toEqual([all[0]?.canonical, all[2]?.canonical, all[1]?.canonical]);
    expect(await store.latest('s1')).toBe(all[1]?.canonical);
    expect(verifyCheckpoint(all[1]?.canonical as string, keyRing([signer.publicKey()]))).toMatchObject({ ok: true });
  });

  it('is append-only: a retried identical write succeeds, another checkpoint at the same seq is ERR_CHAIN_CONFLICT', async () => {
    const a = await cp('s1', 3);
    await store.append(a.checkpoint, a.canonical);
    await store.append(a.checkpoint, a.canonical);
    const b = await cp('s1', 3, '2026-03-01T12:05:00.000Z');
    await expect(store.append(b.checkpoint, b.canonical)).rejects.toMatchObject({ code: 'ERR_CHAIN_CONFLICT' });
    expect(await store.list('s1')).toEqual([a.canonical]);
  });

  it('keeps sessions apart', async () => {
    const a = await cp('a', 1);
    const b = await cp('b', 1);
    await store.append(a.checkpoint, a.canonical);
    await store.append(b.checkpoint, b.canonical);
    expect(await store.list('a')).toEqual([a.canonical]);
    expect(await store.latest('b')).toBe(b.canonical);
  });
});
