import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertifiedSigner } from '#shared/adapters/certified-signer.js';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { WorkerSignatureChecker } from '#shared/export/signature-workers.js';
import type { Signer } from '#shared/ports/signer.js';
import { ChainVerifier, signingKeys } from '#shared/records/chain-verifier.js';
import type { ChainFailureReason } from '#shared/records/check-link.js';
import { keyIdOf, keyRing } from '#shared/records/key-id.js';
import { sealRecord } from '#shared/records/seal-record.js';
import { KEY_CHAIN_SESSION, type SessionRecord } from '#shared/records/types.js';
import { CertificateVerifier } from '#shared/records/verify-certificates.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { buildChain, draft, frozenClock, newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';

// Records signed by in-memory keys that the root key certified (docs/record-format.md 6a): one root
// signature per key, and each forgery an attacker holding such a key (or none) could try refused with
// its own reason, the same from the batch verifier, the stream and the stream with worker threads.

const t = tempDir('airlock-certs-');
let root: LocalKeySigner;
let rootCalls = 0;
let countedRoot: Signer;
const clock = frozenClock('2026-03-01T12:00:00.000Z');
const store = new MemoryRecordStore();
let certified: CertifiedSigner;
let lines: string[];

beforeAll(async () => {
  root = await newSigner(t.dir, 'records.pem');
  countedRoot = { keyId: () => root.keyId(), publicKeyPem: () => root.publicKeyPem(), sign: (m) => ((rootCalls += 1), root.sign(m)) };
  certified = new CertifiedSigner({ root: countedRoot, records: store, clock, functionName: 'local' });
  lines = (await buildChain({ signer: certified, records: store, clock, n: 6 })).lines;
});
afterAll(() => t.cleanup());

const roots = () => keyRing([root.publicKey()]);
const certs = () => store.list(KEY_CHAIN_SESSION);
const parse = (line: string): SessionRecord => JSON.parse(line) as SessionRecord;
async function reseal(line: string, change: (r: SessionRecord) => void, by: Signer): Promise<string> {
  const r = parse(line);
  change(r);
  return (await sealRecord(r, by)).canonical;
}

/** A signer over a bare private key: what an attacker holding some key of their own has. */
function bareSigner(): Signer & { keyIdSync: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyId = keyIdOf(publicKey);
  return {
    keyIdSync: keyId,
    keyId: async () => keyId,
    publicKeyPem: async () => publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: async (m) => ({ keyId, alg: 'ECDSA_SHA_256', value: cryptoSign('sha256', m, { key: privateKey, dsaEncoding: 'der' }).toString('base64') }),
  };
}

async function streamed(ls: string[], certLines: string[], workers: boolean) {
  const c = new CertificateVerifier(roots());
  for (const l of certLines) c.push(l);
  const cv = c.finish();
  const v = new ChainVerifier(roots(), {
    certificates: cv.certified,
    ...(workers ? { signatures: new WorkerSignatureChecker(signingKeys(roots(), cv.certified), { threads: 2 }) } : {}),
  });
  for (const l of ls) {
    v.push(l);
    await v.ready();
  }
  return v.finish();
}

