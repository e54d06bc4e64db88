import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '#test/doubles/memory-checkpoint-store.js';
import type { ExportManifest } from '#shared/export/manifest.js';
import { sealRecord } from '#shared/records/seal-record.js';
import { GENESIS_HASH, type SessionRecord } from '#shared/records/types.js';
import { exportRecords } from '#shared/use-cases/export-records.js';
import { fileSink } from '#cli/export-files.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { AGENT, cli, conversation, exportTo, newWorld, type World } from '#test/fixtures/export/export-fixtures.js';

const t = tempDir('airlock-export-records-');
afterAll(() => t.cleanup());
let n = 0;
const out = () => join(t.dir, `out${(n += 1)}`);

/** Appends `count` records to a session straight through sealRecord (fast for big chains). */
async function chain(w: World, sessionId: string, count: number, at = (i: number) => new Date(Date.UTC(2026, 2, 1, 12) + i * 1000).toISOString()): Promise<void> {
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq += 1) {
    const type = seq % 2 === 1 ? 'query.requested' : 'query.executed';
    const body = { sql: `select ${seq}`, prompt: `step ${seq}`, rowCount: 1, queryId: `q${seq}` };
    const { record, canonical } = await sealRecord({ sessionId, seq, requestId: `r${Math.ceil(seq / 2)}`, type, at: at(seq), actor: AGENT, body, prevHash: prev }, w.signer);
    await w.records.append(record, canonical);
    prev = record.hash;
  }
}

describe('exportRecords', () => {
  it('exports a 10,000-record session page by page (never more than a page per write), and it verifies', async () => {
    const w = await newWorld(join(t.dir, 'big'));
    await chain(w, 'big', 10_000);
    const dir = out();
    let largest = 0;
    const m = await exportRecords(
      {
        records: w.records,
        checkpoints: w.checkpoints,
        exportSigner: w.exportSigner,
        recordKeys: async () => [{ keyId: await w.signer.keyId(), pem: await w.signer.publicKeyPem() }],
        checkpointSigner: w.signer,
        clock: w.clock,
        pageSize: 500,
      },
      {},
      (() => {
        const sink = fileSink(dir);
        return { ...sink, append: async (f: Parameters<typeof sink.append>[0], chunk: string) => {
          if (f === 'records.jsonl') largest = Math.max(largest, chunk.split('\n').length - 1);
          await sink.append(f, chunk);
        } };
      })(),
    );
    expect(largest).toBe(500);
    expect(m.sessions).toEqual([expect.objectContaining({ sessionId: 'big', firstSeq: 1, lastSeq: 10_000, records: 10_000 })]);
    const v = await cli(['verify', dir]);
    expect(v.out).toMatch(/^OK: 10000 record\(s\) in 1 session\(s\), 1 checkpoint\(s\)/m);
    expect(v.code).toBe(0);
  });

  it('exports many sessions ordered by session then seq, and it verifies', async () => {
    const w = await newWorld(join(t.dir, 'many'));
    const ids = Array.from({ length: 120 }, (_, i) => `sess-${String(i).padStart(3, '0')}`);
    for (const id of [...ids].reverse()) await chain(w, id, 5);
    const dir = out();
    const m = await exportTo(w, dir);
    expect(m.sessions.map((s) => s.sessionId)).toEqual(ids);
    const lines = readFileSync(join(dir, 'records.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as SessionRecord);
    expect(lines.map((r) => `${r.sessionId}/${r.seq}`)).toEqual(ids.flatMap((id) => [1, 2, 3, 4, 5].map((s) => `${id}/${s}`)));
    const v = await cli(['verify', dir]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/OK: 600 record\(s\) in 120 session\(s\), 120 checkpoint\(s\)/);
  });

  it('--from/--to select sessions with any record in the range, each exported whole from seq 1', async () => {
    const w = await newWorld(join(t.dir, 'range'));
    await chain(w, 'feb', 3, (i) => `2026-02-0${i}T10:00:00.000Z`);
    await chain(w, 'mar', 3, (i) => `2026-0${i + 1}-15T10:00:00.000Z`); // Feb, Mar, Apr
    await chain(w, 'may', 2, (i) => `2026-05-0${i}T10:00:00.000Z`);
    const m = await exportTo(w, out(), { from: '2026-03-01T00:00:00.000Z', to: '2026-03-31T23:59:59.999Z' });
    expect(m.sessions).toEqual([expect.objectContaining({ sessionId: 'mar', firstSeq: 1, lastSeq: 3, records: 3 })]);
    expect(m.filter).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-31T23:59:59.999Z', sessionId: null, identity: null });
    expect((await exportTo(w, out(), { from: '2026-04-01T00:00:00.000Z' })).sessions.map((s) => s.sessionId)).toEqual(['mar', 'may']);
    expect((await exportTo(w, out(), { to: '2026-02-02T00:00:00.000Z' })).sessions.map((s) => s.sessionId)).toEqual(['feb']);
  });

  it('--session and --identity narrow the export; an empty export verifies as EMPTY (exit 3), not OK', async () => {
    const w = await newWorld(join(t.dir, 'who'));
    await conversation(w, 'mine');
    await conversation(w, 'theirs', { actor: { ...AGENT, sub: 'other', email: 'other@example.com' } });
    expect((await exportTo(w, out(), { sessionId: 'theirs' })).sessions.map((s) => s.sessionId)).toEqual(['theirs']);
    expect((await exportTo(w, out(), { identity: 'agent' })).sessions.map((s) => s.sessionId)).toEqual(['mine']);
    const empty = out();
    const m = await exportTo(w, empty, { sessionId: 'mine', from: '2030-01-01T00:00:00.000Z' });
    expect(m.records).toBe(0);
    const verified = await cli(['verify', empty]);
    expect(verified.code).toBe(3);
    expect(verified.out).toMatch(/^EMPTY: /m);
  });

  it('lists the record and export keys, and refuses records signed by a key it was not given', async () => {
    const w = await newWorld(join(t.dir, 'keys'));
    await conversation(w, 's1');
    const m: ExportManifest = await exportTo(w, out());
    expect(Object.entries(m.keys).map(([id, k]) => [id, k.use])).toEqual([[await w.signer.keyId(), 'records'], [await w.exportSigner.keyId(), 'exports']]);
    await expect(
      exportRecords(
        { records: w.records, checkpoints: new MemoryCheckpointStore(), exportSigner: w.exportSigner, recordKeys: async () => [], clock: w.clock },
        {},
        { append: async () => undefined, key: async () => undefined, manifest: async () => undefined },
      ),
    ).rejects.toMatchObject({ code: 'ERR_EXPORT_KEY_UNKNOWN' });
  });
});
