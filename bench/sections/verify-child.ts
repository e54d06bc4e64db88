/**
 * Runs one `verify` of an export folder in a fresh process and prints `{ ok, ms, maxRssMb }`,
 * so the bench reads verify's own peak memory (worker threads included), not the bench's.
 * Usage: node --import tsx bench/sections/verify-child.ts DIR [THREADS]
 */
import { WorkerSignatureChecker } from '#shared/export/signature-workers.js';
import { verifyExport } from '#shared/export/verify-export.js';
import { ExportReader } from '#cli/export-reader.js';

const [dir, threads] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: verify-child.ts DIR [THREADS]');
const started = performance.now();
const reader = new ExportReader(dir);
const v = await verifyExport({
  manifest: reader.manifest() ?? '',
  keyFiles: reader.keyFiles(),
  records: reader.lines('records.jsonl'),
  checkpoints: reader.lines('checkpoints.jsonl'),
  fileDigests: () => reader.digests(),
  signatures: (keys) => new WorkerSignatureChecker(keys, threads === undefined ? {} : { threads: Number(threads) }),
});
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ok: v.ok, records: v.records, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
