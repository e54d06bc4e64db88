import { generateKeyPairSync, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AirlockError } from '../../errors.js';
import type { Signer } from '../../ports/signer.js';
import { keyIdOf } from '../../records/key-id.js';

/**
 * Signer backed by a P-256 private key file (PKCS#8 PEM, mode 0600) under the data dir:
 * the local stand-in for KMS `ECDSA_SHA_256` with `MessageType: RAW`. Signatures are
 * DER, like KMS, so one verifier serves both.
 *
 * @example
 * const signer = await LocalKeySigner.open(path.join(dataDir, 'keys', 'records.pem'));
 * const sig = await signer.sign(Buffer.from(record.hash, 'hex'));
 */
export class LocalKeySigner implements Signer {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #keyId: string;
  readonly #publicPem: string;

  private constructor(privateKey: KeyObject) {
    this.#privateKey = privateKey;
    this.#publicKey = createPublicKey(privateKey);
    this.#keyId = keyIdOf(this.#publicKey);
    this.#publicPem = this.#publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** Opens the key at `path`, creating it (and its directory) on first use. */
  static async open(path: string): Promise<LocalKeySigner> {
    let pem: string;
    try {
      pem = await readOrCreateKey(path);
    } catch (cause) {
      throw new AirlockError('ERR_SIGNER_UNAVAILABLE', `cannot read or create the signing key at ${path}`, { cause });
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch (cause) {
      throw new AirlockError('ERR_SIGNER_UNAVAILABLE', `${path} is not a PEM private key`, { cause });
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new AirlockError('ERR_SIGNER_UNAVAILABLE', `${path} is not an EC P-256 private key`);
    }
    return new LocalKeySigner(key);
  }

  async keyId(): Promise<string> {
    return this.#keyId;
  }

  async publicKeyPem(): Promise<string> {
    return this.#publicPem;
  }

  /** The public key, for verifying in-process without a PEM round trip. */
  publicKey(): KeyObject {
    return this.#publicKey;
  }

  async sign(message: Uint8Array): Promise<{ keyId: string; alg: 'ECDSA_SHA_256'; value: string }> {
    try {
      // Node cannot sign a precomputed digest, so the 32-byte record hash is the message,
      // hashed once more by ECDSA_SHA_256 — the same as KMS with MessageType RAW.
      const der = sign('sha256', message, { key: this.#privateKey, dsaEncoding: 'der' });
      return { keyId: this.#keyId, alg: 'ECDSA_SHA_256', value: der.toString('base64') };
    } catch (cause) {
      throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'local signing failed', { cause });
    }
  }
}

async function readOrCreateKey(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Write aside, then hard-link into place: a concurrent opener never reads a half-written
  // file, and if two processes race, link() fails for the loser, which reads the winner's key.
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, pem, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return await readFile(path, 'utf8');
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return pem;
}