describe('certified signing', () => {
  it('signs every record with a certified in-memory key: one root signature (one certificate) for many records, and it verifies', async () => {
    const before = rootCalls;
    for (let i = 0; i < 50; i += 1) await appendRecord({ records: store, signer: certified, clock }, draft('many', `r${i}`, 'query.requested', { i }));
    expect(rootCalls).toBe(before); // no root call per record
    const ls = await store.list('many');
    const c = await certs();
    expect(c).toHaveLength(1);
    const cert = parse(c[0] ?? '');
    expect(cert.sig.keyId).toBe(await root.keyId());
    expect(cert.body).toMatchObject({ keyId: certified.currentKeyId(), certifiedBy: await root.keyId(), function: 'local', notBefore: '2026-03-01T12:00:00.000Z', notAfter: '2026-03-01T13:00:00.000Z' });
    for (const l of ls) expect(parse(l).sig.keyId).toBe(certified.currentKeyId());
    const v = verifyChain([...lines, ...ls], roots(), { certificates: c });
    expect(v.failures).toEqual([]);
    expect(v.ok).toBe(true);
    // The private key is never written: the store holds only its public SPKI.
    expect([...c, ...ls].join('\n')).not.toMatch(/PRIVATE KEY/);
  });

  it('without the certificates, the same records are signed by unknown keys', async () => {
    expect(verifyChain(lines, roots()).failure).toMatchObject({ seq: 1, reason: 'unknown_key' });
  });

  it('rotates before the window ends: records on both sides of the rotation verify, each inside its own key window', async () => {
    const s = new MemoryRecordStore();
    const c = frozenClock('2026-03-01T12:00:00.000Z');
    const signer = new CertifiedSigner({ root, records: s, clock: c, functionName: 'local' });
    const ids = new Set<string>();
    for (let i = 0; i < 8; i += 1) {
      await appendRecord({ records: s, signer, clock: c }, draft('rot', `r${i}`, 'query.requested', { i }));
      ids.add(signer.currentKeyId() ?? '');
      c.advance(20 * 60_000); // 20 minutes
    }
    await new Promise((r) => setTimeout(r, 10)); // a background renewal in flight lands
    const certLines = await s.list(KEY_CHAIN_SESSION);
    expect(ids.size).toBeGreaterThanOrEqual(3);
    expect(certLines.length).toBeGreaterThanOrEqual(ids.size);
    for (const l of certLines) {
      const b = parse(l).body as { notBefore: string; notAfter: string };
      expect(Date.parse(b.notAfter) - Date.parse(b.notBefore)).toBeLessThanOrEqual(3_600_000);
    }
    const v = verifyChain(await s.list('rot'), roots(), { certificates: certLines });
    expect(v.failures).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it('fails closed when the root cannot certify: nothing is written', async () => {
    const s = new MemoryRecordStore();
    const broken: Signer = { keyId: () => root.keyId(), publicKeyPem: () => root.publicKeyPem(), sign: async () => Promise.reject(new Error('KMS down')) };
    const signer = new CertifiedSigner({ root: broken, records: s, clock, functionName: 'local' });
    await expect(appendRecord({ records: s, signer, clock }, draft('x', 'r1'))).rejects.toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE' });
    expect(await s.list('x')).toEqual([]);
  });
});

/** Each forgery: records (whole session s1 with one record replaced) and certificates, and the failure at `index`. */
type Case = [ChainFailureReason, () => Promise<{ ls: string[]; certLines: string[] }>, { index: number; message: RegExp }];

const CASES: Case[] = [
  [
    'uncertified_key',
    // An attacker with a key of their own and no certificate rewrites a result.
    async () => ({ ls: [lines[0] ?? '', await reseal(lines[1] ?? '', (r) => (r.body = { rows: [] }), bareSigner()), ...lines.slice(2)], certLines: await certs() }),
    { index: 1, message: /^signed by key [0-9a-f]{64}, which is not a trusted key, and no certificate for it is signed by a trusted key$/ },
  ],
  [
    'key_outside_window',
    // An attacker inside the container signs with its certified key, stamping a time after the window.
    async () => {
      const last = lines.length - 1;
      const forged = await reseal(lines[last] ?? '', (r) => (r.at = '2026-03-01T14:00:00.000Z'), certified);
      return { ls: [...lines.slice(0, last), forged], certLines: await certs() };
    },
    { index: 5, message: /^at 2026-03-01T14:00:00\.000Z lies outside the window 2026-03-01T12:00:00\.000Z\.\.2026-03-01T13:00:00\.000Z of key [0-9a-f]{64} \(certificate seq 1\)$/ },
  ],
  [
    'key_wrong_function',
    // A key certified for the approvals function signs a query.requested record.
    async () => {
      const approvals = new CertifiedSigner({ root, records: store, clock, functionName: 'approvals' });
      await approvals.ready();
      const forged = await reseal(lines[2] ?? '', (r) => (r.body = { sql: 'select 1' }), approvals);
      return { ls: [...lines.slice(0, 2), forged, ...lines.slice(3)], certLines: await certs() };
    },
    { index: 2, message: /^key [0-9a-f]{64} is certified for function "approvals", which does not sign query\.requested records$/ },
  ],
  [
    'uncertified_key',
    // A certificate the root did sign, but for a two-hour window: it certifies nothing.
    async () => {
      const s = new MemoryRecordStore();
      const k = bareSigner();
      await appendRecord({ records: s, signer: root, clock }, {
        sessionId: KEY_CHAIN_SESSION, requestId: 'k', actor: { kind: 'system' }, type: 'key.certified',
        body: { keyId: k.keyIdSync, spki: Buffer.from(await k.publicKeyPem().then((p) => p.split('\n').filter((l) => !l.startsWith('-----')).join('')), 'base64').toString('base64'), certifiedBy: await root.keyId(), notBefore: '2026-03-01T12:00:00.000Z', notAfter: '2026-03-01T14:00:00.000Z', function: 'local' },
      });
      const forged = await reseal(lines[1] ?? '', (r) => (r.body = { rows: [] }), k);
      return { ls: [lines[0] ?? '', forged, ...lines.slice(2)], certLines: await s.list(KEY_CHAIN_SESSION) };
    },
    { index: 1, message: /^signed by key [0-9a-f]{64}, which is not a trusted key, and its certificate does not verify \(see the certificates\)$/ },
  ],
];

describe('every certificate forgery, refused with its own reason', () => {
  it.each(CASES)('%s: batch, streaming and worker-thread verification agree', async (reason, input, want) => {
    const { ls, certLines } = await input();
    const batch = verifyChain(ls, roots(), { certificates: certLines });
    expect(batch.ok).toBe(false);
    const found = batch.failures.find((f) => f.index === want.index);
    expect(found).toMatchObject({ index: want.index, reason, sessionId: 's1' });
    expect(found?.message).toMatch(want.message);
    for (const workers of [false, true]) {
      const s = await streamed(ls, certLines, workers);
      expect(s.ok).toBe(false);
      expect(s.failures).toEqual(batch.failures);
    }
  });

  it('certificate_invalid: a window over an hour, a certificate signed by an untrusted or a certified key, or one in another chain', async () => {
    const k = bareSigner();
    const spki = (await k.publicKeyPem()).split('\n').filter((l) => l !== '' && !l.startsWith('-----')).join('');
    const body = (over: Record<string, unknown> = {}) => ({ keyId: k.keyIdSync, spki, certifiedBy: '', notBefore: '2026-03-01T12:00:00.000Z', notAfter: '2026-03-01T13:00:00.000Z', function: 'local', ...over });
    const attackerRoot = bareSigner();
    const tries: Array<[string, Signer, Record<string, unknown>, RegExp]> = [
      ['two hours', root, { notAfter: '2026-03-01T14:00:00.000Z' }, /longer than one hour/],
      ['empty window', root, { notAfter: '2026-03-01T12:00:00.000Z' }, /is empty/],
      ['untrusted root', attackerRoot, {}, /^unknown_key: signed by unknown key/],
      ['certified key certifies', certified, {}, /^unknown_key: signed by unknown key/],
      ['spki of another key', root, { spki: Buffer.from(bareSigner().keyIdSync, 'hex').toString('base64') }, /spki is not base64 SPKI DER/],
      ['keyId not the spki', root, { keyId: 'a'.repeat(64) }, /spki's id is [0-9a-f]{64}, not a{64}/],
      ['extra member', root, { role: 'admin' }, /body members are/],
    ];
    for (const [name, by, over, message] of tries) {
      const s = new MemoryRecordStore();
      const b = body({ certifiedBy: await by.keyId(), ...over });
      await appendRecord({ records: s, signer: by, clock }, { sessionId: KEY_CHAIN_SESSION, requestId: 'k', actor: { kind: 'system' }, type: 'key.certified', body: b as never });
      const c = new CertificateVerifier(roots());
      for (const l of await s.list(KEY_CHAIN_SESSION)) c.push(l);
      const out = c.finish();
      expect(out.ok, name).toBe(false);
      expect(out.certified.certified.size, name).toBe(0);
      const f = out.failures[0];
      expect(`${f?.reason === 'certificate_invalid' ? '' : `${f?.reason}: `}${f?.message}`, name).toMatch(message);
    }
    // A certificate outside the system/keys chain certifies nothing either.
    const s = new MemoryRecordStore();
    await appendRecord({ records: s, signer: root, clock }, { sessionId: 'elsewhere', requestId: 'k', actor: { kind: 'system' }, type: 'key.certified', body: body({ certifiedBy: await root.keyId() }) as never });
    const c = new CertificateVerifier(roots());
    for (const l of await s.list('elsewhere')) c.push(l);
    expect(c.finish().failures[0]).toMatchObject({ reason: 'certificate_invalid', message: /belongs in session system\/keys/ });
  });

  it('records signed by the root key itself (an old export) still verify, with or without certificates', async () => {
    const old = (await buildChain({ signer: root, n: 4 })).lines;
    expect(verifyChain(old, roots()).ok).toBe(true);
    expect(verifyChain(old, roots(), { certificates: await certs() }).ok).toBe(true);
  });
});
