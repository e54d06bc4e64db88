import { z } from 'zod';
import { CERTIFICATES_FILE, EXPORT_FILES, MANIFEST_FORMAT, type ExportManifest } from './manifest.js';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const fileDigest = z.strictObject({ sha256: hex64, bytes: z.number().int().min(0) });

const ManifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  exportedAt: iso,
  filter: z.strictObject({ from: z.string().nullable(), to: z.string().nullable(), sessionId: z.string().nullable(), identity: z.string().nullable() }),
  records: z.number().int().min(0),
  sessions: z.array(
    z.strictObject({ sessionId: z.string().min(1), firstSeq: z.number().int().min(1), lastSeq: z.number().int().min(1), headHash: hex64, records: z.number().int().min(1) }),
  ),
  keys: z.record(hex64, z.strictObject({ alg: z.literal('ECDSA_SHA_256'), use: z.enum(['records', 'exports']), pem: z.string().min(1) })),
  files: z.strictObject({
    ...(Object.fromEntries(EXPORT_FILES.map((f) => [f, fileDigest])) as Record<(typeof EXPORT_FILES)[number], typeof fileDigest>),
    [CERTIFICATES_FILE]: fileDigest.optional(),
  }),
  sig: z.strictObject({ keyId: hex64, alg: z.literal('ECDSA_SHA_256'), value: z.string().min(1) }),
});

/**
 * Parses manifest.json strictly (every field of docs/record-format.md, nothing else), so a
 * field added by a forger is refused rather than ignored. Returns the problem as text.
 *
 * @example
 * const m = parseManifest(readFileSync('manifest.json', 'utf8'));
 * if (!m.ok) console.error(m.message);
 */
export function parseManifest(text: string): { ok: true; manifest: ExportManifest } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: `manifest.json is not JSON: ${(e as Error).message}` };
  }
  const parsed = ManifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `manifest.json: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, manifest: parsed.data as ExportManifest };
}
