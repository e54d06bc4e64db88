import type { OutcomeFinding } from './outcome-findings.js';
import { TERMINAL_RECORD_TYPES, type SessionRecord } from './types.js';

interface Open {
  sessionId: string;
  requestId: string;
  requestedSeq: number | null;
  approvalRequested: boolean;
  quorum: boolean;
}

/** What the votes of one approval request say, to catch a chain that contradicts itself. */
interface Votes {
  sessionId: string;
  requestId: string;
  requestedSeq: number;
  required: number;
  granted: Set<string>;
  rejected: boolean;
  executedSeq: number | null;
}

type Pushed = Pick<SessionRecord, 'sessionId' | 'seq' | 'requestId' | 'type' | 'body'> & Partial<Pick<SessionRecord, 'actor'>>;

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
  readonly #votes = new Map<string, Votes>();
  readonly #contradictions: OutcomeFinding[] = [];

  push(r: Pushed): void {
    const key = `${r.sessionId}\u0000${r.requestId}`;
    this.#checkVotes(key, r);
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

  /**
   * Counted votes per approval request: `query.executed` with a counted rejection on record (before
   * or after it), or with fewer grants from distinct approvers than required, is a contradiction.
   */
  #checkVotes(key: string, r: Pushed): void {
    if (r.type === 'approval.requested') {
      const required = typeof r.body['approvalsRequired'] === 'number' ? r.body['approvalsRequired'] : 1;
      const requestedSeq = this.#open.get(key)?.requestedSeq ?? r.seq;
      this.#votes.set(key, { sessionId: r.sessionId, requestId: r.requestId, requestedSeq, required, granted: new Set(), rejected: false, executedSeq: null });
      return;
    }
    const v = this.#votes.get(key);
    if (v === undefined) return;
    const who = r.actor?.slackUserId ?? r.actor?.email ?? `seq ${r.seq}`;
    if (r.type === 'approval.granted' && v.executedSeq === null) v.granted.add(who);
    else if (r.type === 'approval.rejected') {
      v.rejected = true;
      if (v.executedSeq !== null) this.#contradict(v, `request ${v.requestId} was executed (seq ${v.executedSeq}) but a counted approval.rejected by ${who} is on record (seq ${r.seq})`);
    } else if (r.type === 'query.executed' && v.executedSeq === null) {
      v.executedSeq = r.seq;
      if (v.rejected) this.#contradict(v, `request ${v.requestId} was executed (seq ${r.seq}) although a counted approval.rejected is on record`);
      if (v.granted.size < v.required) {
        this.#contradict(v, `request ${v.requestId} was executed (seq ${r.seq}) with ${v.granted.size} counted approval(s) from distinct approvers; ${v.required} required`);
      }
    }
  }

  #contradict(v: Votes, message: string): void {
    this.#contradictions.push({ kind: 'approval_contradiction', sessionId: v.sessionId, requestId: v.requestId, seq: v.requestedSeq, message });
  }

  /** Requests of `sessionId` still open, then forgets them (call when a session's records end). */
  closeSession(sessionId: string): OutcomeFinding[] {
    const out: OutcomeFinding[] = [];
    for (const [key, v] of this.#votes) if (v.sessionId === sessionId) this.#votes.delete(key);
    for (let i = this.#contradictions.length - 1; i >= 0; i--) {
      const c = this.#contradictions[i];
      if (c !== undefined && c.sessionId === sessionId) {
        out.push(c);
        this.#contradictions.splice(i, 1);
      }
    }
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
