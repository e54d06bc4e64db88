import type { Policy } from '../policy/policy.js';
import type { TokenVerifier } from '../ports/token-verifier.js';
import type { SubmitQueryDeps } from '../use-cases/submit-query.js';

export interface PublicKeyInfo {
  keyId: string;
  alg: 'ECDSA_SHA_256';
  pem: string;
  use: 'records' | 'exports';
  kmsKeyArn?: string;
}

/** Everything the HTTP handlers need; built by a wiring module (local or AWS). */
export interface ApiDeps extends SubmitQueryDeps {
  verifier: TokenVerifier;
  policy: Policy;
  /** Names of the parts that are not ready yet (empty when ready). */
  notReady(): string[];
  keys(): Promise<PublicKeyInfo[]>;
  log(level: 'error' | 'warn' | 'info', msg: string, fields?: Record<string, unknown>): void;
}
