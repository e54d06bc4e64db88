import { OutcomeTracker } from './outcome-tracker.js';
import type { SessionRecord } from './types.js';

/**
 * Something an auditor should know that is not a broken chain:
 * - `outcome_unknown`: a request was recorded (`query.requested`) but no record says how it
 *   ended, and it was not waiting for votes — the process died between running the
 *   statement and recording the outcome, so it may or may not have run.
 * - `pending_approval`: `approval.requested` without a quorum and without an end: still
 *   waiting (or its expiry was never recorded).
 * - `approval_contradiction`: the request's records contradict each other — it was executed
 *   although a counted `approval.rejected` is on record, or with fewer counted grants from
 *   distinct approvers than its `approval.requested` required.
 */
export interface OutcomeFinding {
  kind: 'outcome_unknown' | 'pending_approval' | 'approval_contradiction';
  sessionId: string;
  requestId: string;
  /** seq of the request's `query.requested` record. */
  seq: number;
  message: string;
}

type RecordLike = Pick<SessionRecord, 'sessionId' | 'seq' | 'requestId' | 'type' | 'body'> & Partial<Pick<SessionRecord, 'actor'>>;

/**
 * Requests whose outcome the records do not show. Shared by `verifyChain` (and so by
 * `replay` and `verify`) so the CLI and the API agree on what "outcome unknown" means.
 *
 * @example
 * findOutcomeFindings(records).filter((f) => f.kind === 'outcome_unknown');
 */
export function findOutcomeFindings(records: Iterable<RecordLike>): OutcomeFinding[] {
  // One definition of "open request" for batch and streaming verification alike.
  const tracker = new OutcomeTracker();
  const sessions: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    tracker.push(r);
    if (!seen.has(r.sessionId)) {
      seen.add(r.sessionId);
      sessions.push(r.sessionId);
    }
  }
  return sessions.flatMap((s) => tracker.closeSession(s));
}
