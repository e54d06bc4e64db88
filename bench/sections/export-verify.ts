import { execFile } from 'node:child_process';
import { createHash, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { MemoryCheckpointStore } from '#test/doubles/memory-checkpoint-store.js';
import { systemClock } from '#shared/ports/clock.js';
import { exportRecords, type ExportFilter } from '#shared/use-cases/export-records.js';
import { fileSink } from '#cli/export-files.js';
import type { BenchSection, BenchSectionRunner } from '../types.js';
import { syntheticRecords } from './export-verify-data.js';

const RECORDS = 100_000;
const SESSIONS = 100;
const run$ = promisify(execFile);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} records/s`;

async function verifyInChild(dir: string, threads?: number, heapMb?: number): Promise<{ ok: boolean; records: number; ms: number; maxRssMb: number }> {
  const args = [...(heapMb === undefined ? [] : [`--max-old-space-size=${heapMb}`]), '--import', 'tsx', join(import.meta.dirname, 'verify-child.ts'), dir, ...(threads === undefined ? [] : [String(threads)])];
  const { stdout } = await run$(process.execPath, args, { cwd: join(import.meta.dirname, '..', '..'), maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

/** Peak RSS while `work` runs, sampled every 10 ms (the export awaits between pages, so samples land). */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peak: number; before: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peak, before };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Export and verify on 100,000 synthetic records (100 sessions), beside the floor: SHA-256 of each
 * record's canonical JSON + one ECDSA P-256 verify, single-threaded, on the same records.
 */
export const run: BenchSectionRunner = async (): Promise<BenchSection> => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-export-'));
  try {
    const signer = await LocalKeySigner.open(join(dir, 'keys', 'records.pem'));
    const exportSigner = await LocalKeySigner.open(join(dir, 'keys', 'exports.pem'));
    const { store, floor } = await syntheticRecords(RECORDS, SESSIONS, signer);
    const exportTo = (out: string, filter: ExportFilter) =>
      exportRecords(
        { records: store, checkpoints: new MemoryCheckpointStore(), exportSigner, recordKeys: async () => [{ keyId: await signer.keyId(), pem: await signer.publicKeyPem() }], checkpointSigner: signer, clock: systemClock },
        filter,
        fileSink(out),
      );

    const full = join(dir, 'full');
    const t0 = performance.now();
    const exp = await peakRss(() => exportTo(full, {}));
    const exportMs = performance.now() - t0;
    // A tenth of the records, to show verify's memory does not grow with the export.
    const tenth = join(dir, 'tenth');
    await exportTo(tenth, { to: new Date(Date.UTC(2026, 2, 1) + (RECORDS / 10) * 10 - 10).toISOString() });

    const pub = signer.publicKey();
    const f0 = performance.now();
    let good = 0;
    for (const f of floor) if (verify('sha256', createHash('sha256').update(f.unsigned).digest(), pub, f.sig)) good += 1;
    const floorMs = performance.now() - f0;
    if (good !== RECORDS) throw new Error(`floor verified ${good} of ${RECORDS}`);

    const v = await verifyInChild(full);
    const v1 = await verifyInChild(full, 1);
    const small = await verifyInChild(tenth);
    // The whole 100k export (~90 MB of records.jsonl) under a 48 MB JS heap: it streams or it dies.
    const capped = await verifyInChild(full, undefined, 48);
    if (!v.ok || v.records !== RECORDS || !small.ok || !capped.ok) throw new Error(`verify failed on the synthetic export: ${JSON.stringify({ v, small })}`);

    const ratio = v.ms / floorMs;
    // Threads only help when cores are free: with other work running (and Linux's autogroup
    // scheduling sharing CPU per session, not per thread) verify and the floor get the same share.
    const load = `load average ${loadavg()[0]?.toFixed(1)} on ${availableParallelism()} cores`;
    return {
      title: `export and verify (${RECORDS.toLocaleString('en-US')} synthetic records, ${SESSIONS} sessions)`,
      rows: [
        { metric: 'floor: SHA-256 + ECDSA verify, 1 thread', value: rate(RECORDS, floorMs), note: `${(floorMs / 1000).toFixed(2)} s; ${load}` },
        { metric: 'verify (worker threads, all cores)', value: rate(RECORDS, v.ms), baseline: rate(RECORDS, floorMs), ratio: `${ratio.toFixed(2)}x the floor's time (target ≤ 1.5x)`, note: `${(v.ms / 1000).toFixed(2)} s; peak RSS ${v.maxRssMb.toFixed(0)} MB` },
        { metric: 'verify (1 worker thread)', value: rate(RECORDS, v1.ms), baseline: rate(RECORDS, floorMs), ratio: `${(v1.ms / floorMs).toFixed(2)}x`, note: `peak RSS ${v1.maxRssMb.toFixed(0)} MB` },
        { metric: 'verify peak RSS, 10,000 vs 100,000 records', value: `${small.maxRssMb.toFixed(0)} MB vs ${v.maxRssMb.toFixed(0)} MB`, note: 'most of it is node + tsx + 2 workers; memory tracks sessions, not records' },
        { metric: 'verify 100,000 records with a 48 MB JS heap', value: capped.ok ? 'passes' : 'FAILED', note: `${(capped.ms / 1000).toFixed(2)} s, peak RSS ${capped.maxRssMb.toFixed(0)} MB (--max-old-space-size=48)` },
        { metric: 'export (in-memory store → files)', value: rate(RECORDS, exportMs), baseline: rate(RECORDS, floorMs), ratio: `${(exportMs / floorMs).toFixed(2)}x the floor's time`, note: `${(exportMs / 1000).toFixed(2)} s; RSS +${mb(exp.peak - exp.before)} at peak (store holds the 100k records already)` },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
