import type { KeyObject } from 'node:crypto';
import { keyIdOf, toPublicKey } from '../records/key-id.js';
import { ChainVerifier, type StreamSessionSummary } from '../records/chain-verifier.js';
import type { OutcomeFinding } from '../records/outcome-findings.js';
import type { SignatureChecker } from '../records/signature-checker.js';
import { verifyCheckpoint, type Checkpoint } from './checkpoint.js';
import { CERTIFICATES_FILE, EXPORT_FILES, manifestSignatureValid, type ExportFileName, type ExportManifest } from './manifest.js';
import { CertificateVerifier } from '../records/verify-certificates.js';
import { signingKeys } from '../records/chain-verifier.js';
import type { CertifiedKeys } from '../records/key-certificate.js';
import { parseManifest } from './manifest-schema.js';

export interface ExportFailure {
  sessionId: string | null;
  seq: number | null;
  /** A ChainFailureReason for a record, else one of the export-level reasons below. */
  reason: string;
  message: string;
}

export interface ExportVerification {
  ok: boolean;
  /** The most specific failure first: manifest, then records in file order, then heads/checkpoints, then file digests. */
  failure: ExportFailure | null;
  failures: ExportFailure[];
  findings: Array<OutcomeFinding | { kind: 'no_checkpoint'; sessionId: string; message: string }>;
  records: number;
  sessions: number;
  checkpoints: number;
  /** Key certificates read (certificates.jsonl), 0 when the export has none. */
  certificates: number;
  /** The keys trusted for this run, by key id, and where the trust came from. */
  keys: Array<{ keyId: string; use: 'records' | 'exports' | 'any'; source: 'export' | 'trusted' }>;
}

export interface VerifyExportInput {
  /** manifest.json text. */
  manifest: string;
  /** keys/ of the export: file name → PEM text. */
  keyFiles: ReadonlyMap<string, string>;
  /** Keys to trust instead of the export's own (`--trusted-keys`); `use` omitted = any use. */
  trusted?: ReadonlyArray<{ pem: string; use?: 'records' | 'exports' }>;
  records: AsyncIterable<string>;
  checkpoints: AsyncIterable<string>;
  /** certificates.jsonl (the `system/keys` chain); read only when the manifest lists it. */
  certificates?: AsyncIterable<string>;
  /** SHA-256 and size of each file as read; called after `records` is consumed. null = file absent. */
  fileDigests(): Promise<Record<ExportFileName, { sha256: string; bytes: number } | null>>;
  /** A SignatureChecker for the record keys (e.g. worker threads); inline when omitted. */
  signatures?(keys: ReadonlyMap<string, KeyObject>): SignatureChecker;
}

interface Rings {
  records: Map<string, KeyObject>;
  exports: Map<string, KeyObject>;
  listed: ExportVerification['keys'];
}

function ringsOf(input: VerifyExportInput, manifest: ExportManifest, fail: (f: ExportFailure) => void): Rings {
  const rings: Rings = { records: new Map(), exports: new Map(), listed: [] };
  // The export's key files must be exactly the keys the signed manifest lists, under their own ids.
  for (const [id, k] of Object.entries(manifest.keys)) {
    let actual: string;
    try {
      actual = keyIdOf(k.pem);
    } catch {
      fail({ sessionId: null, seq: null, reason: 'key_invalid', message: `manifest key ${id} is not a public key PEM` });
      continue;
    }
    if (actual !== id) fail({ sessionId: null, seq: null, reason: 'key_invalid', message: `manifest lists key ${id}, but that PEM's id is ${actual}` });
    const file = input.keyFiles.get(`${id}.pem`);
    if (file === undefined) fail({ sessionId: null, seq: null, reason: 'key_file_missing', message: `keys/${id}.pem is missing` });
    else if (keyIdOf(file) !== id) fail({ sessionId: null, seq: null, reason: 'key_invalid', message: `keys/${id}.pem holds another key` });
  }
  if (input.trusted !== undefined) {
    for (const t of input.trusted) {
      const key = toPublicKey(t.pem);
      const id = keyIdOf(key);
      if (t.use !== 'exports') rings.records.set(id, key);
      if (t.use !== 'records') rings.exports.set(id, key);
      rings.listed.push({ keyId: id, use: t.use ?? 'any', source: 'trusted' });
    }
    return rings;
  }
  for (const [id, k] of Object.entries(manifest.keys)) {
    let key: KeyObject;
    try {
      key = toPublicKey(k.pem);
    } catch {
      continue;
    }
    if (keyIdOf(key) !== id) continue;
    (k.use === 'records' ? rings.records : rings.exports).set(id, key);
    rings.listed.push({ keyId: id, use: k.use, source: 'export' });
  }
  return rings;
}

