import { createHash, type Hash } from 'node:crypto';
import { AirlockError } from '../errors.js';
import { CERTIFICATES_FILE, EXPORT_FILES, MANIFEST_FORMAT, signManifest, type ExportFile, type ExportFileName, type ExportManifest, type ManifestKey, type ManifestSession } from '../export/manifest.js';
import { REQUESTS_CSV_HEADER, RequestRows } from '../export/request-rows.js';
import { csvRow } from '../export/csv.js';
import type { Checkpoint } from '../export/checkpoint.js';
import type { CheckpointStore } from '../ports/checkpoint-store.js';
import type { Clock } from '../ports/clock.js';
import type { ExportableRecordStore } from '../ports/record-store.js';
import type { Signer } from '../ports/signer.js';
import { KEY_CHAIN_SESSION, type SessionRecord } from '../records/types.js';
import { writeCheckpoints } from './write-checkpoints.js';

export interface ExportFilter {
  from?: string;
  to?: string;
  sessionId?: string;
  /** The `sub` of the identity that owns the session (made its first request). */
  identity?: string;
}

/** Where an export goes; the CLI writes files, tests collect strings. Writes arrive in file order. */
export interface ExportSink {
  append(file: ExportFileName, chunk: string): Promise<void>;
  key(keyId: string, pem: string): Promise<void>;
  manifest(manifest: ExportManifest): Promise<void>;
}

export interface ExportRecordsDeps {
  records: ExportableRecordStore;
  checkpoints: CheckpointStore;
  /** Signs manifest.json (locally `keys/exports.pem`, in AWS the auditor-only KMS key). */
  exportSigner: Signer;
  /** Every public key that ever signed records or checkpoints. */
  recordKeys(): Promise<Array<{ keyId: string; pem: string }>>;
  /** The record signer, to checkpoint each exported head first; without it no checkpoint is written. */
  checkpointSigner?: Signer;
  /** Checkpoints the selected heads some other way (in AWS: the deployed checkpoint writer); runs before any read. */
  checkpointFirst?(sessionIds: string[]): Promise<void>;
  clock: Clock;
  onProgress?(p: { sessionsDone: number; sessions: number; records: number }): void;
  /** Records per store page (default 1000): what the export holds in memory at once. */
  pageSize?: number;
}

/**
 * Streams the selected sessions, each whole from seq 1, into records.jsonl (bytes as stored),
 * checkpoints.jsonl and requests.csv, then writes the public keys and the signed manifest.
 * Holds one store page and one session's open requests at a time, never the export.
 *
 * @example
 * const manifest = await exportRecords(deps, { from: '2026-01-01T00:00:00.000Z' }, fileSink(dir));
 */
