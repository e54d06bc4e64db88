import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPORT_FILE } from '#shared/reconcile/reconcile-report.js';
import { verifyReconcileDir } from '../verify-reconcile.js';
import { WorkerSignatureChecker } from '#shared/export/signature-workers.js';
import { verifyExport } from '#shared/export/verify-export.js';
import { ExportReader } from '../export-reader.js';
import { readTrustedKeys } from '../trusted-keys.js';
import { parseCommandArgs, UsageError, type Command } from '../io.js';

const USAGE = 'usage: airlock verify DIR [--trusted-keys FILE] [--threads N] [--all]';

/**
 * `airlock verify DIR [--all]`: checks an export offline. Exit 0 when everything holds (findings
 * printed), 1 naming the first failing session/seq and why (`--all`: every failure and finding,
 * grouped by session; the first failure still decides), 2 usage, 3 an export that holds no record
 * (EMPTY instead of OK: its signed manifest holds, but nothing else was verified; the same 3 as
 * `export` selecting nothing, so an empty export never passes a script's `verify && …`).
 * A session's findings are not printed once that session has a failure: they follow from it.
 */
export const run: Command = async (argv, io) => {
  const parsed = parseCommandArgs({ args: argv, options: { 'trusted-keys': { type: 'string' }, threads: { type: 'string' }, all: { type: 'boolean' } }, strict: true, allowPositionals: true }, USAGE);
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
  // A failure in a session makes its findings unreliable (an outcome_unknown after a hash_mismatch): not listed apart.
  const failed = new Set(v.failures.map((f) => f.sessionId));
  const findings = v.findings.filter((f) => !failed.has(f.sessionId));
  const hidden = v.findings.length - findings.length;
  const findingLine = (f: (typeof findings)[number]): string => `finding: ${f.kind}: session ${f.sessionId}${'seq' in f ? ` seq ${f.seq}` : ''}: ${f.message}`;
  if (parsed.values.all === true) out.push(...groupedBySession(v.failures, findings, findingLine));
  else for (const f of findings) out.push(findingLine(f));
  if (v.ok && v.records === 0) {
    out.push(`EMPTY: the export holds no record (0 sessions): its signed manifest holds, but there was nothing else to verify; if records were expected, re-export with a selection that matches (airlock export --since 1d); exit 3`);
  } else if (v.ok) {
    out.push(
      `OK: ${v.records} record(s) in ${v.sessions} session(s), ${v.checkpoints} checkpoint(s)${v.certificates > 0 ? `, ${v.certificates} key certificate(s)` : ''}: every hash, link, seq and signature holds; ` +
        'the manifest signature, each session head, the checkpoints and the file digests agree',
    );
  } else {
    const f = v.failure;
    const where = f?.sessionId === null || f?.sessionId === undefined ? 'export' : `session ${f.sessionId} seq ${f.seq ?? '?'}`;
    out.push(`FAILED: ${where}: ${f?.reason}: ${f?.message}`);
    if (v.failures.length > 1 && parsed.values.all !== true) out.push(`(${v.failures.length - 1} further problem(s); the first is shown; --all lists every one)`);
    if (hidden > 0) out.push(`(${hidden} finding(s) in failed sessions not listed: they follow from the failure)`);
  }
  io.stdout.write(`${out.join('\n')}\n`);
  if (!v.ok) return 1;
  return v.records === 0 ? EXIT_EMPTY : 0;
};

/** `verify` of an export with no record: not a failure (1) and not a pass (0); `export`'s code for an empty selection. */
export const EXIT_EMPTY = 3;

/** `--all`: every failure and finding under its session, export-level problems first. */
function groupedBySession<F extends { sessionId: string }>(
  failures: Array<{ sessionId: string | null; seq: number | null; reason: string; message: string }>,
  findings: F[],
  findingLine: (f: F) => string,
): string[] {
  const groups = new Map<string, string[]>();
  const at = (key: string): string[] => {
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = []));
    return g;
  };
  for (const f of failures) at(f.sessionId === null ? 'export' : `session ${f.sessionId}`).push(`  failure: ${f.seq === null ? '' : `seq ${f.seq}: `}${f.reason}: ${f.message}`);
  for (const f of findings) at(`session ${f.sessionId}`).push(`  ${findingLine(f)}`);
  const out: string[] = [];
  for (const [key, lines] of groups) out.push(`${key}:`, ...lines);
  return out;
}
