/**
 * The load test's request mix: a deterministic plan (request i → kind, session, body), and for
 * each kind the HTTP status it must get and how many records it must leave in its session's chain.
 */

export type LoadKind = 'read' | 'write-approve' | 'write-deny' | 'blocked' | 'bad-token' | 'invalid-sql' | 'poll-session';

export interface PlannedRequest {
  index: number;
  kind: LoadKind;
  /** The identity (token `sub`) that owns the session. */
  agent: number;
  sessionId: string;
  sql?: string;
}

/** Share of each kind out of 100, in plan order. */
export const MIX: ReadonlyArray<[LoadKind, number]> = [
  ['read', 52],
  ['write-approve', 10],
  ['write-deny', 6],
  ['blocked', 10],
  ['bad-token', 10],
  ['invalid-sql', 6],
  ['poll-session', 6],
];

const READS = [
  'SELECT id, name, email, phone FROM customers ORDER BY id LIMIT 5',
  'SELECT status, count(*) AS n, sum(amount) AS total FROM orders GROUP BY status ORDER BY status',
  'SELECT * FROM products ORDER BY id LIMIT 10',
  'SELECT id, subject, body FROM support_tickets ORDER BY id LIMIT 3',
  'SELECT c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id LIMIT 8',
];
// Blocked by RISK-RULES B1/B3: denied whatever the approvers think.
const BLOCKED = ['DROP DATABASE analytics', 'GRANT SELECT ON TABLE customers TO ROLE PUBLIC'];
// Nothing to run: `invalid` (400, not recorded).
const INVALID = ['-- only a comment', '/* nothing */ ;'];

export const AGENTS = 5;

function kindAt(index: number): LoadKind {
  let slot = (index * 37) % 100; // spreads the kinds evenly over time
  for (const [kind, share] of MIX) {
    if (slot < share) return kind;
    slot -= share;
  }
  return 'read';
}

/** Request i goes to session i mod `sessions`; session s belongs to agent s mod AGENTS. */
export function plan(total: number, sessions: number, runId: string): PlannedRequest[] {
  return Array.from({ length: total }, (_, index) => {
    const session = index % sessions;
    const kind = kindAt(index);
    const base = { index, kind, agent: session % AGENTS, sessionId: `load-${runId}-${String(session).padStart(2, '0')}` };
    switch (kind) {
      case 'read':
        return { ...base, sql: READS[index % READS.length]! };
      case 'write-approve':
      case 'write-deny':
        // A write that needs one approval and touches no row, so approved writes never conflict.
        return { ...base, sql: `DELETE FROM orders WHERE id = -${index + 1}` };
      case 'blocked':
        return { ...base, sql: BLOCKED[index % BLOCKED.length]! };
      case 'invalid-sql':
        return { ...base, sql: INVALID[index % INVALID.length]! };
      default:
        return base;
    }
  });
}

/** What each kind must be answered on submission. */
export const EXPECTED_STATUS: Record<LoadKind, number> = {
  read: 200,
  'write-approve': 202,
  'write-deny': 202,
  blocked: 403,
  'bad-token': 401,
  'invalid-sql': 400,
  'poll-session': 200,
};

/**
 * Records a request leaves once it is over: requested + executed/failed (read); requested +
 * approval.requested + approval.granted + executed/failed (approved write); requested +
 * approval.requested + approval.rejected (denied write); requested + denied (blocked); none otherwise.
 */
export const EXPECTED_RECORDS: Record<LoadKind, number> = {
  read: 2,
  'write-approve': 4,
  'write-deny': 3,
  blocked: 2,
  'bad-token': 0,
  'invalid-sql': 0,
  'poll-session': 0,
};

/** The final request status (GET /v1/queries/{id}) an approval request must reach. */
export const FINAL_STATUS: Partial<Record<LoadKind, string>> = { 'write-approve': 'executed', 'write-deny': 'rejected' };
