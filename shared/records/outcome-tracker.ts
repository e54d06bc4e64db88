import type { OutcomeFinding } from './outcome-findings.js';
import { TERMINAL_RECORD_TYPES, type SessionRecord } from './types.js';

interface Open {
  sessionId: string;
  requestId: string;
  requestedSeq: number | null;
  approvalRequested: boolean;
  quorum: boolean;
}

/**
 * `findOutcomeFindings`, one record at a time, holding only requests that have not ended:
 * a streaming verifier keeps constant memory however long the export.
 *
 * @example
 * const t = new OutcomeTracker();
 * for (const r of records) t.push(r);
 * t.findings(); // outcome_unknown / pending_approval
 */
export class OutcomeTracker {
  readonly #open = new Map<string, Open>();

  push(r: Pick<SessionRecord, 'sessionId' | 'seq' | 'requestId' | 'type' | 'body'>): void {
    const key = `${r.sessionId}\u0000${r.requestId}`;
    if (TERMINAL_RECORD_TYPES.includes(r.type)) {
      this.#open.delete(key);
      return;
    }
    let t = this.#open.get(key);
    if (t === undefined) {
      t = { sessionId: r.sessionId, requestId: r.requestId, requestedSeq: null, approvalRequested: false, quorum: false };
      this.#open.set(key, t);
    }
    if (r.type === 'query.requested') t.requestedSeq ??= r.seq;
    else if (r.type === 'approval.requested') t.approvalRequested = true;
    else if (r.type === 'approval.granted') {
      const { votesFor, approvalsRequired } = r.body;
      if (typeof votesFor === 'number' && typeof approvalsRequired === 'number' && votesFor >= approvalsRequired) t.quorum = true;
    }
  }

  /** Requests of `sessionId` still open, then forgets them (call when a session's records end). */
  closeSession(sessionId: string): OutcomeFinding[] {
    const out: OutcomeFinding[] = [];
    for (const [key, t] of this.#open) {
      if (t.sessionId !== sessionId) continue;
      this.#open.delete(key);
      if (t.requestedSeq === null) continue;
      const waiting = t.approvalRequested && !t.quorum;
      out.push({
        kind: waiting ? 'pending_approval' : 'outcome_unknown',
        sessionId: t.sessionId,
        requestId: t.requestId,
        seq: t.requestedSeq,
        message: waiting
          ? `request ${t.requestId} is waiting for approval (no decision or expiry recorded)`
          : `request ${t.requestId} has no outcome record: it may or may not have run`,
      });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Every session still tracked. */
  sessions(): string[] {
    return [...new Set([...this.#open.values()].map((t) => t.sessionId))];
  }
}
