import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '#shared/records/canonical.js';
import { recordHash, sha256Hex, sqlHash } from '#shared/records/hash.js';
import { keyIdOf, keyRing } from '#shared/records/key-id.js';
import { GENESIS_HASH, type SessionRecord, type UnsignedRecord } from '#shared/records/types.js';

const unsigned: UnsignedRecord = {
  sessionId: 's1',
  seq: 1,
  requestId: '01J0000000000000000000000',
  type: 'query.denied',
  at: '2026-03-01T12:00:00.000Z',
  actor: { kind: 'system' },
  body: { sqlHash: 'x', reasons: [] },
  prevHash: GENESIS_HASH,
};

describe('sha256Hex / sqlHash', () => {
  it('matches the FIPS 180-2 SHA-256 vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('hashes the SQL exactly as submitted, UTF-8, without trimming', () => {
    expect(sqlHash('select 1')).toBe(createHash('sha256').update(Buffer.from('select 1', 'utf8')).digest('hex'));
    expect(sqlHash('select 1 ')).not.toBe(sqlHash('select 1'));
    expect(sqlHash("select 'é'")).toBe(createHash('sha256').update(Buffer.from("select 'é'", 'utf8')).digest('hex'));
    expect(sqlHash('select 1')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('recordHash', () => {
  it('is the SHA-256 of the canonical JSON of the eight unsigned fields', () => {
    expect(recordHash(unsigned)).toBe(sha256Hex(canonicalJson(unsigned)));
  });

  it('ignores hash, sig and any stray property', () => {
    const signed = { ...unsigned, hash: 'f'.repeat(64), sig: { keyId: 'k', alg: 'ECDSA_SHA_256', value: 'AA==' }, extra: 1 };
    expect(recordHash(signed as SessionRecord)).toBe(recordHash(unsigned));
  });

  it('does not depend on key order of the input object', () => {
    const reordered = Object.fromEntries(Object.entries({ ...unsigned, body: { reasons: [], sqlHash: 'x' } }).reverse()) as unknown as UnsignedRecord;
    expect(Object.keys(reordered)[0]).toBe('prevHash');
    expect(recordHash(reordered)).toBe(recordHash(unsigned));
  });

  it('changes when any field changes', () => {
    const base = recordHash(unsigned);
    expect(recordHash({ ...unsigned, seq: 2 })).not.toBe(base);
    expect(recordHash({ ...unsigned, body: { sqlHash: 'y', reasons: [] } })).not.toBe(base);
    expect(recordHash({ ...unsigned, prevHash: '1'.repeat(64) })).not.toBe(base);
  });
});

describe('keyIdOf', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = publicKey.export({ type: 'spki', format: 'der' });

  it('is the lowercase hex SHA-256 of the SPKI DER', () => {
    expect(keyIdOf(publicKey)).toBe(createHash('sha256').update(der).digest('hex'));
  });

  it('is the same from a PEM, a public KeyObject and the private key', () => {
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(keyIdOf(pem)).toBe(keyIdOf(publicKey));
    expect(keyIdOf(privateKey)).toBe(keyIdOf(publicKey));
  });

  it('keyRing computes ids instead of trusting labels', () => {
    const ring = keyRing([publicKey]);
    expect([...ring.keys()]).toEqual([keyIdOf(publicKey)]);
  });
});
