/**
 * Signs record hashes (and export manifests). ECDSA P-256 over SHA-256 of the message;
 * the message is the 32 raw bytes of a record hash (KMS `MessageType: RAW`).
 *
 * @example
 * const sig = await signer.sign(Buffer.from(record.hash, 'hex'));
 * // { keyId, alg: 'ECDSA_SHA_256', value: '<base64 DER>' }
 */
export interface Signer {
  /** lowercase hex SHA-256 of the public key's SPKI DER. */
  keyId(): Promise<string>;
  /** SPKI PEM of the public key. */
  publicKeyPem(): Promise<string>;
  sign(message: Uint8Array): Promise<{ keyId: string; alg: 'ECDSA_SHA_256'; value: string }>;
}
