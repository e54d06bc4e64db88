import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand, type GetPublicKeyCommandOutput } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { KmsSigner } from '#shared/adapters/aws/kms-signer.js';
import { AirlockError } from '#shared/errors.js';
import { keyIdOf } from '#shared/records/key-id.js';
import { sealRecord } from '#shared/records/seal-record.js';
import { GENESIS_HASH } from '#shared/records/types.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { keyRing } from '#shared/records/key-id.js';
import { verifyHashSignature } from '#shared/records/verify-record.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);
// The stub is on the client's prototype, for the whole worker process: put the real send back after this file.
afterAll(() => kms.restore());
// A local P-256 key plays KMS: Sign answers exactly what KMS would (DER ECDSA over SHA-256 of the RAW message).
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spkiDer = publicKey.export({ type: 'spki', format: 'der' });

function awsError(name: string): Error {
  const e = new Error(`${name}: simulated`);
  e.name = name;
  return e;
}

function publicKeyAnswer(overrides: Record<string, unknown> = {}): GetPublicKeyCommandOutput {
  return { KeyId: KEY_ARN, PublicKey: new Uint8Array(spkiDer), KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'], $metadata: {}, ...overrides };
}

const newSigner = () => new KmsSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);

beforeEach(() => {
  kms.reset();
  kms.on(GetPublicKeyCommand).resolves(publicKeyAnswer());
  kms.on(SignCommand).callsFake((input: { Message: Uint8Array }) => ({
    KeyId: KEY_ARN,
    SigningAlgorithm: 'ECDSA_SHA_256',
    Signature: new Uint8Array(nodeSign('sha256', input.Message, { key: privateKey, dsaEncoding: 'der' })),
  }));
});

describe('KmsSigner', () => {
  it('signs the 32 raw hash bytes with MessageType RAW and ECDSA_SHA_256 on the configured key', async () => {
    const hash = Buffer.alloc(32, 7);
    await newSigner().sign(hash);
    const calls = kms.commandCalls(SignCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ KeyId: KEY_ARN, Message: hash, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
  });

  it('derives keyId from the SPKI DER exactly like the local key, and caches GetPublicKey', async () => {
    const signer = newSigner();
    const [a, b] = await Promise.all([signer.keyId(), signer.keyId()]);
    await signer.sign(Buffer.alloc(32));
    await signer.publicKeyPem();
    expect(a).toBe(keyIdOf(publicKey));
    expect(b).toBe(a);
    expect(await signer.publicKeyPem()).toBe(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(GetPublicKeyCommand)[0]?.args[0].input).toEqual({ KeyId: KEY_ARN });
  });

  it('produces signatures that verify with crypto.verify over the hash bytes, and a chain that verifyChain accepts', async () => {
    const signer = newSigner();
    const { record, canonical } = await sealRecord(
      { sessionId: 's1', seq: 1, requestId: 'r1', type: 'query.denied', at: '2026-01-01T00:00:00.000Z', actor: { kind: 'system' }, body: { sqlHash: 'x', reasons: [] }, prevHash: GENESIS_HASH },
      signer,
    );
    expect(record.sig.keyId).toBe(keyIdOf(publicKey));
    expect(verifyHashSignature(record.hash, record.sig.value, publicKey)).toBe(true);
    const result = verifyChain([canonical], keyRing([publicKey]));
    expect(result.ok).toBe(true);
  });

  it('adds no retry layer of its own: throttling left over by the SDK fails closed after one Sign', async () => {
    kms.on(SignCommand).rejects(awsError('ThrottlingException'));
    await expect(newSigner().sign(Buffer.alloc(32))).rejects.toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE', details: { kmsError: 'ThrottlingException' } });
    expect(kms.commandCalls(SignCommand)).toHaveLength(1);
  });

  it('accepts a GetPublicKey answer without KeySpec but with CustomerMasterKeySpec (moto, older KMS answers)', async () => {
    kms.on(GetPublicKeyCommand).resolves(publicKeyAnswer({ KeySpec: undefined, CustomerMasterKeySpec: 'ECC_NIST_P256' }));
    expect(await newSigner().keyId()).toBe(keyIdOf(publicKey));
  });

  it('refuses a key labelled ECC_NIST_P256 whose SPKI is another curve', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'der' });
    kms.on(GetPublicKeyCommand).resolves(publicKeyAnswer({ PublicKey: new Uint8Array(p384) }));
    await expect(newSigner().sign(Buffer.alloc(32))).rejects.toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE' });
    expect(kms.commandCalls(SignCommand)).toHaveLength(0);
  });

  it.each(['AccessDeniedException', 'DisabledException', 'KMSInvalidStateException', 'NotFoundException', 'InvalidKeyUsageException'])(
    'fails closed at once on %s',
    async (name) => {
      kms.on(SignCommand).rejects(awsError(name));
      const err = await newSigner().sign(Buffer.alloc(32)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AirlockError);
      expect((err as AirlockError).code).toBe('ERR_SIGNER_UNAVAILABLE');
      expect((err as AirlockError).details).toEqual({ kmsError: name });
      expect(kms.commandCalls(SignCommand)).toHaveLength(1);
    },
  );

  it('fails closed when GetPublicKey is denied, and tries again on the next call', async () => {
    kms.on(GetPublicKeyCommand).rejectsOnce(awsError('AccessDeniedException')).resolves(publicKeyAnswer());
    const signer = newSigner();
    await expect(signer.keyId()).rejects.toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE' });
    expect(await signer.keyId()).toBe(keyIdOf(publicKey));
  });

  it.each([
    { KeySpec: 'RSA_2048' },
    { KeySpec: undefined, CustomerMasterKeySpec: 'RSA_2048' },
    { KeySpec: undefined },
    { KeyUsage: 'ENCRYPT_DECRYPT' },
    { SigningAlgorithms: ['ECDSA_SHA_384'] },
    { PublicKey: undefined },
    { PublicKey: new Uint8Array([1, 2, 3]) },
  ])('refuses a key that is not a P-256 signing key: %o', async (overrides) => {
    kms.on(GetPublicKeyCommand).resolves(publicKeyAnswer(overrides));
    await expect(newSigner().sign(Buffer.alloc(32))).rejects.toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE' });
    expect(kms.commandCalls(SignCommand)).toHaveLength(0);
  });

  it('fails closed on an empty signature', async () => {
    kms.on(SignCommand).resolves({});
    await expect(newSigner().sign(Buffer.alloc(32))).rejects.toMatchObject({ code: 'ERR_SIGNER_UNAVAILABLE' });
  });
});
