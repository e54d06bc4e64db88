/** The session record of docs/interfaces.md: exactly these ten fields. */

export type RecordType =
  | 'query.requested'
  | 'query.denied'
  | 'approval.requested'
  | 'approval.granted'
  | 'approval.rejected'
  /** A click that did not count (self-approval, not an approver, changed SQL, closed request, …). */
  | 'approval.refused'
  | 'approval.expired'
  | 'query.executed'
  | 'query.failed'
  | 'key.certified'
  /** Refused over a per-identity quota before anything was requested or run. */
  | 'query.throttled'
  | 'query.reconciled'
  /** One finding of the scheduled reconcile, in the `system/reconcile` chain (shared/reconcile/record-findings.ts). */
  | 'reconcile.finding';

/**
 * The dedicated chain of key certificates (`key.certified` records, each signed by a root key:
 * KMS in AWS, the file key locally). The `/` keeps it out of reach of agent session ids
 * (`^[A-Za-z0-9_-]{1,64}$`), so no request can append to it.
 */
export const KEY_CHAIN_SESSION = 'system/keys';

export interface Actor {
  kind: 'agent' | 'approver' | 'system';
  iss?: string;
  sub?: string;
  email?: string;
  groups?: string[];
  act?: { sub: string; iss?: string };
  slackUserId?: string;
}

export interface Signature {
  keyId: string;
  alg: 'ECDSA_SHA_256';
  /** base64 DER ECDSA signature over the 32 raw bytes of `hash`. */
  value: string;
}

/** A record before hashing and signing. */
export interface UnsignedRecord {
  sessionId: string;
  seq: number;
  requestId: string;
  type: RecordType;
  at: string;
  actor: Actor;
  body: Record<string, unknown>;
  prevHash: string;
}

export interface SessionRecord extends UnsignedRecord {
  hash: string;
  sig: Signature;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Every record type, for validating parsed records. */
export const RECORD_TYPES: readonly RecordType[] = [
  'query.requested',
  'query.denied',
  'approval.requested',
  'approval.granted',
  'approval.rejected',
  'approval.refused',
  'approval.expired',
  'query.executed',
  'query.failed',
  'key.certified',
  'query.throttled',
  'query.reconciled',
  'reconcile.finding',
];

/** Types that end a request: after one of these, nothing more happens to it. */
export const TERMINAL_RECORD_TYPES: readonly RecordType[] = [
  'query.executed',
  'query.failed',
  // Written by `airlock reconcile`: Snowflake's own account of a request whose outcome was unknown.
  'query.reconciled',
  'query.denied',
  'approval.rejected',
  'approval.expired',
  'query.throttled',
];
