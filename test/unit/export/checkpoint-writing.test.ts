import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyCheckpoint, type Checkpoint } from '#shared/export/checkpoint.js';
import { keyRing } from '#shared/records/key-id.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { CHECKPOINT_LOOKBACK_MS, writeCheckpoints } from '#shared/use-cases/write-checkpoints.js';
import { startCheckpointTimer } from '#local/checkpoint-timer.js';
import { draft, tempDir } from '#test/fixtures/records/record-fixtures.js';
import { newWorld, type World } from '#test/fixtures/export/export-fixtures.js';

const t = tempDir('airlock-checkpoints-');
afterAll(() => t.cleanup());
let w: World;
let n = 0;
beforeEach(async () => {
  w = await newWorld(join(t.dir, String((n += 1))));
});
const add = async (sessionId: string, count = 1) => {
  for (let i = 0; i < count; i += 1) await appendRecord({ records: w.records, signer: w.signer, clock: w.clock }, draft(sessionId, 'r', 'query.failed'));
};
const deps = () => ({ records: w.records, checkpoints: w.checkpoints, signer: w.signer, clock: w.clock });
const latest = async (sessionId: string) => JSON.parse((await w.checkpoints.latest(sessionId)) ?? 'null') as Checkpoint | null;

describe('writeCheckpoints', () => {
  it('signs the head of every session on a first pass, and nothing when no head moved', async () => {
    await add('a', 3);
    await add('b', 1);
    const first = await writeCheckpoints(deps());
    expect(first.written.map((c) => [c.sessionId, c.seq])).toEqual([['a', 3], ['b', 1]]);
    expect((await latest('a'))?.hash).toEqual((await w.records.head('a'))?.hash);
    expect(verifyCheckpoint((await w.checkpoints.latest('a')) as string, keyRing([w.signer.publicKey()]))).toMatchObject({ ok: true });
    expect((await writeCheckpoints(deps())).written).toEqual([]);
  });

  it('with `since`, checkpoints only sessions changed since then (minus the clock-skew look-back)', async () => {
    await add('old', 2);
    await writeCheckpoints(deps());
    w.clock.advance(CHECKPOINT_LOOKBACK_MS * 3);
    const since = w.clock.now().toISOString();
    await add('new', 1);
    await add('old', 1);
    const pass = await writeCheckpoints(deps(), { since });
    expect(pass.checked).toBe(2);
    expect(pass.written.map((c) => [c.sessionId, c.seq])).toEqual([['new', 1], ['old', 3]]);
    expect(await w.checkpoints.list('old')).toHaveLength(2);
  });

  it('checkpoints exactly the named sessions at export', async () => {
    await add('a', 1);
    await add('b', 1);
    const pass = await writeCheckpoints(deps(), { sessionIds: ['b', 'unknown'] });
    expect(pass.written.map((c) => c.sessionId)).toEqual(['b']);
    expect(await latest('a')).toBeNull();
  });
});

describe('the runtime checkpoint timer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a pass every interval, covering sessions changed since the last one, until stopped', async () => {
    const errors: unknown[] = [];
    const timer = startCheckpointTimer(deps(), { intervalMs: 60_000, onError: (e) => errors.push(e) });
    await add('a', 2);
    await vi.advanceTimersByTimeAsync(60_000);
    await timer.runOnce();
    expect((await latest('a'))?.seq).toBe(2);
    await add('a', 1);
    await vi.advanceTimersByTimeAsync(60_000);
    await timer.runOnce();
    expect((await latest('a'))?.seq).toBe(3);
    await timer.stop();
    await add('a', 1);
    await vi.advanceTimersByTimeAsync(180_000);
    expect((await latest('a'))?.seq).toBe(3);
    expect(errors).toEqual([]);
  });

  it('reports a failing pass and keeps going', async () => {
    const errors: unknown[] = [];
    const broken = { ...deps(), checkpoints: { ...w.checkpoints, latest: async () => Promise.reject(new Error('store down')), list: w.checkpoints.list, append: w.checkpoints.append } };
    await add('a', 1);
    const timer = startCheckpointTimer(broken, { intervalMs: 1000, onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(2500);
    await timer.stop();
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});
