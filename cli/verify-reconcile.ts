import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FINDINGS_FILE, REPORT_FILE, verifyReconcileReport } from '#shared/reconcile/reconcile-report.js';
import type { CliIo } from './io.js';

/** `airlock verify DIR` on a reconcile folder: exit 0 when reconcile.json's signature and findings.jsonl's digest hold, else 1. */
export async function verifyReconcileDir(dir: string, io: CliIo, trusted?: ReadonlyArray<{ pem: string; use?: 'records' | 'exports' }>): Promise<number> {
  const findingsPath = join(dir, FINDINGS_FILE);
  const check = verifyReconcileReport(readFileSync(join(dir, REPORT_FILE), 'utf8'), existsSync(findingsPath) ? readFileSync(findingsPath) : null, trusted);
  if (!check.ok) {
    io.stdout.write(`FAILED: reconcile report: ${check.reason}: ${check.message}\n`);
    return 1;
  }
  const s = check.report.summary;
  io.stdout.write(
    `key ${check.keyId} (exports, ${check.keySource === 'trusted' ? 'from --trusted-keys' : 'from the report'})\n` +
      `OK: reconcile report of ${s.window.from} .. ${s.window.to}: the signature and the findings.jsonl digest hold; ` +
      `${s.flagged} flagged finding(s) (unrecorded_query ${s.counts.unrecorded_query}, sql_mismatch ${s.counts.sql_mismatch}, missing_in_history ${s.counts.missing_in_history})\n`,
  );
  return 0;
}
