import { verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import type { Signer } from '#shared/ports/signer.js';
import { canonicalJson } from '#shared/records/canonical.js';
import { keyIdOf, keyRing } from '#shared/records/key-id.js';
import { sealRecord } from '#shared/records/seal-record.js';
import { GENESIS_HASH, type SessionRecord } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { verifyRecord } from '#shared/records/verify-record.js';
import { appendRecord } from '#shared/use-cases/append-record.js';
import { buildChain, draft, frozenClock, newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';

let signer: LocalKeySigner;
let attacker: LocalKeySigner;
let keys: Map<string, import('node:crypto').KeyObject>;
let lines: string[];
const t = tempDir();

beforeAll(async () => {
  signer = await newSigner(t.dir, 'records.pem');
  attacker = await newSigner(t.dir, 'attacker.pem');
  keys = keyRing([signer.publicKey()]);
  lines = (await buildChain({ signer, n: 6 })).lines;
});
afterAll(() => t.cleanup());

const at = (i: number): string => lines[i] ?? '';
const parse = (line: string): SessionRecord => JSON.parse(line) as SessionRecord;

/** Rewrites a record's content and re-hashes + re-signs it with `by`, as an attacker holding `by` would. */
async function rewrite(line: string, change: (r: SessionRecord) => void, by: Signer): Promise<string> {
  const r = parse(line);
  change(r);
  return (await sealRecord(r, by)).canonical;
}

describe('verifyRecord', () => {
  it('round-trips: an appended record verifies, and its sig verifies with plain crypto.verify', () => {
    const r = parse(at(0));
    expect(verifyRecord(r, signer.publicKey())).toEqual({ ok: true });
    expect(verify('sha256', Buffer.from(r.hash, 'hex'), signer.publicKey(), Buffer.from(r.sig.value, 'base64'))).toBe(true);
    expect(r.sig.keyId).toBe(keyIdOf(signer.publicKey()));
  });

  it('names a hash mismatch and a wrong key', () => {
    const r = parse(at(0));
    expect(verifyRecord({ ...r, body: { changed: true } }, signer.publicKey())).toMatchObject({ ok: false, reason: 'hash_mismatch' });
    expect(verifyRecord(r, attacker.publicKey())).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });
});

describe('verifyChain', () => {
  it('accepts an intact chain and summarises its head', () => {
    const v = verifyChain(lines, keys);
    expect(v).toMatchObject({ ok: true, records: 6, failure: null, failures: [], findings: [] });
    const last = parse(at(5));
    expect(v.sessions).toEqual([{ sessionId: 's1', headSeq: 6, headHash: last.hash, records: 6, keyIds: [keyIdOf(signer.publicKey())] }]);
  });

  it('accepts PEM keys as well as KeyObjects', async () => {
    expect(verifyChain(lines, new Map([[await signer.keyId(), await signer.publicKeyPem()]])).ok).toBe(true);
  });

  it('detects one byte changed in a body (hash mismatch at that seq)', () => {
    const tampered = [...lines];
    tampered[2] = at(2).replace('record 3', 'record X');
    expect(tampered[2]).not.toBe(at(2));
    const v = verifyChain(tampered, keys);
    expect(v.ok).toBe(false);
    expect(v.failure).toMatchObject({ sessionId: 's1', seq: 3, index: 2, reason: 'hash_mismatch' });
    expect(v.failures).toHaveLength(1); // no cascade onto seq 4
  });

  it('detects a record removed from the middle (seq gap at the next one)', () => {
    const v = verifyChain([at(0), at(1), at(3), at(4), at(5)], keys);
    expect(v.failure).toMatchObject({ seq: 4, reason: 'seq_gap' });
    expect(v.failure?.message).toContain('seq 3 is missing');
  });

  it('detects reordered records', () => {
    const v = verifyChain([at(0), at(1), at(3), at(2), at(4), at(5)], keys);
    expect(v.failure).toMatchObject({ seq: 4, reason: 'seq_out_of_order' });
  });

  it('detects a duplicated record', () => {
    expect(verifyChain([at(0), at(1), at(1), at(2)], keys).failure).toMatchObject({ seq: 2, index: 2, reason: 'seq_duplicate' });
  });

  it('detects a chain that does not start at seq 1 (the first records cut off)', () => {
    expect(verifyChain(lines.slice(2), keys).failure).toMatchObject({ seq: 3, reason: 'seq_gap' });
  });

  it('detects a prevHash edited in place (the hash no longer matches)', () => {
    const tampered = [...lines];
    tampered[3] = at(3).replace(parse(at(3)).prevHash, 'a'.repeat(64));
    expect(verifyChain(tampered, keys).failure).toMatchObject({ seq: 4, reason: 'hash_mismatch' });
  });

  it('detects a broken prevHash link even when the record is re-hashed and signed with the real key', async () => {
    const tampered = [...lines];
    tampered[3] = await rewrite(at(3), (r) => (r.prevHash = 'a'.repeat(64)), signer);
    expect(verifyChain(tampered, keys).failure).toMatchObject({ seq: 4, reason: 'prev_hash_mismatch' });
  });

  it('detects a seq 1 whose prevHash is not the genesis hash', async () => {
    const tampered = [...lines];
    tampered[0] = await rewrite(at(0), (r) => (r.prevHash = '1'.repeat(64)), signer);
    const v = verifyChain(tampered, keys);
    expect(v.failure).toMatchObject({ seq: 1, reason: 'prev_hash_mismatch' });
    expect(v.failure?.message).toContain('genesis');
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('detects a rewrite re-signed with the real key by the broken link to the next record', async () => {
    const tampered = [...lines];
    tampered[2] = await rewrite(at(2), (r) => (r.body = { sql: 'select 42' }), signer);
    expect(verifyChain(tampered, keys).failure).toMatchObject({ seq: 4, reason: 'prev_hash_mismatch' });
  });

  it('detects verification with the wrong key (signature invalid)', () => {
    const wrong = new Map([[keyIdOf(signer.publicKey()), attacker.publicKey()]]);
    expect(verifyChain(lines, wrong).failure).toMatchObject({ seq: 1, reason: 'signature_invalid' });
  });

  it('detects a rewrite re-signed with another key (unknown key id)', async () => {
    const tampered = [...lines];
    tampered[5] = await rewrite(at(5), (r) => (r.body = { rows: [] }), attacker);
    expect(verifyChain(tampered, keys).failure).toMatchObject({ seq: 6, reason: 'unknown_key' });
  });

  it('detects a signature swapped in from another record', () => {
    const r = parse(at(1));
    r.sig = parse(at(2)).sig;
    const tampered = [at(0), canonicalJson(r), ...lines.slice(2)];
    expect(verifyChain(tampered, keys).failure).toMatchObject({ seq: 2, reason: 'signature_invalid' });
  });

  it.each([
    ['whitespace added', (l: string) => l.replace('{', '{ '), 'not_canonical'],
    ['keys reordered', (l: string) => JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l) as object).reverse())), 'not_canonical'],
    ['an extra field', (l: string) => l.replace('{', '{"aaa":1,'), 'malformed'],
    ['not JSON', () => '{"sessionId":', 'malformed'],
    ['a non-strict base64 signature', (l: string) => l.replace(/"value":"([^"]+)"/, '"value":"$1\\n"'), 'malformed'],
    ['an at without milliseconds', (l: string) => l.replace(/\.000Z/, 'Z'), 'malformed'],
  ])('detects %s', (_name, change, reason) => {
    const tampered = [...lines];
    tampered[1] = change(at(1));
    expect(tampered[1]).not.toBe(at(1));
    expect(verifyChain(tampered, keys).failure).toMatchObject({ index: 1, reason });
  });

  it('verifies interleaved sessions independently', async () => {
    const records = new MemoryRecordStore();
    const clock = frozenClock();
    for (const s of ['a', 'b', 'a', 'b', 'a']) await appendRecord({ records, signer, clock }, draft(s, `r-${s}`, 'query.failed'));
    const [a, b] = [await records.list('a'), await records.list('b')];
    const mixed = [a[0], b[0], a[1], b[1], a[2]].map((x) => x ?? '');
    const v = verifyChain(mixed, keys);
    expect(v.ok).toBe(true);
    expect(v.sessions.map((s) => [s.sessionId, s.headSeq])).toEqual([['a', 3], ['b', 2]]);
  });
});

