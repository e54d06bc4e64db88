import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoint } from '#shared/export/checkpoint.js';
import { verifyExport } from '#shared/export/verify-export.js';
import type { SessionRecord } from '#shared/records/types.js';
import { ExportReader } from '#cli/export-reader.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { conversation, exportTo, newWorld, type World } from '#test/fixtures/export/export-fixtures.js';

// The export-level reasons the tampering suite does not reach through the CLI: each produced
// by a real export with one part swapped, verified in process, and named alone.

const t = tempDir('airlock-export-reasons-');
let w: World;
let base: string;
let records: string[];

beforeAll(async () => {
  w = await newWorld(t.dir);
  await conversation(w, 's1');
  await conversation(w, 's2');
  base = join(t.dir, 'base');
  await exportTo(w, base);
  records = readFileSync(join(base, 'records.jsonl'), 'utf8').trimEnd().split('\n');
});
afterAll(() => t.cleanup());

async function* each(ls: readonly string[]): AsyncIterable<string> {
  yield* ls;
}

function verify(parts: { records?: string[]; checkpoints?: string[]; keyFiles?: ReadonlyMap<string, string> } = {}) {
  const reader = new ExportReader(base);
  return verifyExport({
    manifest: reader.manifest() ?? '',
    keyFiles: parts.keyFiles ?? reader.keyFiles(),
    records: each(parts.records ?? records),
    checkpoints: parts.checkpoints === undefined ? reader.lines('checkpoints.jsonl') : each(parts.checkpoints),
    fileDigests: () => reader.digests(),
  });
}
const sessionOf = (l: string): string => (JSON.parse(l) as SessionRecord).sessionId;

describe('verifyExport reasons', () => {
  it('the untouched export verifies', async () => {
    expect(await verify()).toMatchObject({ ok: true, failures: [] });
  });

  it('session_unlisted: a genuine, intact session the manifest does not list', async () => {
    await conversation(w, 's9');
    const extra = await w.records.list('s9');
    const v = await verify({ records: [...records, ...extra] });
    expect(v.ok).toBe(false);
    const reasons = v.failures.map((f) => f.reason);
    expect(reasons).toEqual(['session_unlisted', 'record_count']);
    expect(v.failure).toMatchObject({ sessionId: 's9', seq: 1, reason: 'session_unlisted', message: 'session s9 is in records.jsonl but not in the manifest' });
  });

  it('session_missing: a listed session with none of its records in the file', async () => {
    const v = await verify({ records: records.filter((l) => sessionOf(l) !== 's2') });
    expect(v.failures.map((f) => f.reason)).toEqual(['session_missing', 'record_count', 'checkpoint_ahead']);
    expect(v.failure).toMatchObject({ sessionId: 's2', seq: 8, reason: 'session_missing' });
  });

  it('checkpoint_mismatch: a validly signed checkpoint whose hash is not the record at its seq', async () => {
    const real = records.map((l) => JSON.parse(l) as SessionRecord).find((r) => r.sessionId === 's1' && r.seq === 4);
    const other = records.map((l) => JSON.parse(l) as SessionRecord).find((r) => r.sessionId === 's1' && r.seq === 3);
    const forged = await signCheckpoint({ sessionId: 's1', seq: 4, hash: other?.hash ?? '', at: '2026-03-01T12:00:30.000Z' }, w.signer);
    const v = await verify({ checkpoints: [forged.canonical] });
    expect(v.failures.map((f) => f.reason)).toEqual(['checkpoint_mismatch']);
    expect(v.failure?.message).toBe(`checkpoint of 2026-03-01T12:00:30.000Z signs hash ${other?.hash} at seq 4; the record there has ${real?.hash}`);
    // The same checkpoint with the right hash passes: only the hash made it fail.
    const honest = await signCheckpoint({ sessionId: 's1', seq: 4, hash: real?.hash ?? '', at: '2026-03-01T12:00:30.000Z' }, w.signer);
    expect((await verify({ checkpoints: [honest.canonical] })).ok).toBe(true);
  });

  it('key_file_missing: a key the manifest lists, absent from keys/', async () => {
    const reader = new ExportReader(base);
    const files = new Map(reader.keyFiles());
    const id = await w.exportSigner.keyId();
    files.delete(`${id}.pem`);
    const v = await verify({ keyFiles: files });
    expect(v.failures.map((f) => f.reason)).toEqual(['key_file_missing']);
    expect(v.failure?.message).toBe(`keys/${id}.pem is missing`);
  });
});
