import { createHash, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertifiedSigner } from '#shared/adapters/certified-signer.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { ChainVerifier } from '#shared/records/chain-verifier.js';
import { keyRing } from '#shared/records/key-id.js';
import { sealRecord } from '#shared/records/seal-record.js';
import { GENESIS_HASH, KEY_CHAIN_SESSION, type SessionRecord } from '#shared/records/types.js';
import { CertificateVerifier } from '#shared/records/verify-certificates.js';
import type { BenchSection, BenchSectionRunner } from '../types.js';

const SIGNS = 20_000;
const RECORDS = 20_000;
/** KMS's ECC_NIST_P256 `Sign` quota: requests per second per account and region, shared with everything there. */
const KMS_ECC_SIGN_QUOTA = 300;

function rate(n: number, ms: number): number {
  return (n / ms) * 1000;
}

/**
 * Records signed per second by one process with a certified in-memory key, beside the same signature
 * through the root signer's path (what every record cost before: one root `Sign` each, which in AWS is
 * a KMS call capped by the account quota); verify throughput of records signed under certificates
 * beside the SHA-256 + ECDSA-verify floor; and the projected ceiling with its reasoning.
 */
export const run: BenchSectionRunner = async (): Promise<BenchSection> => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-signing-'));
  try {
    const root = await LocalKeySigner.open(join(dir, 'keys', 'records.pem'));
    const store = new MemoryRecordStore();
    // A clock that moves 1 ms per read, so a long run crosses key rotations as a long-lived process would.
    let now = Date.parse('2026-03-01T12:00:00.000Z');
    const clock = { now: () => new Date((now += 1)) };
    let rootCalls = 0;
    const countedRoot = { keyId: () => root.keyId(), publicKeyPem: () => root.publicKeyPem(), sign: (m: Uint8Array) => ((rootCalls += 1), root.sign(m)) };
    const signer = new CertifiedSigner({ root: countedRoot, records: store, clock, functionName: 'local', lifetimeMs: 10_000, renewBeforeMs: 2_000 });
    await signer.ready();

    const msg = createHash('sha256').update('bench').digest();
    // Warm-up, then timed runs: the raw signature per record, then the whole seal (canonical JSON, SHA-256, signature).
    for (let i = 0; i < 1000; i += 1) await signer.sign(msg);
    let t = performance.now();
    for (let i = 0; i < SIGNS; i += 1) await signer.sign(msg);
    const certifiedRate = rate(SIGNS, performance.now() - t);
    t = performance.now();
    for (let i = 0; i < SIGNS / 4; i += 1) await root.sign(msg);
    const rootRate = rate(SIGNS / 4, performance.now() - t);

    // Records as a session chain, signed under certified keys (rotating every ~10,000 clock reads).
    const lines: string[] = [];
    let prev = GENESIS_HASH;
    const body = { sqlHash: 'a'.repeat(64), warehouse: 'duckdb', queryId: 'q', queryTag: '{}', durationMs: 3, columns: [{ name: 'id', type: 'INTEGER' }], rows: [{ id: 1 }], rowCount: 1, truncated: false, masked: [] };
    const rootCallsBefore = rootCalls;
    t = performance.now();
    for (let seq = 1; seq <= RECORDS; seq += 1) {
      await signer.ready();
      const sealed = await sealRecord({ sessionId: 'bench', seq, requestId: `r${seq}`, type: 'query.executed', at: clock.now().toISOString(), actor: { kind: 'system' }, body, prevHash: prev }, signer);
      lines.push(sealed.canonical);
      prev = sealed.record.hash;
    }
    const sealRate = rate(RECORDS, performance.now() - t);
    await signer.ready();
    const certificates = await store.list(KEY_CHAIN_SESSION);
    const rootCallsForRecords = rootCalls - rootCallsBefore;

    // Verify with certificates (one thread, inline signature checks) …
    const roots = keyRing([root.publicKey()]);
    t = performance.now();
    const cv = new CertificateVerifier(roots);
    for (const l of certificates) cv.push(l);
    const certified = cv.finish();
    const chain = new ChainVerifier(roots, { certificates: certified.certified });
    for (const l of lines) chain.push(l);
    const v = chain.finishSync();
    const verifyMs = performance.now() - t;
    if (!v.ok || !certified.ok) throw new Error(`bench records did not verify: ${v.failure?.message ?? certified.failures[0]?.message}`);

    // … beside the floor: SHA-256 of each record's unsigned bytes and one ECDSA verify, nothing else.
    const parsed = lines.map((l) => JSON.parse(l) as SessionRecord);
    const unsigned = parsed.map((r) => JSON.stringify({ actor: r.actor, at: r.at, body: r.body, prevHash: r.prevHash, requestId: r.requestId, seq: r.seq, sessionId: r.sessionId, type: r.type }));
    const keyOf = new Map([...certified.certified.certified].map(([id, c]) => [id, c.key]));
    t = performance.now();
    let okCount = 0;
    for (let i = 0; i < parsed.length; i += 1) {
      const r = parsed[i] as SessionRecord;
      const h = createHash('sha256').update(unsigned[i] as string).digest();
      if (verify('sha256', h, { key: keyOf.get(r.sig.keyId)!, dsaEncoding: 'der' }, Buffer.from(r.sig.value, 'base64'))) okCount += 1;
    }
    const floorMs = performance.now() - t;
    void okCount;

    const perReadKms = 2; // before: query.requested + outcome, one KMS Sign each
    const kmsCeiling = KMS_ECC_SIGN_QUOTA / perReadKms;
    // After: DynamoDB bounds it. Per session, all records share one partition key: 1,000 WCU/s per partition,
    // and a read writes 2 records of ≥ 1 WCU each (more with larger results) → ≤ 500 reads/s per session.
    // Per table, on-demand starts at 40,000 WCU/s (adjustable): 2 records + the request item put and its
    // transition ≈ 4 writes of 1–2 WCU → ~5,000–10,000 reads/s per deployment before a quota raise. Lambda's
    // default 1,000 concurrent executions at ~50–100 ms per read allow 10,000–20,000 reads/s. KMS: one Sign
    // per container per hour (1,000 containers → 0.3 Sign/s), nowhere near its quota.
    return {
      title: 'Signing: certified in-memory keys vs a root signature per record; verify with certificates vs its floor',
      rows: [
        { metric: 'signatures/s, one process (certified key)', value: certifiedRate.toFixed(0), baseline: rootRate.toFixed(0), ratio: `${(certifiedRate / rootRate).toFixed(2)}x the root-key path`, note: `target ≥ 20,000/s; baseline = the root signer's own path (locally the file key; in AWS a KMS call, ≤ ${KMS_ECC_SIGN_QUOTA}/s per account)` },
        { metric: 'records sealed/s (canonical JSON + SHA-256 + signature)', value: sealRate.toFixed(0), baseline: `${kmsCeiling}`, ratio: `${(sealRate / kmsCeiling).toFixed(0)}x`, note: `baseline = reads/s ceiling under KMS signing (${KMS_ECC_SIGN_QUOTA} Sign/s ÷ ${perReadKms} per read)` },
        { metric: 'root signatures for those records', value: String(rootCallsForRecords), baseline: String(RECORDS), note: `${certificates.length} certificate(s) over the run (keys rotated every 10 s of clock here; 1 h in production)` },
        { metric: `verify ${RECORDS} records with certificates, records/s`, value: rate(RECORDS, verifyMs).toFixed(0), baseline: rate(RECORDS, floorMs).toFixed(0), ratio: `${(verifyMs / floorMs).toFixed(2)}x the floor's time`, note: 'one thread; floor = SHA-256 + ECDSA verify per record; target ≤ 1.5x' },
        { metric: 'projected deployment ceiling, reads/s', value: '~5,000–10,000', baseline: `${kmsCeiling}`, note: 'bounded by DynamoDB (40,000 WCU/s per table on demand, 1,000 WCU/s per session partition → ≤ 500 reads/s per session) and Lambda concurrency (1,000 × ~10–20 reads/s), no longer by KMS' },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
