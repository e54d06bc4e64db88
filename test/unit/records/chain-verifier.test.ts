import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerSignatureChecker } from '#shared/export/signature-workers.js';
import { ChainVerifier } from '#shared/records/chain-verifier.js';
import { keyRing } from '#shared/records/key-id.js';
import { sealRecord } from '#shared/records/seal-record.js';
import type { SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { conversation, newWorld, type World } from '#test/fixtures/export/export-fixtures.js';

const t = tempDir('airlock-chain-verifier-');
let w: World;
let lines: string[];
beforeAll(async () => {
  w = await newWorld(t.dir);
  await conversation(w, 'a', { unknownOutcome: true });
  await conversation(w, 'b');
  lines = [...(await w.records.list('a')), ...(await w.records.list('b'))];
});
afterAll(() => t.cleanup());

async function stream(ls: string[], workers = false) {
  const keys = keyRing([w.signer.publicKey()]);
  const v = new ChainVerifier(keys, workers ? { signatures: new WorkerSignatureChecker(keys, { threads: 2 }) } : {});
  for (const l of ls) {
    v.push(l);
    await v.ready();
  }
  return v.finish();
}

describe('ChainVerifier (streaming)', () => {
  it('agrees with verifyChain on an intact export: heads, counts and findings', async () => {
    const whole = verifyChain(lines, keyRing([w.signer.publicKey()]));
    for (const workers of [false, true]) {
      const s = await stream(lines, workers);
      expect(s.ok).toBe(true);
      expect(s.findings).toEqual(whole.findings);
      expect(s.sessions.map((x) => [x.sessionId, x.headSeq, x.headHash, x.records])).toEqual(whole.sessions.map((x) => [x.sessionId, x.headSeq, x.headHash, x.records]));
    }
  });

  it('reports a forged signature from the worker threads with its session and seq, in input order', async () => {
    const forged = [...lines];
    const r = JSON.parse(forged[4] as string) as SessionRecord;
    const other = await sealRecord(r, w.exportSigner);
    forged[4] = JSON.stringify({ ...r, sig: { ...other.record.sig, keyId: r.sig.keyId } });
    const { canonicalJson } = await import('#shared/records/canonical.js');
    forged[4] = canonicalJson(JSON.parse(forged[4]));
    forged[10] = (forged[10] as string).replace('"seq":2,', '"seq":20,');
    const s = await stream(forged, true);
    expect(s.ok).toBe(false);
    expect(s.failure).toMatchObject({ index: 4, sessionId: 'a', seq: 5, reason: 'signature_invalid' });
    expect(s.failures.map((f) => [f.index, f.reason])).toEqual([[4, 'signature_invalid'], [10, 'hash_mismatch'], [11, 'seq_out_of_order']]);
  });

  it('names a session that does not start at seq 1', async () => {
    const s = await stream(lines.slice(1));
    expect(s.failure).toMatchObject({ sessionId: 'a', seq: 2, reason: 'seq_gap' });
  });
});

describe('parseHashedRecord', () => {
  it('equals parseRecord + recordHash on real records and on every single-byte change of one', async () => {
    const { parseHashedRecord } = await import('#shared/records/parse-hashed-record.js');
    const { parseRecord } = await import('#shared/records/parse-record.js');
    const { recordHash } = await import('#shared/records/hash.js');
    const line = lines[2] as string;
    const variants = [...lines];
    for (let pos = 0; pos < line.length; pos += 1) variants.push(line.slice(0, pos) + (line[pos] === 'x' ? 'y' : 'x') + line.slice(pos + 1));
    variants.push(line.replace('{', '{ '), line.replace('"actor":{', '"actor":{"z":1,'));
    for (const v of variants) {
      const a = parseRecord(v);
      const b = parseHashedRecord(v);
      expect(b.ok).toBe(a.ok);
      if (a.ok && b.ok) expect(b.contentHash).toBe(recordHash(a.record));
      if (!a.ok && !b.ok) expect(b.reason).toBe(a.reason);
    }
  });
});

describe('parseHashedRecord edge cases (fast path vs full path)', () => {
  it.each([
    ['integer-like member names in JCS order', { '10': 1, '9': 2, b: 3 }],
    ['escapes and non-ASCII', { s: 'tab\t "q" \\ \u0001 é 😀' }],
    ['numbers', { n: [1e21, 1e-7, -0.5, 0] }],
  ])('agrees with parseRecord + recordHash: %s', async (_what, body) => {
    const { parseHashedRecord } = await import('#shared/records/parse-hashed-record.js');
    const { recordHash } = await import('#shared/records/hash.js');
    const sealed = await sealRecord({ ...(JSON.parse(lines[0] as string) as SessionRecord), body }, w.signer);
    const p = parseHashedRecord(sealed.canonical);
    expect(p.ok).toBe(true);
    if (p.ok) expect(p.contentHash).toBe(recordHash(sealed.record));
    const reordered = sealed.canonical.replace('"body":{', '"body":{"zz":0,').replace('"zz":0,', '');
    expect(parseHashedRecord(reordered).ok).toBe(true);
    const spaced = sealed.canonical.replace('"body":{', '"body": {');
    expect(parseHashedRecord(spaced)).toMatchObject({ ok: false, reason: 'not_canonical' });
    const unsorted = sealed.canonical.replace(/"hash":"([0-9a-f]{64})","prevHash"/, '"prevHash"').replace('"sig":', `"hash":"${sealed.record.hash}","sig":`);
    expect(parseHashedRecord(unsorted)).toMatchObject({ ok: false, reason: 'not_canonical' });
  });
});
