import { TERMINAL_RECORD_TYPES, type SessionRecord } from './types.js';

/**
 * Something an auditor should know that is not a broken chain:
 * - `outcome_unknown`: a request was recorded (`query.requested`) but no record says how it
 *   ended, and it was not waiting for votes — the process died between running the
 *   statement and recording the outcome, so it may or may not have run.
 * - `pending_approval`: `approval.requested` without a quorum and without an end: still
 *   waiting (or its expiry was never recorded).
 */
export interface OutcomeFinding {
  kind: 'outcome_unknown' | 'pending_approval';
  sessionId: string;
  requestId: string;
  /** seq of the request's `query.requested` record. */
  seq: number;
  message: string;
}

interface RequestTrack {
  sessionId: string;
  requestId: string;
  requestedSeq: number | null;
  approvalRequested: boolean;
  quorum: boolean;
  ended: boolean;
}

type RecordLike = Pick<SessionRecord, 'sessionId' | 'seq' | 'requestId' | 'type' | 'body'>;

function reachedQuorum(body: Record<string, unknown>): boolean {
  const votes = body.votesFor;
  const required = body.approvalsRequired;
  return typeof votes === 'number' && typeof required === 'number' && votes >= required;
}

/**
 * Requests whose outcome the records do not show. Shared by `verifyChain` (and so by
 * `replay` and `verify`) so the CLI and the API agree on what "outcome unknown" means.
 *
 * @example
 * findOutcomeFindings(records).filter((f) => f.kind === 'outcome_unknown');
 */
export function findOutcomeFindings(records: Iterable<RecordLike>): OutcomeFinding[] {
  const tracks = new Map<string, RequestTrack>();
  for (const r of records) {
    const key = `${r.sessionId}\u0000${r.requestId}`;
    let t = tracks.get(key);
    if (t === undefined) {
      t = { sessionId: r.sessionId, requestId: r.requestId, requestedSeq: null, approvalRequested: false, quorum: false, ended: false };
      tracks.set(key, t);
    }
    if (r.type === 'query.requested') t.requestedSeq ??= r.seq;
    else if (r.type === 'approval.requested') t.approvalRequested = true;
    else if (r.type === 'approval.granted' && reachedQuorum(r.body)) t.quorum = true;
    if (TERMINAL_RECORD_TYPES.includes(r.type)) t.ended = true;
  }
  const findings: OutcomeFinding[] = [];
  for (const t of tracks.values()) {
    if (t.requestedSeq === null || t.ended) continue;
    const waiting = t.approvalRequested && !t.quorum;
    findings.push({
      kind: waiting ? 'pending_approval' : 'outcome_unknown',
      sessionId: t.sessionId,
      requestId: t.requestId,
      seq: t.requestedSeq,
      message: waiting
        ? `request ${t.requestId} is waiting for approval (no decision or expiry recorded)`
        : `request ${t.requestId} has no outcome record: it may or may not have run`,
    });
  }
  return findings;
}
