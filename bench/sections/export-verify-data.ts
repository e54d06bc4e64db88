import { createHash } from 'node:crypto';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { canonicalJson } from '#shared/records/canonical.js';
import { unsignedOf } from '#shared/records/hash.js';
import { GENESIS_HASH, type RecordType, type SessionRecord } from '#shared/records/types.js';

const TYPES: RecordType[] = ['query.requested', 'query.executed'];

/**
 * Synthetic but realistic records (a prompt, SQL, a small masked result) in `sessions` chains,
 * sealed with a real P-256 key. Returns the store and, for the floor, each record's unsigned
 * canonical JSON and signature.
 */
export async function syntheticRecords(total: number, sessions: number, signer: LocalKeySigner): Promise<{ store: MemoryRecordStore; floor: Array<{ unsigned: string; sig: Buffer }> }> {
  const store = new MemoryRecordStore();
  const floor: Array<{ unsigned: string; sig: Buffer }> = [];
  const per = Math.ceil(total / sessions);
  const keyId = await signer.keyId();
  let made = 0;
  for (let s = 0; s < sessions && made < total; s += 1) {
    const sessionId = `bench-${String(s).padStart(5, '0')}`;
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= per && made < total; seq += 1, made += 1) {
      const type = TYPES[(seq - 1) % 2] as RecordType;
      const body =
        type === 'query.requested'
          ? { prompt: `How many orders did customer ${seq} place last month?`, sql: `SELECT count(*) FROM orders WHERE customer_id = ${seq}`, sqlHash: 'a'.repeat(64), risk: 'read', decision: { outcome: 'allow', approvalsRequired: 0 }, reasons: [], objects: ['orders'] }
          : { sqlHash: 'a'.repeat(64), warehouse: 'duckdb', queryId: `q-${seq}`, queryTag: '{}', durationMs: 4, columns: [{ name: 'n', type: 'BIGINT' }, { name: 'email', type: 'VARCHAR' }], rows: [{ n: seq, email: '***@***' }], rowCount: 1, truncated: false, masked: [{ column: 'email', rule: 'email', cells: 1 }] };
      const unsigned = unsignedOf({ sessionId, seq, requestId: `r-${s}-${Math.ceil(seq / 2)}`, type, at: new Date(Date.UTC(2026, 2, 1) + made * 10).toISOString(), actor: { kind: 'agent', iss: 'https://airlock.local/dev', sub: 'bench' }, body, prevHash: prev });
      const json = canonicalJson(unsigned);
      const hash = createHash('sha256').update(json).digest('hex');
      const sig = await signer.sign(Buffer.from(hash, 'hex'));
      const record: SessionRecord = { ...unsigned, hash, sig: { keyId, alg: 'ECDSA_SHA_256', value: sig.value } };
      await store.append(record, canonicalJson(record));
      floor.push({ unsigned: json, sig: Buffer.from(sig.value, 'base64') });
      prev = hash;
    }
  }
  return { store, floor };
}
