import { generateKeyPairSync, verify } from 'node:crypto';
import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { sha256Hex } from '#shared/records/hash.js';
import { keyIdOf } from '#shared/records/key-id.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';

describe('LocalKeySigner', () => {
  let cleanup = (): void => undefined;
  afterEach(() => cleanup());
  const dir = (): string => {
    const t = tempDir();
    cleanup = t.cleanup;
    return t.dir;
  };

  it('creates a P-256 PKCS#8 key with mode 0600 on first use, and reuses it', async () => {
    const path = join(dir(), 'keys', 'records.pem');
    const a = await LocalKeySigner.open(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const b = await LocalKeySigner.open(path);
    expect(await b.keyId()).toBe(await a.keyId());
    expect(await a.keyId()).toBe(keyIdOf(await a.publicKeyPem()));
  });

  it('concurrent first opens agree on one key', async () => {
    const path = join(dir(), 'k.pem');
    const signers = await Promise.all(Array.from({ length: 8 }, () => LocalKeySigner.open(path)));
    const ids = new Set(await Promise.all(signers.map((s) => s.keyId())));
    expect(ids.size).toBe(1);
  });

  it('signs the 32 hash bytes so crypto.verify(sha256, hashBytes, publicKey, sig) holds (DER, like KMS)', async () => {
    const signer = await LocalKeySigner.open(join(dir(), 'k.pem'));
    const hashBytes = Buffer.from(sha256Hex('a record'), 'hex');
    const sig = await signer.sign(hashBytes);
    expect(sig.alg).toBe('ECDSA_SHA_256');
    expect(sig.keyId).toBe(await signer.keyId());
    const der = Buffer.from(sig.value, 'base64');
    expect(der[0]).toBe(0x30); // DER SEQUENCE, not IEEE P1363 r||s
    expect(verify('sha256', hashBytes, await signer.publicKeyPem(), der)).toBe(true);
    expect(verify('sha256', Buffer.from(sha256Hex('another'), 'hex'), await signer.publicKeyPem(), der)).toBe(false);
  });

  it.each([
    ['not a PEM', () => 'hello'],
    ['an Ed25519 key', () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
    ['a P-384 key', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()],
  ])('refuses a key file holding %s with ERR_SIGNER_UNAVAILABLE', async (_name, content) => {
    const d = dir();
    mkdirSync(d, { recursive: true });
    const path = join(d, 'k.pem');
    writeFileSync(path, content(), { mode: 0o600 });
    await expect(LocalKeySigner.open(path)).rejects.toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE' });
  });

  it('reports an unreadable key location as ERR_SIGNER_UNAVAILABLE', async () => {
    const d = dir();
    writeFileSync(join(d, 'file'), 'x');
    await expect(LocalKeySigner.open(join(d, 'file', 'k.pem'))).rejects.toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE' });
  });
});