export async function exportRecords(deps: ExportRecordsDeps, filter: ExportFilter, sink: ExportSink): Promise<ExportManifest> {
  const exportedAt = deps.clock.now().toISOString();
  const range = { ...(filter.from === undefined ? {} : { from: filter.from }), ...(filter.to === undefined ? {} : { to: filter.to }) };
  let ids: string[];
  if (filter.sessionId !== undefined) {
    const inRange = filter.from === undefined && filter.to === undefined ? null : await deps.records.sessionIds(range);
    ids = inRange === null || inRange.includes(filter.sessionId) ? [filter.sessionId] : [];
  } else {
    ids = await deps.records.sessionIds(range);
  }
  // The key certificates are no session of anyone's: they go to certificates.jsonl, below.
  ids = ids.filter((id) => id !== KEY_CHAIN_SESSION);
  if (deps.checkpointFirst !== undefined) await deps.checkpointFirst(ids);
  if (deps.checkpointSigner !== undefined) {
    await writeCheckpoints({ records: deps.records, checkpoints: deps.checkpoints, signer: deps.checkpointSigner, clock: deps.clock }, { sessionIds: ids });
  }

  const hashes = Object.fromEntries(EXPORT_FILES.map((f) => [f, { hash: createHash('sha256'), bytes: 0 }])) as Record<ExportFile, { hash: Hash; bytes: number }>;
  const write = async (file: ExportFile, chunk: string): Promise<void> => {
    if (chunk === '') return;
    hashes[file].hash.update(chunk);
    hashes[file].bytes += Buffer.byteLength(chunk);
    await sink.append(file, chunk);
  };
  const usedKeys = new Set<string>();
  const sessions: ManifestSession[] = [];
  const rows = new RequestRows();
  let total = 0;
  await write('requests.csv', csvRow([...REQUESTS_CSV_HEADER]));

  for (const [i, sessionId] of ids.entries()) {
    let summary: ManifestSession | null = null;
    for await (const page of deps.records.pages(sessionId, deps.pageSize)) {
      const parsed = page.map((line) => JSON.parse(line) as SessionRecord);
      if (summary === null) {
        const first = parsed[0];
        if (first === undefined) continue;
        if (filter.identity !== undefined && first.actor.sub !== filter.identity) break;
        summary = { sessionId, firstSeq: first.seq, lastSeq: first.seq, headHash: first.hash, records: 0 };
      }
      for (const r of parsed) {
        usedKeys.add(r.sig.keyId);
        rows.push(r);
        summary.lastSeq = r.seq;
        summary.headHash = r.hash;
      }
      summary.records += page.length;
      total += page.length;
      await write('records.jsonl', `${page.join('\n')}\n`);
      deps.onProgress?.({ sessionsDone: i, sessions: ids.length, records: total });
    }
    if (summary === null) continue;
    sessions.push(summary);
    await write('requests.csv', rows.endSession());
    const checkpoints = await deps.checkpoints.list(sessionId);
    for (const c of checkpoints) usedKeys.add((JSON.parse(c) as Checkpoint).sig.keyId);
    if (checkpoints.length > 0) await write('checkpoints.jsonl', `${checkpoints.join('\n')}\n`);
    deps.onProgress?.({ sessionsDone: i + 1, sessions: ids.length, records: total });
  }

  const keys: Record<string, ManifestKey> = {};
  for (const k of await deps.recordKeys()) keys[k.keyId] = { alg: 'ECDSA_SHA_256', use: 'records', pem: k.pem };
  // Records signed by certified (hourly, in-memory) keys: export the whole certificate chain, each
  // certificate signed by a root key listed above (docs/record-format.md 6a).
  let certificates: { sha256: string; bytes: number } | undefined;
  if ([...usedKeys].some((id) => keys[id] === undefined)) {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const page of deps.records.pages(KEY_CHAIN_SESSION, deps.pageSize)) {
      for (const line of page) {
        const r = JSON.parse(line) as SessionRecord;
        usedKeys.add(r.sig.keyId);
        if (r.type === 'key.certified' && keys[r.sig.keyId] !== undefined) usedKeys.delete((r.body as { keyId: string }).keyId);
      }
      const chunk = `${page.join('\n')}\n`;
      hash.update(chunk);
      bytes += Buffer.byteLength(chunk);
      await sink.append(CERTIFICATES_FILE, chunk);
    }
    certificates = { sha256: hash.digest('hex'), bytes };
  }
  for (const id of usedKeys) {
    if (keys[id] === undefined) throw new AirlockError('ERR_EXPORT_KEY_UNKNOWN', `records in this export are signed by key ${id}, which is not among the known public keys`);
  }
  const exportKeyId = await deps.exportSigner.keyId();
  keys[exportKeyId] = { alg: 'ECDSA_SHA_256', use: 'exports', pem: await deps.exportSigner.publicKeyPem() };
  for (const [id, k] of Object.entries(keys)) await sink.key(id, k.pem);

  const files = Object.fromEntries(EXPORT_FILES.map((f) => [f, { sha256: hashes[f].hash.digest('hex'), bytes: hashes[f].bytes }])) as ExportManifest['files'];
  if (certificates !== undefined) files[CERTIFICATES_FILE] = certificates;
  const manifest = await signManifest(
    {
      format: MANIFEST_FORMAT,
      exportedAt,
      filter: { from: filter.from ?? null, to: filter.to ?? null, sessionId: filter.sessionId ?? null, identity: filter.identity ?? null },
      records: total,
      sessions,
      keys,
      files,
    },
    deps.exportSigner,
  );
  await sink.manifest(manifest);
  return manifest;
}
