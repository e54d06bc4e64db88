import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { MemoryCheckpointStore } from '#test/doubles/memory-checkpoint-store.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { verifyExport } from '#shared/export/verify-export.js';
import { sealRecord } from '#shared/records/seal-record.js';
import type { SessionRecord } from '#shared/records/types.js';
import { ExportReader } from '#cli/export-reader.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { cli, conversation, exportTo, newWorld, type World } from '#test/fixtures/export/export-fixtures.js';

const t = tempDir('airlock-tamper-');
let w: World;
let base: string;
let n = 0;

beforeAll(async () => {
  w = await newWorld(t.dir);
  await conversation(w, 's1', { unknownOutcome: true });
  await conversation(w, 's2');
  await conversation(w, 's3');
  base = join(t.dir, 'base');
  await exportTo(w, base);
});
afterAll(() => t.cleanup());

/** A fresh copy of the good export to tamper with. */
function copy(): string {
  const dir = join(t.dir, `copy${(n += 1)}`);
  cpSync(base, dir, { recursive: true });
  return dir;
}
const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');
const lines = (dir: string): string[] => read(dir, 'records.jsonl').trimEnd().split('\n');
const writeLines = (dir: string, ls: string[]): void => writeFileSync(join(dir, 'records.jsonl'), `${ls.join('\n')}\n`);
const indexOf = (ls: string[], sessionId: string, seq: number): number => ls.findIndex((l) => l.startsWith('{') && (JSON.parse(l) as SessionRecord).sessionId === sessionId && (JSON.parse(l) as SessionRecord).seq === seq);

async function verifyInProcess(dir: string, records: string[]) {
  const reader = new ExportReader(dir);
  async function* it(ls: string[]) {
    yield* ls;
  }
  return verifyExport({ manifest: reader.manifest() ?? '', keyFiles: reader.keyFiles(), records: it(records), checkpoints: reader.lines('checkpoints.jsonl'), fileDigests: () => reader.digests() });
}

describe('airlock verify on an untouched export', () => {
  it('exits 0, prints the key fingerprints and the outcome-unknown finding', async () => {
    const r = await cli(['verify', base]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`key ${await w.signer.keyId()} (records, from the export)`);
    expect(r.out).toContain(`key ${await w.exportSigner.keyId()} (exports, from the export)`);
    expect(r.out).toMatch(/finding: outcome_unknown: session s1 seq 9: request s1-r4 has no outcome record/);
    expect(r.out).toMatch(/^OK: 25 record\(s\) in 3 session\(s\), 3 checkpoint\(s\)/m);
  });
});