describe('verifyChain findings', () => {
  async function session(types: Parameters<typeof draft>[2][], bodies: Record<string, unknown>[] = []): Promise<string[]> {
    const records = new MemoryRecordStore();
    for (const [i, type] of types.entries()) {
      await appendRecord({ records, signer, clock: frozenClock() }, draft('s', 'r1', type, bodies[i] ?? {}));
    }
    return records.list('s');
  }

  it('reports outcome unknown for query.requested without a terminal record, and still verifies', async () => {
    const v = verifyChain(await session(['query.requested']), keys);
    expect(v.ok).toBe(true);
    expect(v.findings).toEqual([expect.objectContaining({ kind: 'outcome_unknown', sessionId: 's', requestId: 'r1', seq: 1 })]);
  });

  it('reports outcome unknown after an approval quorum without an outcome', async () => {
    const lines2 = await session(
      ['query.requested', 'approval.requested', 'approval.granted'],
      [{}, { approvalsRequired: 1 }, { votesFor: 1, approvalsRequired: 1 }],
    );
    expect(verifyChain(lines2, keys).findings).toEqual([expect.objectContaining({ kind: 'outcome_unknown' })]);
  });

  it('reports a request still waiting for votes as pending_approval', async () => {
    const lines2 = await session(['query.requested', 'approval.requested'], [{}, { approvalsRequired: 2 }]);
    expect(verifyChain(lines2, keys).findings).toEqual([expect.objectContaining({ kind: 'pending_approval', requestId: 'r1' })]);
  });

  it.each(['query.executed', 'query.failed', 'query.denied', 'approval.rejected', 'approval.expired'] as const)(
    'reports nothing once %s ends the request',
    async (terminal) => {
      expect(verifyChain(await session(['query.requested', terminal]), keys).findings).toEqual([]);
    },
  );
});
