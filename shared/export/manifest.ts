import { createHash, type KeyObject } from 'node:crypto';
import { AirlockError } from '../errors.js';
import type { Signer } from '../ports/signer.js';
import { canonicalJson } from '../records/canonical.js';
import type { Signature } from '../records/types.js';
import { verifyHashSignature } from '../records/verify-record.js';

export const MANIFEST_FORMAT = 'airlock-export/1';
export const EXPORT_FILES = ['records.jsonl', 'checkpoints.jsonl', 'requests.csv'] as const;
export type ExportFile = (typeof EXPORT_FILES)[number];
/**
 * The `system/keys` chain (key certificates), present when records are signed by certified keys:
 * listed in the manifest's `files` only then, so exports without it keep their old manifest.
 */
export const CERTIFICATES_FILE = 'certificates.jsonl';
/** Any file an export may write besides keys/ and manifest.json. */
export type ExportFileName = ExportFile | typeof CERTIFICATES_FILE;

export interface ManifestSession {
  sessionId: string;
  firstSeq: number;
  lastSeq: number;
  headHash: string;
  records: number;
}

export interface ManifestKey {
  alg: 'ECDSA_SHA_256';
  use: 'records' | 'exports';
  /** SPKI PEM; its SHA-256 (DER) is the key id it is listed under. */
  pem: string;
}

/** manifest.json of an export (docs/record-format.md "Manifest"). */
export interface ExportManifest {
  format: typeof MANIFEST_FORMAT;
  exportedAt: string;
  filter: { from: string | null; to: string | null; sessionId: string | null; identity: string | null };
  records: number;
  sessions: ManifestSession[];
  keys: Record<string, ManifestKey>;
  files: Record<ExportFile, { sha256: string; bytes: number }> & { [CERTIFICATES_FILE]?: { sha256: string; bytes: number } };
  sig: Signature;
}

/** The 32 bytes the manifest's signature covers: SHA-256 of its RFC 8785 canonical JSON without `sig`. */
export function manifestDigest(manifest: Omit<ExportManifest, 'sig'> | ExportManifest): Buffer {
  const { sig: _sig, ...unsigned } = manifest as ExportManifest;
  return createHash('sha256').update(canonicalJson(unsigned)).digest();
}

/**
 * Signs a manifest with the export key.
 *
 * @example
 * const manifest = await signManifest(unsigned, exportSigner);
 * await writeFile('manifest.json', JSON.stringify(manifest, null, 2));
 */
export async function signManifest(unsigned: Omit<ExportManifest, 'sig'>, signer: Signer): Promise<ExportManifest> {
  try {
    const s = await signer.sign(manifestDigest(unsigned));
    return { ...unsigned, sig: { keyId: s.keyId, alg: s.alg, value: s.value } };
  } catch (cause) {
    throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'the export signer failed', { cause });
  }
}

/** True when `manifest.sig` verifies with `key` over the manifest's canonical JSON without `sig`. */
export function manifestSignatureValid(manifest: ExportManifest, key: KeyObject): boolean {
  return verifyHashSignature(manifestDigest(manifest).toString('hex'), manifest.sig.value, key);
}
