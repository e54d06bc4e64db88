import { createPublicKey, type KeyObject } from 'node:crypto';
import type { LinkProblem } from './check-link.js';
import { keyIdOf } from './key-id.js';
import type { KeyCertifiedBody } from './record-body.js';
import { KEY_CHAIN_SESSION, type RecordType, type SessionRecord } from './types.js';

/** The longest window a key certificate may give its key (docs/record-format.md section 6a). */
export const MAX_CERTIFICATE_WINDOW_MS = 60 * 60 * 1000;

const RECORD_WRITING_TYPES: readonly RecordType[] = [
  'query.requested',
  'query.denied',
  'approval.requested',
  'approval.granted',
  'approval.rejected',
  'approval.expired',
  'approval.refused',
  'query.executed',
  'query.failed',
  'query.throttled',
  'query.reconciled',
];

/**
 * Which record types a key certified for each function may sign. `key.certified` is never among
 * them: only a root key certifies. A function not listed here may sign nothing. `local` is the
 * local runtime (one process does everything); `gateway` an AWS function that serves the whole
 * request path; `api` and `approvals` the narrower roles a split deployment names.
 */
export const FUNCTION_RECORD_TYPES: Readonly<Record<string, readonly RecordType[]>> = {
  local: RECORD_WRITING_TYPES,
  gateway: RECORD_WRITING_TYPES,
  api: ['query.requested', 'query.denied', 'approval.requested', 'query.executed', 'query.failed', 'query.throttled'],
  approvals: ['approval.granted', 'approval.rejected', 'approval.refused', 'approval.expired', 'query.executed', 'query.failed'],
  /** The scheduled reconcile (functions/reconcile-warehouse.ts): settles outcome-unknown requests, records its findings. */
  reconcile: ['query.reconciled', 'reconcile.finding'],
};

/** A verified key certificate: the key, its window (epoch ms, inclusive) and its function. */
export interface KeyCertificate {
  keyId: string;
  key: KeyObject;
  notBefore: number;
  notAfter: number;
  function: string;
  certifiedBy: string;
  /** Where the certificate is: its seq in the `system/keys` chain. */
  seq: number;
}

/** The keys certified by verified certificates, and the ids named by certificates that did not verify. */
export interface CertifiedKeys {
  certified: ReadonlyMap<string, KeyCertificate>;
  /** Key ids that a certificate names but that are not certified (the certificate failed). */
  rejected: ReadonlySet<string>;
}

export const NO_CERTIFICATES: CertifiedKeys = { certified: new Map(), rejected: new Set() };

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BODY_FIELDS = ['keyId', 'spki', 'certifiedBy', 'notBefore', 'notAfter', 'function'];

/**
 * Reads one `key.certified` record whose chain link and root signature already verified: why it
 * certifies nothing, or the certificate. Checks: the record is in the `system/keys` chain; the body
 * has exactly the six members; `spki` is a P-256 public key whose id is `keyId`; `certifiedBy` is
 * the root key that signed the record; the window is non-empty, at most one hour, and the record was
 * written before it ended.
 *
 * @example
 * const c = readCertificate(record);
 * if (typeof c === 'string') console.log('not a certificate:', c);
 */
export function readCertificate(r: SessionRecord): KeyCertificate | string {
  if (r.sessionId !== KEY_CHAIN_SESSION) return `a key certificate belongs in session ${KEY_CHAIN_SESSION}, not ${r.sessionId}`;
  if (r.type !== 'key.certified') return `the ${KEY_CHAIN_SESSION} chain holds only key.certified records, found ${r.type}`;
  const b = r.body as Partial<KeyCertifiedBody> & Record<string, unknown>;
  const names = Object.keys(b);
  if (names.length !== BODY_FIELDS.length || !BODY_FIELDS.every((f) => Object.hasOwn(b, f))) return `body members are [${names.join(', ')}], expected [${BODY_FIELDS.join(', ')}]`;
  if (typeof b.keyId !== 'string' || !HEX64.test(b.keyId)) return 'keyId is not 64 lowercase hex chars';
  if (typeof b.certifiedBy !== 'string' || b.certifiedBy !== r.sig.keyId) return `certifiedBy ${String(b.certifiedBy)} is not the key that signed the certificate (${r.sig.keyId})`;
  if (typeof b.function !== 'string' || b.function === '') return 'function is not a non-empty string';
  if (typeof b.notBefore !== 'string' || !ISO_MS.test(b.notBefore) || typeof b.notAfter !== 'string' || !ISO_MS.test(b.notAfter)) return 'notBefore/notAfter are not ISO 8601 UTC with milliseconds';
  const notBefore = Date.parse(b.notBefore);
  const notAfter = Date.parse(b.notAfter);
  if (!(notAfter > notBefore)) return `window ${b.notBefore}..${b.notAfter} is empty`;
  if (notAfter - notBefore > MAX_CERTIFICATE_WINDOW_MS) return `window ${b.notBefore}..${b.notAfter} is longer than one hour`;
  if (Date.parse(r.at) > notAfter) return `certificate written at ${r.at}, after its window ended (${b.notAfter})`;
  let key: KeyObject;
  try {
    if (typeof b.spki !== 'string' || Buffer.from(b.spki, 'base64').toString('base64') !== b.spki) throw new Error('not base64');
    key = createPublicKey({ key: Buffer.from(b.spki, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return 'spki is not base64 SPKI DER of a public key';
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return 'spki is not a P-256 key';
  if (keyIdOf(key) !== b.keyId) return `spki's id is ${keyIdOf(key)}, not ${b.keyId}`;
  return { keyId: b.keyId, key, notBefore, notAfter, function: b.function, certifiedBy: b.certifiedBy, seq: r.seq };
}

/**
 * Whether the key `keyId` may sign a record of `type` at `at`: a root key may sign anything; a
 * certified key only inside its window and only its function's record types. Null when it may;
 * otherwise the problem, each with its own reason.
 *
 * @example
 * const problem = signingKeyProblem(roots, certs, record.sig.keyId, record.at, record.type);
 */
export function signingKeyProblem(roots: ReadonlyMap<string, unknown>, certs: CertifiedKeys, keyId: string, at: string, type: RecordType): LinkProblem | null {
  if (roots.has(keyId)) return null;
  const cert = certs.certified.get(keyId);
  if (cert === undefined) {
    const why = certs.rejected.has(keyId) ? 'its certificate does not verify (see the certificates)' : 'no certificate for it is signed by a trusted key';
    return { reason: 'uncertified_key', message: `signed by key ${keyId}, which is not a trusted key, and ${why}` };
  }
  const t = Date.parse(at);
  if (t < cert.notBefore || t > cert.notAfter) {
    return {
      reason: 'key_outside_window',
      message: `at ${at} lies outside the window ${new Date(cert.notBefore).toISOString()}..${new Date(cert.notAfter).toISOString()} of key ${keyId} (certificate seq ${cert.seq})`,
    };
  }
  const allowed = FUNCTION_RECORD_TYPES[cert.function] ?? [];
  if (!allowed.includes(type)) {
    return { reason: 'key_wrong_function', message: `key ${keyId} is certified for function ${JSON.stringify(cert.function)}, which does not sign ${type} records` };
  }
  return null;
}