/**
 * Verifies an export offline: the manifest's shape and signature (export key), the key files,
 * every record (via ChainVerifier: shape, canonical bytes, hash, seq, link, signature), each
 * session's head against the manifest, every checkpoint's signature and that the records
 * reach and agree with it, and each file's SHA-256 against the manifest. Streams the records.
 *
 * @example
 * const v = await verifyExport({ manifest, keyFiles, records: lines(dir), checkpoints, fileDigests });
 * if (!v.ok) console.error(`${v.failure?.sessionId}/${v.failure?.seq}: ${v.failure?.message}`);
 */
export async function verifyExport(input: VerifyExportInput): Promise<ExportVerification> {
  const head: ExportFailure[] = [];
  const fail = (f: ExportFailure): void => void head.push(f);
  const parsed = parseManifest(input.manifest);
  if (!parsed.ok) {
    const failure = { sessionId: null, seq: null, reason: 'manifest_invalid', message: parsed.message };
    return { ok: false, failure, failures: [failure], findings: [], records: 0, sessions: 0, checkpoints: 0, certificates: 0, keys: [] };
  }
  const manifest = parsed.manifest;
  const rings = ringsOf(input, manifest, fail);
  const exportKey = rings.exports.get(manifest.sig.keyId);
  if (exportKey === undefined) {
    fail({ sessionId: null, seq: null, reason: 'manifest_key_untrusted', message: `manifest is signed by key ${manifest.sig.keyId}, which is not a trusted export key` });
  } else if (!manifestSignatureValid(manifest, exportKey)) {
    fail({ sessionId: null, seq: null, reason: 'manifest_signature', message: `manifest signature does not verify with export key ${manifest.sig.keyId}` });
  }

  // Checkpoints first (they are few): the record stream then remembers the hashes at their seqs.
  const later: ExportFailure[] = [];
  const latest = new Map<string, Checkpoint>();
  const all: Checkpoint[] = [];
  const watch = new Map<string, Set<number>>();
  let checkpointCount = 0;
  for await (const line of input.checkpoints) {
    checkpointCount += 1;
    const c = verifyCheckpoint(line, rings.records);
    if (!c.ok) {
      later.push({ sessionId: c.sessionId, seq: c.seq, reason: 'checkpoint_invalid', message: c.message });
      continue;
    }
    const cp = c.checkpoint;
    all.push(cp);
    if ((latest.get(cp.sessionId)?.seq ?? 0) < cp.seq) latest.set(cp.sessionId, cp);
    const set = watch.get(cp.sessionId) ?? new Set<number>();
    set.add(cp.seq);
    watch.set(cp.sessionId, set);
  }

  // Certificates next (one per process per hour): the keys they certify may sign records, each inside
  // its window and for its function. Read only when the signed manifest lists the file.
  let certified: CertifiedKeys | undefined;
  let certificateCount = 0;
  if (manifest.files[CERTIFICATES_FILE] !== undefined) {
    const certs = new CertificateVerifier(rings.records);
    for await (const line of input.certificates ?? emptyLines()) certs.push(line);
    const c = certs.finish();
    certificateCount = c.certificates;
    certified = c.certified;
    for (const f of c.failures) head.push({ sessionId: f.sessionId, seq: f.seq, reason: f.reason === 'certificate_invalid' ? f.reason : 'certificate_invalid', message: `certificates.jsonl line ${f.index + 1}: ${f.reason === 'certificate_invalid' ? '' : `${f.reason}: `}${f.message}` });
  }
  const recordKeys = certified === undefined ? rings.records : signingKeys(rings.records, certified);
  const chain = new ChainVerifier(rings.records, {
    watch,
    ...(certified === undefined ? {} : { certificates: certified }),
    ...(input.signatures === undefined ? {} : { signatures: input.signatures(recordKeys) }),
  });
  for await (const line of input.records) {
    chain.push(line);
    await chain.ready();
  }
  const result = await chain.finish();
  const recordFailures: ExportFailure[] = result.failures.map((f) => ({ sessionId: f.sessionId, seq: f.seq, reason: f.reason, message: f.message }));

  const seen = new Map<string, StreamSessionSummary>(result.sessions.map((s) => [s.sessionId, s]));
  const listed = new Set<string>();
  for (const m of manifest.sessions) {
    listed.add(m.sessionId);
    const s = seen.get(m.sessionId);
    if (s === undefined) {
      later.push({ sessionId: m.sessionId, seq: m.lastSeq, reason: 'session_missing', message: `the manifest lists session ${m.sessionId} (seq ${m.firstSeq}..${m.lastSeq}), records.jsonl has none of it` });
    } else if (s.headSeq !== m.lastSeq || s.headHash !== m.headHash || s.records !== m.records || s.firstSeq !== m.firstSeq) {
      later.push({
        sessionId: m.sessionId,
        seq: Math.min(s.headSeq, m.lastSeq) + (s.headSeq < m.lastSeq ? 1 : 0),
        reason: 'head_mismatch',
        message: `manifest says seq ${m.firstSeq}..${m.lastSeq} (${m.records} records, head ${m.headHash}); records.jsonl has seq ${s.firstSeq}..${s.headSeq} (${s.records} records, head ${s.headHash})`,
      });
    }
  }
  for (const s of result.sessions) {
    if (!listed.has(s.sessionId)) later.push({ sessionId: s.sessionId, seq: s.firstSeq, reason: 'session_unlisted', message: `session ${s.sessionId} is in records.jsonl but not in the manifest` });
  }
  if (result.records !== manifest.records) {
    later.push({ sessionId: null, seq: null, reason: 'record_count', message: `manifest says ${manifest.records} records, records.jsonl has ${result.records}` });
  }
  for (const cp of all) {
    const s = seen.get(cp.sessionId);
    if (s === undefined || cp.seq > s.headSeq) {
      later.push({
        sessionId: cp.sessionId,
        seq: (s?.headSeq ?? 0) + 1,
        reason: 'checkpoint_ahead',
        message: `checkpoint of ${cp.at} signs seq ${cp.seq} (${cp.hash}), but the records end at seq ${s?.headSeq ?? 0}: records were cut from the end`,
      });
    } else if (s.watched.get(cp.seq) !== cp.hash) {
      later.push({ sessionId: cp.sessionId, seq: cp.seq, reason: 'checkpoint_mismatch', message: `checkpoint of ${cp.at} signs hash ${cp.hash} at seq ${cp.seq}; the record there has ${s.watched.get(cp.seq) ?? 'no hash'}` });
    }
  }
  const findings: ExportVerification['findings'] = [...result.findings];
  for (const m of manifest.sessions) {
    if (!latest.has(m.sessionId)) findings.push({ kind: 'no_checkpoint', sessionId: m.sessionId, message: `session ${m.sessionId} has no checkpoint: a cut at its end would only be caught by the manifest` });
  }

  const digests = await input.fileDigests();
  const tail: ExportFailure[] = [];
  const listedFiles: ExportFileName[] = [...EXPORT_FILES];
  if (manifest.files[CERTIFICATES_FILE] !== undefined) listedFiles.push(CERTIFICATES_FILE);
  for (const f of listedFiles) {
    const want = manifest.files[f] ?? { sha256: '', bytes: 0 };
    const got = digests[f] ?? { sha256: 'none (missing)', bytes: 0 };
    // An empty file and a missing one are the same to the manifest: nothing of that kind was exported.
    if (got.sha256 !== want.sha256 && !(digests[f] === null && want.bytes === 0)) {
      tail.push({ sessionId: null, seq: null, reason: 'file_digest', message: `${f}: SHA-256 is ${got.sha256}, the manifest says ${want.sha256}` });
    }
  }
  const failures = [...head, ...recordFailures, ...later, ...tail];
  return {
    ok: failures.length === 0,
    failure: failures[0] ?? null,
    failures,
    findings,
    records: result.records,
    sessions: result.sessions.length,
    checkpoints: checkpointCount,
    certificates: certificateCount,
    keys: rings.listed,
  };
}

async function* emptyLines(): AsyncIterable<string> {}
