import type { Risk } from '../sql/types.js';

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
  response?: unknown;
  /** Approval workflow: the notify task's token (`$$.Task.Token`), so a vote can resume the wait. */
  taskToken?: string;
  /** Approval workflow: the approval message (Slack channel + ts), so it is posted once and updated in place. */
  message?: { channel: string; ts: string };
  /** Approval workflow: when the request was approved, rejected or expired. */
  decidedAt?: string;
  /** When the request was claimed `running` (its statement sent); recovery reads it to tell a dead execution from a slow one. */
  runningSince?: string;
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
}
