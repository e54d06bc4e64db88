import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPORT_FILE } from '#shared/reconcile/reconcile-report.js';
import { verifyReconcileDir } from '../verify-reconcile.js';
import { parseArgs } from 'node:util';
import { WorkerSignatureChecker } from '#shared/export/signature-workers.js';
import { verifyExport } from '#shared/export/verify-export.js';
import { ExportReader } from '../export-reader.js';
import { readTrustedKeys } from '../trusted-keys.js';
import { UsageError, type Command } from '../io.js';

const USAGE = 'usage: airlock verify DIR [--trusted-keys FILE] [--threads N]';

/**
 * `airlock verify DIR`: checks an export offline. Exit 0 when everything holds (findings
 * printed), 1 naming the first failing session/seq and why, 2 usage.
 */
export const run: Command = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { 'trusted-keys': { type: 'string' }, threads: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n${USAGE}`);
  }
  const [dirArg, ...extra] = parsed.positionals;
  if (dirArg === undefined || extra.length > 0) throw new UsageError(USAGE);
  const dir = resolve(io.cwd, dirArg);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new UsageError(`${dir} is not a folder`);
  const threads = parsed.values.threads === undefined ? undefined : Number(parsed.values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1 || threads > 64)) throw new UsageError('--threads must be an integer from 1 to 64');
  const trusted = parsed.values['trusted-keys'] === undefined ? undefined : readTrustedKeys(resolve(io.cwd, parsed.values['trusted-keys']));

  // A reconcile folder (airlock reconcile --out): reconcile.json signed like a manifest over findings.jsonl.
  if (!existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, REPORT_FILE))) return verifyReconcileDir(dir, io, trusted);
  const reader = new ExportReader(dir);
  const manifest = reader.manifest();
  if (manifest === null) {
    io.stdout.write(`FAILED: ${dir} has no manifest.json: not a complete export\n`);
    return 1;
  }
  const v = await verifyExport({
    manifest,
    keyFiles: reader.keyFiles(),
    ...(trusted === undefined ? {} : { trusted }),
    records: reader.lines('records.jsonl'),
    checkpoints: reader.lines('checkpoints.jsonl'),
    certificates: reader.lines('certificates.jsonl'),
    fileDigests: () => reader.digests(),
    signatures: (keys) => new WorkerSignatureChecker(keys, threads === undefined ? {} : { threads }),
  });

  const out: string[] = [];
  for (const k of v.keys) out.push(`key ${k.keyId} (${k.use}, ${k.source === 'trusted' ? 'from --trusted-keys' : 'from the export'})`);
  for (const f of v.findings) out.push(`finding: ${f.kind}: session ${f.sessionId}${'seq' in f ? ` seq ${f.seq}` : ''}: ${f.message}`);
  if (v.ok) {
    out.push(
      `OK: ${v.records} record(s) in ${v.sessions} session(s), ${v.checkpoints} checkpoint(s)${v.certificates > 0 ? `, ${v.certificates} key certificate(s)` : ''}: every hash, link, seq and signature holds; ` +
        'the manifest signature, each session head, the checkpoints and the file digests agree',
    );
  } else {
    const f = v.failure;
    const where = f?.sessionId === null || f?.sessionId === undefined ? 'export' : `session ${f.sessionId} seq ${f.seq ?? '?'}`;
    out.push(`FAILED: ${where}: ${f?.reason}: ${f?.message}`);
    if (v.failures.length > 1) out.push(`(${v.failures.length - 1} further problem(s); the first is shown)`);
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return v.ok ? 0 : 1;
};
