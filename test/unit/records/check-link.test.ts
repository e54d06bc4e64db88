import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerSignatureChecker } from '#shared/export/signature-workers.js';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import type { Signer } from '#shared/ports/signer.js';
import { canonicalJson } from '#shared/records/canonical.js';
import { ChainVerifier } from '#shared/records/chain-verifier.js';
import { checkLink, type ChainFailureReason } from '#shared/records/check-link.js';
import { keyRing } from '#shared/records/key-id.js';
import { sealRecord } from '#shared/records/seal-record.js';
import { GENESIS_HASH, type SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { buildChain, newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';

// Every record failure reason, each run through the one implementation (checkLink inside
// ChainVerifier) as the batch verifier, the streaming verifier and the streaming verifier with
// worker-thread signature checks: the same reason, seq, index and message from all three.

const t = tempDir('airlock-check-link-');
let signer: LocalKeySigner;
let attacker: LocalKeySigner;
let lines: string[];
let keys: ReturnType<typeof keyRing>;

beforeAll(async () => {
  signer = await newSigner(t.dir, 'records.pem');
  attacker = await newSigner(t.dir, 'attacker.pem');
  keys = keyRing([signer.publicKey()]);
  lines = (await buildChain({ signer, n: 6 })).lines;
});
afterAll(() => t.cleanup());

const at = (i: number): string => lines[i] ?? '';
const parse = (line: string): SessionRecord => JSON.parse(line) as SessionRecord;
async function rewrite(line: string, change: (r: SessionRecord) => void, by: Signer): Promise<string> {
  const r = parse(line);
  change(r);
  return (await sealRecord(r, by)).canonical;
}

async function streamed(ls: string[], workers: boolean) {
  const v = new ChainVerifier(keys, workers ? { signatures: new WorkerSignatureChecker(keys, { threads: 2 }) } : {});
  for (const l of ls) {
    v.push(l);
    await v.ready();
  }
  return v.finish();
}

/** The input, and the failure every verifier must report at `index` (for all but seq_out_of_order, the first). */
const CASES: Array<[ChainFailureReason, () => Promise<string[]>, { index: number; seq: number | null; message: RegExp }]> = [
  ['malformed', async () => [at(0), '{"sessionId":', at(2)], { index: 1, seq: null, message: /^not JSON/ }],
  ['not_canonical', async () => [at(0), at(1).replace('{', '{ ')], { index: 1, seq: 2, message: /canonical/ }],
  ['hash_mismatch', async () => [at(0), at(1), at(2).replace('record 3', 'record X')], { index: 2, seq: 3, message: /^hash is [0-9a-f]{64}, content hashes to [0-9a-f]{64}$/ }],
  ['seq_gap', async () => [at(0), at(1), at(3)], { index: 2, seq: 4, message: /^expected seq 3, found 4: seq 3 is missing here$/ }],
  ['seq_duplicate', async () => [at(0), at(1), at(1), at(2)], { index: 2, seq: 2, message: /^seq 2 appears again$/ }],
  ['seq_out_of_order', async () => [at(0), at(1), at(3), at(2)], { index: 3, seq: 3, message: /^expected seq 5, found 3: out of order$/ }],
  ['prev_hash_mismatch', async () => [at(0), at(1), at(2), await rewrite(at(3), (r) => (r.prevHash = 'a'.repeat(64)), signer)], { index: 3, seq: 4, message: /^prevHash a{64} is not the hash of seq 3 \([0-9a-f]{64}\)$/ }],
  ['unknown_key', async () => [at(0), await rewrite(at(1), (r) => (r.body = { rows: [] }), attacker)], { index: 1, seq: 2, message: /^signed by unknown key [0-9a-f]{64}$/ }],
  [
    'signature_invalid',
    async () => {
      const r = parse(at(1));
      r.sig = { ...r.sig, value: parse(at(2)).sig.value };
      return [at(0), canonicalJson(r), at(2)];
    },
    { index: 1, seq: 2, message: /^signature does not verify with key [0-9a-f]{64}$/ },
  ],
];

describe('every chain failure reason, from the one implementation', () => {
  it('covers every ChainFailureReason', () => {
    const all: Record<ChainFailureReason, true> = {
      malformed: true, not_canonical: true, hash_mismatch: true, seq_gap: true, seq_duplicate: true,
      seq_out_of_order: true, prev_hash_mismatch: true, unknown_key: true, signature_invalid: true,
      uncertified_key: true, key_outside_window: true, key_wrong_function: true, certificate_invalid: true,
    };
    // The four certificate reasons need a certificate chain: test/unit/records/key-certificates.test.ts runs each the same three ways.
    const withCertificates = ['uncertified_key', 'key_outside_window', 'key_wrong_function', 'certificate_invalid'];
    expect(CASES.map(([r]) => r).sort()).toEqual(Object.keys(all).filter((r) => !withCertificates.includes(r)).sort());
  });

  it.each(CASES)('%s: batch, streaming and worker-thread verification agree', async (reason, input, want) => {
    const ls = await input();
    const batch = verifyChain(ls, keys);
    expect(batch.ok).toBe(false);
    const found = batch.failures.find((f) => f.index === want.index);
    expect(found).toMatchObject({ reason, seq: want.seq, sessionId: want.seq === null ? null : 's1' });
    expect(found?.message).toMatch(want.message);
    if (reason !== 'seq_out_of_order') expect(batch.failure).toEqual(found);
    for (const workers of [false, true]) {
      const s = await streamed(ls, workers);
      expect(s.ok).toBe(false);
      expect(s.failures.find((f) => f.index === want.index)).toEqual(found);
      if (reason !== 'seq_out_of_order') expect(s.failures).toEqual(batch.failures);
    }
  });
});

describe('the seq reasons, where the batch lookahead adds precision', () => {
  it('a record moved back: the batch knows it is elsewhere (out of order), the stream sees a gap first', async () => {
    const ls = [at(0), at(1), at(3), at(2), at(4), at(5)];
    expect(verifyChain(ls, keys).failure).toMatchObject({ seq: 4, reason: 'seq_out_of_order', message: 'expected seq 3, found 4: out of order' });
    expect((await streamed(ls, false)).failure).toMatchObject({ seq: 4, reason: 'seq_gap', message: 'expected seq 3, found 4: seq 3 is missing here' });
  });

  it('a seq repeated after others: the batch remembers it (duplicate), the stream knows only its head (out of order)', async () => {
    const ls = [at(0), at(1), at(2), at(1)];
    expect(verifyChain(ls, keys).failure).toMatchObject({ index: 3, seq: 2, reason: 'seq_duplicate', message: 'seq 2 appears again' });
    expect((await streamed(ls, false)).failure).toMatchObject({ index: 3, seq: 2, reason: 'seq_out_of_order', message: 'expected seq 4, found 2: out of order' });
  });
});

describe('checkLink', () => {
  const link = { seq: 1, prevHash: GENESIS_HASH, hash: 'b'.repeat(64), contentHash: 'b'.repeat(64), keyId: 'k' };
  const known = (id: string): boolean => id === 'k';
  const genesis = { seq: 0, hash: GENESIS_HASH };

  it('accepts seq 1 on the genesis hash, then each next seq on the previous hash', () => {
    expect(checkLink(genesis, link, known)).toBeNull();
    expect(checkLink({ seq: 1, hash: 'b'.repeat(64) }, { ...link, seq: 2, prevHash: 'b'.repeat(64) }, known)).toBeNull();
  });

  it('checks in order: hash, then seq, then link, then key', () => {
    const everythingWrong = { seq: 3, prevHash: 'c'.repeat(64), hash: 'b'.repeat(64), contentHash: 'd'.repeat(64), keyId: 'x' };
    expect(checkLink(genesis, everythingWrong, known)?.reason).toBe('hash_mismatch');
    expect(checkLink(genesis, { ...everythingWrong, contentHash: 'b'.repeat(64) }, known)?.reason).toBe('seq_gap');
    expect(checkLink(genesis, { ...everythingWrong, contentHash: 'b'.repeat(64), seq: 1 }, known)).toMatchObject({ reason: 'prev_hash_mismatch', message: `prevHash ${'c'.repeat(64)} is not the genesis hash (64 zeros)` });
    expect(checkLink(genesis, { ...link, keyId: 'x' }, known)?.reason).toBe('unknown_key');
  });

  it('a session that does not start at seq 1 is a gap, and seq 0 or below is out of order', () => {
    expect(checkLink(genesis, { ...link, seq: 2 }, known)?.reason).toBe('seq_gap');
    expect(checkLink(genesis, { ...link, seq: -1 }, known)?.reason).toBe('seq_out_of_order');
    expect(checkLink(genesis, { ...link, seq: 0 }, known)?.reason).toBe('seq_duplicate');
  });
});