describe('every kind of tampering is detected and named', () => {
  it('one changed byte anywhere in a record fails at that record, before any file digest', async () => {
    // Session s1 alone keeps this fast; the failure asserted is the record's, which comes first.
    const ls = lines(base).filter((l) => l.includes('"sessionId":"s1"'));
    const i = indexOf(ls, 's1', 3);
    const line = ls[i] as string;
    // The untouched export's other inputs are read from disk once, not once per byte: the same manifest,
    // key files, checkpoints and file digests that verifyInProcess(base, …) reads (base never changes).
    const reader = new ExportReader(base);
    const manifest = reader.manifest() ?? '';
    const keyFiles = reader.keyFiles();
    const checkpoints: string[] = [];
    for await (const l of reader.lines('checkpoints.jsonl')) checkpoints.push(l);
    const digests = await reader.digests();
    async function* each(ls: string[]) {
      yield* ls;
    }
    // Untouched, session s1 verifies with these inputs: only the sessions left out are missing.
    const untouched = await verifyExport({ manifest, keyFiles: new Map(keyFiles), records: each(ls), checkpoints: each(checkpoints), fileDigests: async () => structuredClone(digests) });
    expect(untouched.failures.map((f) => [f.sessionId, f.reason])).toEqual([
      ['s2', 'session_missing'],
      ['s3', 'session_missing'],
      [null, 'record_count'],
      ['s2', 'checkpoint_ahead'],
      ['s3', 'checkpoint_ahead'],
    ]);
    for (let pos = 0; pos < line.length; pos += 1) {
      const ch = line[pos] === 'x' ? 'y' : 'x';
      const tampered = [...ls];
      tampered[i] = line.slice(0, pos) + ch + line.slice(pos + 1);
      const v = await verifyExport({ manifest, keyFiles: new Map(keyFiles), records: each(tampered), checkpoints: each(checkpoints), fileDigests: async () => structuredClone(digests) });
      expect(v.ok, `byte ${pos} (${line.slice(Math.max(0, pos - 10), pos + 10)})`).toBe(false);
      expect(v.failure?.reason, `byte ${pos}`).not.toBe('file_digest');
      expect(v.failures[0]?.seq === 3 || v.failures[0]?.seq === null || v.failures[0]?.seq === 4, `byte ${pos}: ${JSON.stringify(v.failure)}`).toBe(true);
    }
  });

  it.each([
    ['body', 'hash_mismatch', (r: SessionRecord) => ((r.body as { prompt: string }).prompt = 'an innocent question')],
    ['actor', 'hash_mismatch', (r: SessionRecord) => (r.actor.email = 'someone-else@example.com')],
    ['at', 'hash_mismatch', (r: SessionRecord) => (r.at = '2026-03-01T12:00:04.001Z')],
    ['type', 'hash_mismatch', (r: SessionRecord) => (r.type = 'query.denied')],
    ['requestId', 'hash_mismatch', (r: SessionRecord) => (r.requestId = 'other')],
    ['prevHash', 'hash_mismatch', (r: SessionRecord) => (r.prevHash = 'f'.repeat(64))],
    ['hash', 'hash_mismatch', (r: SessionRecord) => (r.hash = 'e'.repeat(64))],
    ['sig.value', 'signature_invalid', (r: SessionRecord) => (r.sig.value = Buffer.from(r.sig.value, 'base64').reverse().toString('base64'))],
    ['sig.keyId', 'unknown_key', (r: SessionRecord) => (r.sig.keyId = 'a'.repeat(64))],
  ])('a changed %s: exit 1 naming session s1 seq 3 and %s', async (_field, reason, change) => {
    const dir = copy();
    const ls = lines(dir);
    const i = indexOf(ls, 's1', 3);
    const r = JSON.parse(ls[i] as string) as SessionRecord;
    change(r);
    const { canonicalJson } = await import('#shared/records/canonical.js');
    ls[i] = canonicalJson(r);
    writeLines(dir, ls);
    const out = await cli(['verify', dir]);
    expect(out.code).toBe(1);
    expect(out.out).toContain(`FAILED: session s1 seq 3: ${reason}`);
  });

  it('a record deleted from the middle: seq_gap at the next record', async () => {
    const dir = copy();
    const ls = lines(dir);
    ls.splice(indexOf(ls, 's2', 4), 1);
    writeLines(dir, ls);
    const out = await cli(['verify', dir]);
    expect(out.code).toBe(1);
    expect(out.out).toContain('FAILED: session s2 seq 5: seq_gap: expected seq 4, found 5');
  });

  it('the last record of a session deleted: caught by the manifest (and the checkpoint)', async () => {
    const dir = copy();
    const ls = lines(dir);
    ls.splice(indexOf(ls, 's1', 9), 1);
    writeLines(dir, ls);
    const out = await cli(['verify', dir]);
    expect(out.code).toBe(1);
    expect(out.out).toMatch(/FAILED: session s1 seq 9: head_mismatch: manifest says seq 1\.\.9 .* records\.jsonl has seq 1\.\.8/);
    const v = await verifyInProcess(dir, lines(dir));
    expect(v.failures.map((f) => f.reason)).toEqual(expect.arrayContaining(['head_mismatch', 'record_count', 'checkpoint_ahead', 'file_digest']));
  });

  it('records cut from the end in the store before an export: the earlier checkpoint catches it', async () => {
    const cut = { ...w, records: new MemoryRecordStore(), checkpoints: new MemoryCheckpointStore() };
    for (const line of await w.records.list('s2')) {
      const r = JSON.parse(line) as SessionRecord;
      if (r.seq <= 6) await cut.records.append(r, line);
    }
    for (const c of await w.checkpoints.list('s2')) await cut.checkpoints.append(JSON.parse(c), c);
    const dir = join(t.dir, 'cut');
    await exportTo(cut, dir);
    const out = await cli(['verify', dir]);
    expect(out.code).toBe(1);
    expect(out.out).toMatch(/FAILED: session s2 seq 7: checkpoint_ahead: checkpoint of .* signs seq 8 .* the records end at seq 6/);
  });

  it('reordered records: the first out-of-place record is named', async () => {
    const dir = copy();
    const ls = lines(dir);
    const a = indexOf(ls, 's3', 2);
    [ls[a], ls[a + 1]] = [ls[a + 1] as string, ls[a] as string];
    writeLines(dir, ls);
    const out = await cli(['verify', dir]);
    expect(out.code).toBe(1);
    expect(out.out).toContain('FAILED: session s3 seq 3: seq_gap: expected seq 2, found 3');
  });

  it('a record moved to another session, as is or relabelled', async () => {
    const dir = copy();
    const ls = lines(dir);
    const [moved] = ls.splice(indexOf(ls, 's1', 5), 1);
    ls.splice(indexOf(ls, 's2', 8) + 1, 0, moved as string);
    writeLines(dir, ls);
    const asIs = await cli(['verify', dir]);
    expect(asIs.code).toBe(1);
    expect(asIs.out).toContain('FAILED: session s1 seq 6: seq_gap');

    const dir2 = copy();
    const ls2 = lines(dir2);
    const i = indexOf(ls2, 's1', 5);
    ls2[i] = (ls2[i] as string).replace('"sessionId":"s1"', '"sessionId":"s2"');
    writeLines(dir2, ls2);
    const relabelled = await cli(['verify', dir2]);
    expect(relabelled.code).toBe(1);
    expect(relabelled.out).toContain('FAILED: session s2 seq 5: hash_mismatch');
  });

  it('a record changed and re-signed with another key fails (unknown key)', async () => {
    const attacker = await LocalKeySigner.open(join(t.dir, 'attacker', 'a.pem'));
    const dir = copy();
    const ls = lines(dir);
    const i = indexOf(ls, 's3', 2);
    const r = JSON.parse(ls[i] as string) as SessionRecord;
    r.body = { ...r.body, rows: [] };
    ls[i] = (await sealRecord(r, attacker)).canonical;
    writeLines(dir, ls);
    const out = await cli(['verify', dir]);
    expect(out.code).toBe(1);
    expect(out.out).toContain('FAILED: session s3 seq 2: unknown_key: signed by unknown key');
  });

  it('a wholesale rewrite re-signed with new keys passes on its own keys but fails with --trusted-keys', async () => {
    const forger = await newWorld(join(t.dir, 'forger'));
    for (const sessionId of ['s1', 's2']) {
      let prev = '0'.repeat(64);
      for (const line of await w.records.list(sessionId)) {
        const r = JSON.parse(line) as SessionRecord;
        if (r.type === 'query.denied') r.body = { ...r.body, reasons: [] };
        const sealed = await sealRecord({ ...r, prevHash: prev }, forger.signer);
        await forger.records.append(sealed.record, sealed.canonical);
        prev = sealed.record.hash;
      }
    }
    const dir = join(t.dir, 'forged');
    await exportTo(forger, dir);
    expect((await cli(['verify', dir])).code).toBe(0);
    const trusted = join(t.dir, 'trusted.json');
    writeFileSync(trusted, JSON.stringify({ keys: [{ pem: await w.signer.publicKeyPem(), use: 'records' }, { pem: await w.exportSigner.publicKeyPem(), use: 'exports' }] }));
    const out = await cli(['verify', dir, '--trusted-keys', trusted]);
    expect(out.code).toBe(1);
    expect(out.out).toContain(`key ${await w.signer.keyId()} (records, from --trusted-keys)`);
    expect(out.out).toContain('FAILED: export: manifest_key_untrusted');
    const v = await verifyInProcess(dir, lines(dir));
    expect(v.ok).toBe(true);
    // And the genuine export verifies against the same trusted keys (PEM file form).
    const pems = join(t.dir, 'trusted.pem');
    writeFileSync(pems, (await w.signer.publicKeyPem()) + (await w.exportSigner.publicKeyPem()));
    expect((await cli(['verify', base, '--trusted-keys', pems])).code).toBe(0);
  });

  it.each([
    ['a head hash', (m: any) => (m.sessions[0].headHash = 'a'.repeat(64))],
    ['the record count', (m: any) => (m.records += 1)],
    ['the export time', (m: any) => (m.exportedAt = '2030-01-01T00:00:00.000Z')],
    ['a file digest', (m: any) => (m.files['requests.csv'].sha256 = 'b'.repeat(64))],
    ['a dropped session', (m: any) => m.sessions.pop()],
  ])('a changed manifest (%s): manifest_signature', async (_what, change) => {
    const dir = copy();
    const m = JSON.parse(read(dir, 'manifest.json'));
    change(m);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
    const out = await cli(['verify', dir]);
    expect(out.code).toBe(1);
    expect(out.out).toContain('FAILED: export: manifest_signature');
  });

  it('a manifest with an extra field, a missing manifest, a swapped key file, a changed CSV or checkpoint all fail', async () => {
    const extra = copy();
    const m = JSON.parse(read(extra, 'manifest.json'));
    m.note = 'trust me';
    writeFileSync(join(extra, 'manifest.json'), JSON.stringify(m));
    expect((await cli(['verify', extra])).out).toContain('FAILED: export: manifest_invalid');

    const missing = copy();
    rmSync(join(missing, 'manifest.json'));
    expect(await cli(['verify', missing])).toMatchObject({ code: 1 });

    const keyFile = copy();
    writeFileSync(join(keyFile, 'keys', `${await w.signer.keyId()}.pem`), await w.exportSigner.publicKeyPem());
    expect((await cli(['verify', keyFile])).out).toContain('FAILED: export: key_invalid');

    const csv = copy();
    writeFileSync(join(csv, 'requests.csv'), read(csv, 'requests.csv').replace('denied', 'executed'));
    expect((await cli(['verify', csv])).out).toContain('FAILED: export: file_digest: requests.csv');

    const cp = copy();
    writeFileSync(join(cp, 'checkpoints.jsonl'), read(cp, 'checkpoints.jsonl').replace('"seq":9', '"seq":8'));
    expect((await cli(['verify', cp])).out).toContain('FAILED: session s1 seq 8: checkpoint_invalid');
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['verify'])).code).toBe(2);
    expect((await cli(['verify', join(t.dir, 'nope')])).code).toBe(2);
    expect((await cli(['verify', base, '--bogus'])).code).toBe(2);
    expect((await cli(['verify', base, '--trusted-keys', join(t.dir, 'nope.pem')])).code).toBe(2);
  });
});
