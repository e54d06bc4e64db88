import { createHash } from 'node:crypto';
import { AirlockError } from '../errors.js';
import type { Signer } from '../ports/signer.js';
import { canonicalJson } from '../records/canonical.js';
import { keyIdOf, toPublicKey } from '../records/key-id.js';
import type { Signature } from '../records/types.js';
import { verifyHashSignature } from '../records/verify-record.js';
import type { ReconcileFinding } from './reconcile-finding.js';
import type { ReconcileSummary } from './reconcile-queries.js';

export const RECONCILE_FORMAT = 'airlock-reconcile/1';
export const FINDINGS_FILE = 'findings.jsonl';
export const REPORT_FILE = 'reconcile.json';

/** reconcile.json: the run's summary, the digest of findings.jsonl, the signing key, signed like an export manifest. */
export interface ReconcileReport {
  format: typeof RECONCILE_FORMAT;
  reconciledAt: string;
  summary: ReconcileSummary;
  files: { 'findings.jsonl': { sha256: string; bytes: number; lines: number } };
  /** SPKI PEM of the key that signed this report, under its key id. */
  keys: Record<string, { alg: 'ECDSA_SHA_256'; use: 'exports'; pem: string }>;
  sig: Signature;
}

/** findings.jsonl: one finding per line, in the order found. */
export function findingsJsonl(findings: ReconcileFinding[]): string {
  return findings.map((f) => `${JSON.stringify(f)}\n`).join('');
}

/** The 32 bytes the signature covers: SHA-256 of the RFC 8785 canonical JSON without `sig`. */
export function reportDigest(report: Omit<ReconcileReport, 'sig'> | ReconcileReport): Buffer {
  const { sig: _sig, ...unsigned } = report as ReconcileReport;
  return createHash('sha256').update(canonicalJson(unsigned)).digest();
}

/**
 * Builds and signs reconcile.json over the findings file's exact bytes, with the export key.
 *
 * @example
 * const text = findingsJsonl(findings);
 * const report = await signReconcileReport(summary, text, exportSigner, clock.now());
 */
export async function signReconcileReport(summary: ReconcileSummary, findingsText: string, signer: Signer, now: Date): Promise<ReconcileReport> {
  try {
    const keyId = await signer.keyId();
    const unsigned: Omit<ReconcileReport, 'sig'> = {
      format: RECONCILE_FORMAT,
      reconciledAt: now.toISOString(),
      summary,
      files: {
        'findings.jsonl': {
          sha256: createHash('sha256').update(findingsText, 'utf8').digest('hex'),
          bytes: Buffer.byteLength(findingsText, 'utf8'),
          lines: findingsText === '' ? 0 : findingsText.split('\n').length - 1,
        },
      },
      keys: { [keyId]: { alg: 'ECDSA_SHA_256', use: 'exports', pem: await signer.publicKeyPem() } },
    };
    const s = await signer.sign(reportDigest(unsigned));
    return { ...unsigned, sig: { keyId: s.keyId, alg: s.alg, value: s.value } };
  } catch (cause) {
    if (cause instanceof AirlockError) throw cause;
    throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'the reconcile report signer failed', { cause });
  }
}

export type ReportCheck = { ok: true; report: ReconcileReport; keyId: string; keySource: 'report' | 'trusted' } | { ok: false; reason: string; message: string };

/**
 * Checks a reconcile folder offline: reconcile.json parses, its signature verifies with its
 * listed key (or, given `trusted`, only with one of those), and findings.jsonl has the digest,
 * size and line count it signs.
 *
 * @example
 * const c = verifyReconcileReport(readFileSync('reconcile.json', 'utf8'), readFileSync('findings.jsonl'));
 */
export function verifyReconcileReport(reportText: string, findings: Buffer | null, trusted?: ReadonlyArray<{ pem: string; use?: 'records' | 'exports' }>): ReportCheck {
  let report: ReconcileReport;
  try {
    report = JSON.parse(reportText) as ReconcileReport;
  } catch {
    return { ok: false, reason: 'report_invalid', message: 'reconcile.json is not JSON' };
  }
  if (typeof report !== 'object' || report === null || report.format !== RECONCILE_FORMAT || typeof report.sig?.value !== 'string' || typeof report.sig?.keyId !== 'string' || typeof report.keys !== 'object' || report.keys === null) {
    return { ok: false, reason: 'report_invalid', message: `reconcile.json is not an ${RECONCILE_FORMAT} report` };
  }
  let pem: string | undefined;
  let keySource: 'report' | 'trusted' = 'report';
  if (trusted !== undefined) {
    keySource = 'trusted';
    pem = trusted.filter((t) => t.use !== 'records').find((t) => keyIdOf(t.pem) === report.sig.keyId)?.pem;
  } else {
    const listed = report.keys[report.sig.keyId];
    if (listed !== undefined && typeof listed.pem === 'string') {
      try {
        if (keyIdOf(listed.pem) === report.sig.keyId) pem = listed.pem;
      } catch {
        pem = undefined;
      }
    }
  }
  if (pem === undefined) return { ok: false, reason: 'key_unknown', message: `reconcile.json is signed by key ${String(report.sig.keyId).slice(0, 64)}, which is not ${trusted === undefined ? 'listed under its own id' : 'among the trusted keys'}` };
  if (!verifyHashSignature(reportDigest(report).toString('hex'), report.sig.value, toPublicKey(pem))) {
    return { ok: false, reason: 'signature_invalid', message: 'the reconcile.json signature does not verify' };
  }
  if (findings === null) return { ok: false, reason: 'file_missing', message: 'findings.jsonl is missing' };
  const f = report.files?.['findings.jsonl'];
  const sha = createHash('sha256').update(findings).digest('hex');
  if (f === undefined || f.sha256 !== sha || f.bytes !== findings.length) {
    return { ok: false, reason: 'file_digest_mismatch', message: 'findings.jsonl does not have the digest reconcile.json signs' };
  }
  return { ok: true, report, keyId: report.sig.keyId, keySource };
}
