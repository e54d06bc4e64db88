import type { SessionRecord } from '../records/types.js';
import { csvRow } from './csv.js';

/** The header of requests.csv (docs/interfaces.md "Export layout"). */
export const REQUESTS_CSV_HEADER = ['at', 'requestId', 'sessionId', 'iss', 'sub', 'email', 'prompt', 'sql', 'risk', 'decision', 'approvers', 'status', 'rowCount', 'queryId'] as const;

interface Row {
  seq: number;
  at: string;
  requestId: string;
  sessionId: string;
  iss: string;
  sub: string;
  email: string;
  prompt: string;
  sql: string;
  risk: string;
  decision: string;
  approvers: string[];
  approvalRequested: boolean;
  quorum: boolean;
  status: string | null;
  rowCount: number | null;
  queryId: string;
}

const STATUS_BY_TYPE: Partial<Record<SessionRecord['type'], string>> = {
  'query.denied': 'denied',
  'approval.rejected': 'rejected',
  'approval.expired': 'expired',
  'query.executed': 'executed',
  'query.failed': 'failed',
  'query.reconciled': 'reconciled',
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Builds requests.csv one session at a time: records go in with `push`, and `endSession`
 * returns that session's rows (one per request, in order of its `query.requested`), so only
 * one session's requests are ever held.
 *
 * @example
 * const rows = new RequestRows();
 * for (const r of sessionRecords) rows.push(r);
 * out.write(rows.endSession());
 */
export class RequestRows {
  #rows = new Map<string, Row>();

  push(r: SessionRecord): void {
    const b = r.body;
    let row = this.#rows.get(r.requestId);
    if (row === undefined) {
      row = {
        seq: r.seq, at: r.at, requestId: r.requestId, sessionId: r.sessionId, iss: '', sub: '', email: '', prompt: '', sql: '', risk: '', decision: '',
        approvers: [], approvalRequested: false, quorum: false, status: null, rowCount: null, queryId: '',
      };
      this.#rows.set(r.requestId, row);
    }
    if (r.type === 'query.requested') {
      Object.assign(row, { seq: r.seq, at: r.at, iss: r.actor.iss ?? '', sub: r.actor.sub ?? '', email: r.actor.email ?? '', prompt: str(b.prompt), sql: str(b.sql), risk: str(b.risk) });
      row.decision = str((b.decision as { outcome?: unknown } | undefined)?.outcome);
    } else if (r.type === 'approval.requested') row.approvalRequested = true;
    else if (r.type === 'approval.granted') {
      row.approvers.push(r.actor.email ?? r.actor.slackUserId ?? r.actor.sub ?? '?');
      if (typeof b.votesFor === 'number' && typeof b.approvalsRequired === 'number' && b.votesFor >= b.approvalsRequired) row.quorum = true;
    }
    const status = STATUS_BY_TYPE[r.type];
    if (status !== undefined) row.status = status;
    if (r.type === 'query.executed' && typeof b.rowCount === 'number') row.rowCount = b.rowCount;
    if (r.type === 'query.reconciled' && typeof b.rowCount === 'number') row.rowCount = b.rowCount;
    if ((r.type === 'query.executed' || r.type === 'query.failed' || r.type === 'query.reconciled') && typeof b.queryId === 'string') row.queryId = b.queryId;
  }

  /** CSV lines for the session's requests, then forgets them. */
  endSession(): string {
    const rows = [...this.#rows.values()].sort((a, b) => a.seq - b.seq);
    this.#rows = new Map();
    return rows
      .map((r) => {
        // Same reading as the verifier's findings: no end record means pending (no quorum yet) or unknown.
        const status = r.status ?? (r.approvalRequested && !r.quorum ? 'pending_approval' : 'outcome_unknown');
        return csvRow([r.at, r.requestId, r.sessionId, r.iss, r.sub, r.email, r.prompt, r.sql, r.risk, r.decision, r.approvers.join('; '), status, r.rowCount, r.queryId]);
      })
      .join('');
  }
}
