import type { ChainVerification } from '#shared/records/verify-chain.js';
import type { Approver } from '#shared/policy/policy.js';
import { rowKeys } from '#shared/use-cases/result-shape.js';
import { knownLabel, labelOf, nameOfEmail, peopleOf, type People } from './people.js';

interface Rec {
  seq: number;
  requestId: string;
  type: string;
  at: string;
  actor: { kind: string; sub?: string; email?: string; slackUserId?: string };
  body: Record<string, any>;
}

const PREVIEW_ROWS = 5;

/** The actor by name and email (the text transcript is for engineers: a voter's Slack id follows in brackets). */
function who(actor: Rec['actor'], people: People): string {
  if (actor.kind === 'system') return 'airlock';
  if (actor.slackUserId !== undefined) return `${actor.kind} ${slackPerson(people, actor.slackUserId, actor.email)}`;
  const name = labelOf(actor.email === undefined ? undefined : nameOfEmail(people, actor.email), actor.email) ?? actor.sub ?? '?';
  return `${actor.kind} ${name}`;
}

/** "Name (email) [Slack U…]", or "Slack user U…" when the id is all that is known. */
function slackPerson(people: People, slackUserId: string, email?: string): string {
  const label = knownLabel(people, slackUserId, email);
  return label === undefined ? `Slack user ${slackUserId}` : `${label} [Slack ${slackUserId}]`;
}

function indent(text: string, prefix = '      '): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cells = rows.slice(0, PREVIEW_ROWS).map((r) => columns.map((c) => truncate(r[c] === null || r[c] === undefined ? 'NULL' : typeof r[c] === 'object' ? JSON.stringify(r[c]) : String(r[c]), 40)));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ');
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)].join('\n');
}

function truncate(s: string, n: number): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}

function describe(r: Rec, people: People): string[] {
  const b = r.body;
  switch (r.type) {
    case 'query.requested': {
      const out = [`prompt:   ${truncate(String(b['prompt']), 200)}`, 'sql:', indent(String(b['sql']), '      | '), `risk:     ${b['risk']} → ${b['decision']?.outcome}${b['decision']?.approvalsRequired ? ` (${b['decision'].approvalsRequired} approval(s))` : ''}`];
      for (const reason of (b['reasons'] ?? []) as Array<{ code: string; message: string }>) out.push(`reason:   [${reason.code}] ${reason.message}`);
      return out;
    }
    case 'query.executed': {
      // Records hold rows as canonical JSON (keys sorted); show them in the query's column order.
      const keys = rowKeys((b['columns'] ?? []) as Array<{ name: string }>);
      const rows = (b['rows'] ?? []) as Array<Record<string, unknown>>;
      const masked = ((b['masked'] ?? []) as Array<{ column: string; rule: string; cells: number }>).map((m) => `${m.column} (${m.rule}, ${m.cells})`).join(', ');
      const out = [`ran on ${b['warehouse']} in ${b['durationMs']} ms, query id ${b['queryId']}; ${b['rowCount']} row(s)${b['truncated'] ? ', truncated' : ''}`];
      if (masked) out.push(`masked:   ${masked}`);
      if (rows.length > 0) out.push(indent(table(rows, keys)));
      if (rows.length > PREVIEW_ROWS) out.push(`      … ${rows.length - PREVIEW_ROWS} more row(s) in the record`);
      return out;
    }
    case 'query.failed':
      return [`failed:   ${b['error']?.code}: ${truncate(String(b['error']?.message), 300)}`];
    case 'query.reconciled':
      return [`reconciled from Snowflake's ${b['source']}: query id ${b['queryId']} ended ${b['status']} at ${b['endTime']}, ${b['rowCount'] ?? '?'} row(s)${b['errorCode'] ? `, error ${b['errorCode']}` : ''}`];
    case 'query.denied':
      return ((b['reasons'] ?? []) as Array<{ code: string; message: string }>).map((x) => `denied:   [${x.code}] ${x.message}`);
    case 'approval.requested':
      return [`needs ${b['approvalsRequired']} approval(s) from ${((b['approvers'] ?? []) as string[]).map((id) => slackPerson(people, id)).join(', ')} by ${b['expiresAt']}`];
    case 'approval.granted':
    case 'approval.rejected':
      return [`${r.type === 'approval.granted' ? 'approved' : 'rejected'} (${b['votesFor']}/${b['approvalsRequired']})${b['reason'] ? `: ${b['reason']}` : ''}`];
    case 'approval.refused':
      return [`refused click (${b['vote']}, did not count): ${b['code']}: ${b['message']}${b['suppressedBefore'] ? ` (+${b['suppressedBefore']} more within a minute)` : ''}`];
    default:
      return [];
  }
}

/**
 * A readable transcript of one session's records, with the chain verdict last. `approvers` (the
 * policy's list) names the approvers a request waits for who have not voted (see `peopleOf`).
 */
export function renderTranscript(lines: string[], verdict: ChainVerification, keyIds: string[], opts: { approvers?: readonly Approver[] } = {}): string {
  const out: string[] = [];
  const first = JSON.parse(lines[0] as string) as Rec & { sessionId: string };
  const people = peopleOf(lines.map((l) => (JSON.parse(l) as Rec).actor), opts.approvers);
  out.push(`Session ${first.sessionId}: ${lines.length} record(s)`, '');
  for (const line of lines) {
    const r = JSON.parse(line) as Rec;
    out.push(`#${r.seq}  ${r.at}  ${r.type}  by ${who(r.actor, people)}  [request ${r.requestId}]`);
    for (const d of describe(r, people)) out.push(indent(d, '    '));
    out.push('');
  }
  for (const f of verdict.findings) out.push(`finding: ${f.message ?? JSON.stringify(f)}`);
  if (verdict.ok) out.push(`Chain verifies: ${verdict.records} record(s), hashes, links and signatures hold (key ${keyIds.join(', ')}).`);
  else out.push(`Chain does NOT verify: session ${verdict.failure?.sessionId} seq ${verdict.failure?.seq}: ${verdict.failure?.reason}: ${verdict.failure?.message}`);
  return `${out.join('\n')}\n`;
}

// The HTML page is its own module (timeline, styles, escaping); re-exported so callers keep one import.
export { renderTranscriptHtml } from './transcript-html.js';
