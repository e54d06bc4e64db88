import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, keyRing, toPublicKey } from '#shared/records/key-id.js';
import { sha256Hex } from '#shared/records/hash.js';

const pemOf = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;

describe('key ids and parsed keys', () => {
  it('a PEM is parsed once: the same text gives the same key, and its id is the SHA-256 of its SPKI DER', () => {
    const pem = pemOf();
    const a = toPublicKey(pem);
    expect(toPublicKey(pem)).toBe(a);
    expect(keyIdOf(pem)).toBe(sha256Hex(a.export({ type: 'spki', format: 'der' })));
    expect(keyIdOf(a)).toBe(keyIdOf(pem));
    // Another text of the same key (other line breaks) is another entry, with the same id.
    const other = pem.replace(/\n/g, '\r\n');
    expect(toPublicKey(other)).not.toBe(a);
    expect(keyIdOf(other)).toBe(keyIdOf(pem));
  });

  it('a private key yields its public half and that half\'s id', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(toPublicKey(privateKey).type).toBe('public');
    expect(keyIdOf(privateKey)).toBe(keyIdOf(publicKey));
    expect([...keyRing([privateKey]).keys()]).toEqual([keyIdOf(publicKey)]);
  });

  it('keeps at most 1,024 parsed texts: the oldest is parsed again after that many others', () => {
    const first = pemOf();
    const parsed = toPublicKey(first);
    for (let i = 0; i < 1024; i++) toPublicKey(pemOf());
    const again = toPublicKey(first);
    expect(again).not.toBe(parsed);
    expect(keyIdOf(again)).toBe(keyIdOf(parsed));
  });
});
