/**
 * Signs record hashes (and export manifests). `keyId`/`publicKeyPem` name the key an auditor
 * trusts; a certified signer's `sign` returns the id of the certified key that signed instead. ECDSA P-256 over SHA-256 of the message;
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
  /**
   * Optional: resolves once `sign` will sign with a key valid from now on (a certified signer
   * certifies its first key, or its next one near the end of a window). `appendRecord` awaits it
   * before stamping a record's `at`, so `at` lies in the signing key's certified window.
   */
  ready?(): Promise<void>;
}
