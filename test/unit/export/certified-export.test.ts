import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertifiedSigner } from '#shared/adapters/certified-signer.js';
import type { SessionRecord } from '#shared/records/types.js';
import { appendRecord, type RecordDraft } from '#shared/use-cases/append-record.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { AGENT, cli, exportTo, newWorld, type World } from '#test/fixtures/export/export-fixtures.js';

// An export of records signed by certified in-memory keys verifies offline with --trusted-keys holding
// only the root (record) and export public keys; tampering with the certificates is refused.

const t = tempDir('airlock-certified-export-');
afterAll(() => t.cleanup());

async function world(name: string): Promise<{ w: World; dir: string; trusted: string }> {
  const w = await newWorld(join(t.dir, name));
  const signer = new CertifiedSigner({ root: w.signer, records: w.records, clock: w.clock, functionName: 'local' });
  for (let i = 0; i < 4; i += 1) {
    for (const sessionId of ['s-a', 's-b']) {
      w.clock.advance(25 * 60_000); // rotates a key every couple of records
      const requestId = `${sessionId}-r${i}`;
      await appendRecord({ records: w.records, signer, clock: w.clock }, { sessionId, requestId, actor: AGENT, type: 'query.requested', body: { sql: 'select 1', i } } as unknown as RecordDraft);
      await appendRecord({ records: w.records, signer, clock: w.clock }, { sessionId, requestId, actor: { kind: 'system' }, type: 'query.executed', body: { rowCount: 1 } } as unknown as RecordDraft);
    }
  }
  const dir = join(t.dir, `${name}-out`);
  await exportTo(w, dir);
  const trusted = join(t.dir, `${name}-trusted.pem`);
  writeFileSync(trusted, `${await w.signer.publicKeyPem()}${await w.exportSigner.publicKeyPem()}`);
  return { w, dir, trusted };
}

describe('an export signed under certified keys', () => {
  it('carries the certificate chain, lists only the root keys, and verifies with --trusted-keys holding only those', async () => {
    const { w, dir, trusted } = await world('ok');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { keys: Record<string, { use: string }>; files: Record<string, unknown>; sessions: Array<{ sessionId: string }> };
    expect(Object.keys(manifest.keys).sort()).toEqual([await w.signer.keyId(), await w.exportSigner.keyId()].sort());
    expect(manifest.files['certificates.jsonl']).toBeDefined();
    expect(manifest.sessions.map((s) => s.sessionId)).toEqual(['s-a', 's-b']); // the key chain is no session
    const certs = readFileSync(join(dir, 'certificates.jsonl'), 'utf8').trimEnd().split('\n');
    expect(certs.length).toBeGreaterThanOrEqual(3);
    const keyIds = new Set(readFileSync(join(dir, 'records.jsonl'), 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as SessionRecord).sig.keyId));
    expect(keyIds.has(await w.signer.keyId())).toBe(false);
    expect(keyIds.size).toBeGreaterThanOrEqual(3);
    const v = await cli(['verify', dir, '--trusted-keys', trusted]);
    expect(v.out).toMatch(new RegExp(`^OK: 16 record\\(s\\) in 2 session\\(s\\), 2 checkpoint\\(s\\), ${certs.length} key certificate\\(s\\)`, 'm'));
    expect(v.code).toBe(0);
  });

  it('a certificate changed (its window widened) certifies nothing: the certificate and the records it covered fail', async () => {
    const { dir, trusted } = await world('widened');
    const path = join(dir, 'certificates.jsonl');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    lines[0] = (lines[0] ?? '').replace(/"notAfter":"2026-03-01T1(\d)/, (_m, h: string) => `"notAfter":"2026-03-01T1${Number(h) + 1}`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const v = await cli(['verify', dir, '--trusted-keys', trusted]);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/^FAILED: session system\/keys seq 1: certificate_invalid: certificates\.jsonl line 1: hash_mismatch: /m);
  });

  it('certificates.jsonl removed: every record is signed by an uncertified key', async () => {
    const { dir, trusted } = await world('removed');
    rmSync(join(dir, 'certificates.jsonl'));
    const v = await cli(['verify', dir, '--trusted-keys', trusted]);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/^FAILED: session s-a seq 1: uncertified_key: signed by key [0-9a-f]{64}, which is not a trusted key, and no certificate/m);
  });

  it('with a root key that is not trusted, the certificates certify nothing', async () => {
    const { w, dir } = await world('untrusted');
    const other = await newWorld(join(t.dir, 'other'));
    const trusted = join(t.dir, 'untrusted-trusted.pem');
    writeFileSync(trusted, `${await other.signer.publicKeyPem()}${await w.exportSigner.publicKeyPem()}`);
    const v = await cli(['verify', dir, '--trusted-keys', trusted]);
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/^FAILED: session system\/keys seq 1: certificate_invalid: certificates\.jsonl line 1: unknown_key: /m);
  });
});
