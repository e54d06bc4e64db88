import type { Risk } from '../sql/types.js';
import type { StoredOutcome } from './query-outcome.js';

export type RequestStatus =
  | 'pending_approval'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'executed'
  | 'failed'
  | 'denied'
  | 'running'
  | 'outcome_unknown';

export interface Vote {
  slackUserId: string;
  email?: string;
  vote: 'approve' | 'deny';
  at: string;
  /** The reason the approver gave (a denial's reason is shown to the requester). */
  reason?: string;
  /**
   * Every identity of the voter, normalised (emails from the policy and the Slack profile, IdP
   * `iss#sub`): one person with two Slack accounts still counts once.
   */
  identities?: string[];
}

/** State of one request (the requests table). The `response` is exactly what the agent was answered (masked). */
export interface RequestItem {
  requestId: string;
  sessionId: string;
  /** identityKey(principal) of the requester. */
  owner: string;
  status: RequestStatus;
  risk: Risk;
  sql: string;
  sqlHash: string;
  prompt: string;
  createdAt: string;
  approvalsRequired: number;
  approvers?: string[];
  votes: Vote[];
  expiresAt?: string;
  /** seq of the query.requested record. */
  requestedSeq: number;
  /** HTTP status and JSON body that were answered, once final. */
  httpStatus?: number;
  response?: StoredOutcome;
  /** Approval workflow: the notify task's token (`$$.Task.Token`), so a vote can resume the wait. */
  taskToken?: string;
  /** Approval workflow: the approval message (Slack channel + ts), so it is posted once and updated in place. */
  message?: { channel: string; ts: string };
  /** Approval workflow: when the request was approved, rejected or expired. */
  decidedAt?: string;
  /** When the request was claimed `running` (its statement sent); recovery reads it to tell a dead execution from a slow one. */
  runningSince?: string;
  /**
   * Approval workflow: the request is listed in its requester's Slack digest (beyond the burst),
   * not in a message of its own; `message` is then the digest's message. The digest's document key.
   */
  digest?: string;
}

/** One member to add to a bounded set of a counter item (approval caps, Slack bursts). */
export interface SlotClaim {
  /** The set's name on the counter item. */
  set: string;
  /** What is counted (one per request: adding it twice counts once). */
  member: string;
  /** The set may hold at most this many members. */
  max: number;
}

/** A small JSON document with a version, written compare-and-swap (the Slack digest of one identity). */
export interface VersionedDoc {
  version: number;
  value: unknown;
}

export interface SessionOwner {
  sessionId: string;
  owner: string;
  createdAt: string;
}

export interface IdempotencyEntry {
  /** identityKey + ':' + client key */
  key: string;
  bodyHash: string;
  requestId: string;
}

/**
 * Mutable request state beside the immutable records: status, votes, the final
 * answer, session ownership and idempotency keys. Conditional writes only.
 *
 * @example
 * const won = await requests.claimSession({ sessionId, owner, createdAt }); // false if another identity owns it
 */
export interface RequestStore {
  /** Creates the session's owner row if absent; returns the owner on record (the caller's or an earlier one). */
  claimSession(s: SessionOwner): Promise<SessionOwner>;
  getSession(sessionId: string): Promise<SessionOwner | null>;
  /** Stores the idempotency entry if absent; returns the existing one otherwise. */
  claimIdempotency(e: IdempotencyEntry): Promise<IdempotencyEntry>;
  /** Removes an idempotency entry whose request never got recorded (so a retry can go through). */
  releaseIdempotency(key: string): Promise<void>;
  put(item: RequestItem): Promise<void>;
  get(requestId: string): Promise<RequestItem | null>;
  /** Several requests in one round trip (DynamoDB BatchGetItem, strongly consistent), in the order asked, unknown ids left out. */
  getMany(requestIds: readonly string[]): Promise<RequestItem[]>;
  /** Conditional update: applies `patch` only when the current status is one of `from`. Returns false otherwise. */
  transition(requestId: string, from: RequestStatus[], patch: Partial<RequestItem>): Promise<boolean>;
  /**
   * Compare-and-swap on the votes: applies `patch` only when the status is one of `from` AND the
   * stored votes equal `expectedVotes` (the list the caller read). Returns false otherwise, and the
   * caller re-reads and retries. Two simultaneous votes therefore cannot both add themselves to the
   * same list, and only one of them can be the vote that moves the request to `approved`.
   */
  transitionVotes(requestId: string, from: RequestStatus[], expectedVotes: Vote[], patch: Partial<RequestItem>): Promise<boolean>;
  /** Requests in a status (e.g. every `pending_approval` one on restart). */
  listByStatus(status: RequestStatus): Promise<RequestItem[]>;
  /**
   * One atomic conditional write across processes: adds every claim's member to its set on the
   * counter item `key`, but only if each set then holds at most its `max` (a member already in its
   * set counts once: a retry never counts twice). True when every member is in its set afterwards;
   * false (nothing written) when a set is full.
   */
  claimSlots(key: string, claims: SlotClaim[]): Promise<boolean>;
  /** The counter item's sets (empty when it does not exist). */
  listSlots(key: string): Promise<Record<string, string[]>>;
  /** Removes `members` from the set (absent ones are ignored: idempotent). */
  releaseSlots(key: string, set: string, members: string[]): Promise<void>;
  /** The document under `key`, or null. */
  getDoc(key: string): Promise<VersionedDoc | null>;
  /** Writes the document (version `expected + 1`, or 1 when `expected` is null and it is absent) only if its version is still `expected`; false otherwise. */
  putDoc(key: string, value: unknown, expected: number | null): Promise<boolean>;
}
