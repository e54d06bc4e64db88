import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '#shared/export/checkpoint.js';
import { manifestDigest, manifestSignatureValid, type ExportManifest } from '#shared/export/manifest.js';
import { canonicalJson } from '#shared/records/canonical.js';
import { sqlHash, unsignedOf } from '#shared/records/hash.js';
import { keyIdOf, keyRing, toPublicKey } from '#shared/records/key-id.js';
import { signingKeyProblem } from '#shared/records/key-certificate.js';
import type { SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { cli } from '#test/fixtures/export/export-fixtures.js';

// The worked example of docs/record-format.md, recomputed from the document alone.
const doc = readFileSync(new URL('../../../docs/record-format.md', import.meta.url), 'utf8');
function block(name: string): string {
  const m = doc.match(new RegExp(`<!-- example: ${name.replace(/\./g, '\\.')} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``));
  if (m?.[1] === undefined) throw new Error(`docs/record-format.md has no example block '${name}'`);
  return m[1];
}
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const t = tempDir('airlock-doc-');
afterAll(() => t.cleanup());

describe('docs/record-format.md worked example', () => {
  const pem = `${block('record-key-pem')}\n`;
  const record = JSON.parse(block('record-1')) as SessionRecord;
  const lines = block('records.jsonl').split('\n');

  it('key id = SHA-256 of the SPKI DER', () => {
    expect(keyIdOf(pem)).toBe(block('record-key-id'));
    expect(sha256(toPublicKey(pem).export({ type: 'spki', format: 'der' }) as unknown as string)).toBe(block('record-key-id'));
  });

  it('record 1: its canonical line is in records.jsonl, its unsigned canonical JSON and hash are as shown, its signature verifies', () => {
    expect(lines[0]).toBe(canonicalJson(record));
    expect(canonicalJson(unsignedOf(record))).toBe(block('record-1-unsigned'));
    expect(sha256(block('record-1-unsigned'))).toBe(block('record-1-hash'));
    expect(record.hash).toBe(block('record-1-hash'));
    expect(sqlHash('DROP TABLE customers')).toBe(block('sql-hash'));
    expect((record.body as { sqlHash: string }).sqlHash).toBe(block('sql-hash'));
    expect(verify('sha256', Buffer.from(record.hash, 'hex'), pem, Buffer.from(record.sig.value, 'base64'))).toBe(true);
    expect(record.sig.keyId).toBe(block('record-key-id'));
  });

  it('records.jsonl is a verifying chain', () => {
    const v = verifyChain(lines, keyRing([pem]));
    expect(v).toMatchObject({ ok: true, records: 2, findings: [] });
    expect((JSON.parse(lines[1] as string) as SessionRecord).prevHash).toBe(record.hash);
  });

  it('the checkpoint signs the head over the digest shown', () => {
    const line = block('checkpoints.jsonl');
    const c = verifyCheckpoint(line, keyRing([pem]));
    expect(c.ok).toBe(true);
    const cp = JSON.parse(line);
    expect(canonicalJson({ sessionId: cp.sessionId, seq: cp.seq, hash: cp.hash, at: cp.at })).toBe(block('checkpoint-signed'));
    expect(sha256(block('checkpoint-signed'))).toBe(block('checkpoint-digest'));
    expect(cp.hash).toBe((JSON.parse(lines[1] as string) as SessionRecord).hash);
  });

  it('the manifest: digest, signature by the export key, file digests', () => {
    const m = JSON.parse(block('manifest.json')) as ExportManifest;
    expect(manifestDigest(m).toString('hex')).toBe(block('manifest-digest'));
    const { sig: _sig, ...unsigned } = m;
    expect(sha256(canonicalJson(unsigned))).toBe(block('manifest-digest'));
    expect(m.sig.keyId).toBe(block('export-key-id'));
    const exportPem = m.keys[block('export-key-id')]?.pem as string;
    expect(keyIdOf(exportPem)).toBe(block('export-key-id'));
    expect(manifestSignatureValid(m, toPublicKey(exportPem))).toBe(true);
    expect(m.files['records.jsonl'].sha256).toBe(sha256(`${block('records.jsonl')}\n`));
    expect(m.files['checkpoints.jsonl'].sha256).toBe(sha256(`${block('checkpoints.jsonl')}\n`));
    expect(m.files['requests.csv'].sha256).toBe(sha256(`${block('requests.csv').split('\n').join('\r\n')}\r\n`));
    expect(m.keys[block('record-key-id')]?.pem).toBe(pem);
  });

  it('the export rebuilt from the document passes airlock verify', async () => {
    const dir = join(t.dir, 'export');
    mkdirSync(join(dir, 'keys'), { recursive: true });
    const m = JSON.parse(block('manifest.json')) as ExportManifest;
    writeFileSync(join(dir, 'manifest.json'), block('manifest.json'));
    writeFileSync(join(dir, 'records.jsonl'), `${block('records.jsonl')}\n`);
    writeFileSync(join(dir, 'checkpoints.jsonl'), `${block('checkpoints.jsonl')}\n`);
    writeFileSync(join(dir, 'requests.csv'), `${block('requests.csv').split('\n').join('\r\n')}\r\n`);
    for (const [id, k] of Object.entries(m.keys)) writeFileSync(join(dir, 'keys', `${id}.pem`), k.pem);
    const r = await cli(['verify', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('OK: 2 record(s) in 1 session(s), 1 checkpoint(s)');
  });
});

describe('docs/record-format.md section 6a worked example: a certificate and a record signed under it', () => {
  const rootPem = `${block('cert-root-pem')}\n`;
  const certLine = block('certificates.jsonl');
  const recLine = block('cert-record');
  const cert = JSON.parse(certLine) as SessionRecord;
  const rec = JSON.parse(recLine) as SessionRecord;
  const body = cert.body as { keyId: string; spki: string; certifiedBy: string; notBefore: string; notAfter: string; function: string };
  const certifiedPem = createPublicKey({ key: Buffer.from(body.spki, 'base64'), format: 'der', type: 'spki' });

  it('by hand: the root key id, the certificate signed by it, the certified key id, the window, and the record signature', () => {
    expect(keyIdOf(rootPem)).toBe(block('cert-root-id'));
    expect(cert.sig.keyId).toBe(block('cert-root-id'));
    expect(body.certifiedBy).toBe(block('cert-root-id'));
    expect(sha256(canonicalJson(unsignedOf(cert)))).toBe(cert.hash);
    expect(verify('sha256', Buffer.from(cert.hash, 'hex'), rootPem, Buffer.from(cert.sig.value, 'base64'))).toBe(true);
    expect(createHash('sha256').update(Buffer.from(body.spki, 'base64')).digest('hex')).toBe(block('cert-key-id'));
    expect(body.keyId).toBe(block('cert-key-id'));
    expect(rec.sig.keyId).toBe(block('cert-key-id'));
    expect(Date.parse(body.notAfter) - Date.parse(body.notBefore)).toBeLessThanOrEqual(3_600_000);
    expect(Date.parse(rec.at) >= Date.parse(body.notBefore) && Date.parse(rec.at) <= Date.parse(body.notAfter)).toBe(true);
    expect(sha256(canonicalJson(unsignedOf(rec)))).toBe(rec.hash);
    expect(verify('sha256', Buffer.from(rec.hash, 'hex'), certifiedPem, Buffer.from(rec.sig.value, 'base64'))).toBe(true);
  });

  it('the verifier agrees, and refuses the record with the certificate missing, restamped after the window, or certified for approvals', () => {
    const roots = keyRing([rootPem]);
    expect(verifyChain([recLine], roots, { certificates: [certLine] })).toMatchObject({ ok: true, failures: [] });
    expect(verifyChain([recLine], roots, { certificates: [] }).failure?.reason).toBe('uncertified_key');
    // What the example says of the restamped record: the window check fires before the signature is even looked at.
    const late = canonicalJson({ ...rec, at: '2026-03-01T13:00:00.001Z' });
    expect(verifyChain([late], roots, { certificates: [certLine] }).failure?.reason).toBe('hash_mismatch');
    expect(signingKeyProblem(roots, { certified: new Map([[body.keyId, { keyId: body.keyId, key: certifiedPem, notBefore: Date.parse(body.notBefore), notAfter: Date.parse(body.notAfter), function: body.function, certifiedBy: body.certifiedBy, seq: 1 }]]), rejected: new Set() }, body.keyId, '2026-03-01T13:00:00.001Z', rec.type)?.reason).toBe('key_outside_window');
    expect(signingKeyProblem(roots, { certified: new Map([[body.keyId, { keyId: body.keyId, key: certifiedPem, notBefore: Date.parse(body.notBefore), notAfter: Date.parse(body.notAfter), function: 'approvals', certifiedBy: body.certifiedBy, seq: 1 }]]), rejected: new Set() }, body.keyId, rec.at, rec.type)?.reason).toBe('key_wrong_function');
    // A changed certificate (its window widened) no longer verifies with the root key: nothing is certified.
    const widened = certLine.replace('"notAfter":"2026-03-01T13:00:00.000Z"', '"notAfter":"2026-03-01T14:00:00.000Z"');
    const v = verifyChain([recLine], roots, { certificates: [widened] });
    expect(v.certificateFailures?.[0]?.reason).toBe('hash_mismatch');
    expect(v.failure?.reason).toBe('uncertified_key');
  });
});

