import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { AirlockError } from '../../errors.js';
import type { Signer } from '../../ports/signer.js';
import { keyIdOf } from '../../records/key-id.js';

/**
 * Signer backed by an asymmetric KMS key (`ECC_NIST_P256`, `SIGN_VERIFY`): `Sign` with
 * `MessageType: RAW` and `ECDSA_SHA_256` over the 32 raw bytes of a record hash, which is
 * exactly what `LocalKeySigner` does with `crypto.sign('sha256', …)`, so one verifier
 * (`crypto.verify('sha256', hashBytes, publicKey, derSig)`) serves both. The public key
 * comes from `GetPublicKey` once per container and is checked to be a P-256 signing key;
 * `keyId` is the SHA-256 of its SPKI DER, like the local key's.
 *
 * The key spec is read from `KeySpec`, or the older `CustomerMasterKeySpec` when a KMS
 * implementation omits `KeySpec` (moto does), and the SPKI itself must be an EC P-256 key.
 * Retries are the SDK client's alone (`AWS_RETRY` in `shared/wiring/aws-clients.ts`: adaptive,
 * 3 attempts); this adapter adds none. Any error left (throttling past the budget,
 * AccessDenied, a disabled or deleted key) fails closed with `ERR_SIGNER_UNAVAILABLE`, so
 * nothing runs unsigned.
 *
 * @example
 * const signer = new KmsSigner(awsClients(awsClientConfig(process.env)).kms(), process.env.AIRLOCK_RECORDS_KEY_ARN);
 * const sig = await signer.sign(Buffer.from(record.hash, 'hex'));
 * // { keyId: '3f2a…', alg: 'ECDSA_SHA_256', value: '<base64 DER>' }
 */
export class KmsSigner implements Signer {
  readonly #client: KMSClient;
  readonly #keyArn: string;
  #publicKey: Promise<{ keyId: string; pem: string }> | undefined;

  constructor(client: KMSClient, keyArn: string) {
    this.#client = client;
    this.#keyArn = keyArn;
  }

  /** The KMS key this signer uses, listed beside its key id in `GET /v1/keys`. */
  get keyArn(): string {
    return this.#keyArn;
  }

  async keyId(): Promise<string> {
    return (await this.#loadPublicKey()).keyId;
  }

  async publicKeyPem(): Promise<string> {
    return (await this.#loadPublicKey()).pem;
  }

  async sign(message: Uint8Array): Promise<{ keyId: string; alg: 'ECDSA_SHA_256'; value: string }> {
    const { keyId } = await this.#loadPublicKey();
    const out = await this.#call('Sign', () =>
      this.#client.send(new SignCommand({ KeyId: this.#keyArn, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' })),
    );
    if (out.Signature === undefined || out.Signature.length === 0) {
      throw new AirlockError('ERR_SIGNER_UNAVAILABLE', 'KMS Sign returned no signature');
    }
    return { keyId, alg: 'ECDSA_SHA_256', value: Buffer.from(out.Signature).toString('base64') };
  }

  #loadPublicKey(): Promise<{ keyId: string; pem: string }> {
    // Cache the promise, not the value, so concurrent first calls share one GetPublicKey;
    // a failure is forgotten so the next call tries again instead of failing forever.
    this.#publicKey ??= this.#fetchPublicKey().catch((e: unknown) => {
      this.#publicKey = undefined;
      throw e;
    });
    return this.#publicKey;
  }

  async #fetchPublicKey(): Promise<{ keyId: string; pem: string }> {
    const out = await this.#call('GetPublicKey', () => this.#client.send(new GetPublicKeyCommand({ KeyId: this.#keyArn })));
    const spec = out.KeySpec ?? out.CustomerMasterKeySpec;
    if (spec !== 'ECC_NIST_P256' || out.KeyUsage !== 'SIGN_VERIFY' || !(out.SigningAlgorithms ?? []).includes('ECDSA_SHA_256')) {
      throw new AirlockError(
        'ERR_SIGNER_UNAVAILABLE',
        `KMS key ${this.#keyArn} is ${spec ?? '?'}/${out.KeyUsage ?? '?'}; records need an ECC_NIST_P256 SIGN_VERIFY key with ECDSA_SHA_256`,
      );
    }
    if (out.PublicKey === undefined) throw new AirlockError('ERR_SIGNER_UNAVAILABLE', `KMS returned no public key for ${this.#keyArn}`);
    let pub;
    try {
      pub = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
    } catch (cause) {
      throw new AirlockError('ERR_SIGNER_UNAVAILABLE', `KMS public key for ${this.#keyArn} is not SPKI DER`, { cause });
    }
    // The key itself, not only KMS's label for it: a P-256 EC key, or nothing is signed.
    if (pub.asymmetricKeyType !== 'ec' || pub.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new AirlockError('ERR_SIGNER_UNAVAILABLE', `KMS public key for ${this.#keyArn} is not an EC P-256 key`);
    }
    return { keyId: keyIdOf(pub), pem: pub.export({ type: 'spki', format: 'pem' }).toString() };
  }

  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      const name = errorName(e);
      throw new AirlockError('ERR_SIGNER_UNAVAILABLE', `KMS ${operation} failed for ${this.#keyArn}: ${name}`, { cause: e, details: { kmsError: name } });
    }
  }
}

function errorName(e: unknown): string {
  if (e instanceof Error) return e.name;
  return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : 'UnknownError';
}
