import type { ChainVerification } from '#shared/records/verify-chain.js';
import { rowKeys } from '#shared/use-cases/result-shape.js';

interface Rec {
  seq: number;
  requestId: string;
  type: string;
  at: string;
  actor: { kind: string; sub?: string; email?: string; slackUserId?: string };
  body: Record<string, any>;
}

const PREVIEW_ROWS = 5;

function who(actor: Rec['actor']): string {
  if (actor.kind === 'system') return 'airlock';
  const name = actor.email ?? actor.sub ?? actor.slackUserId ?? '?';
  return `${actor.kind} ${name}${actor.slackUserId && actor.email ? ` (${actor.slackUserId})` : ''}`;
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

function describe(r: Rec): string[] {
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
      return [`needs ${b['approvalsRequired']} approval(s) from ${(b['approvers'] ?? []).join(', ')} by ${b['expiresAt']}`];
    case 'approval.granted':
    case 'approval.rejected':
      return [`${r.type === 'approval.granted' ? 'approved' : 'rejected'} (${b['votesFor']}/${b['approvalsRequired']})${b['reason'] ? `: ${b['reason']}` : ''}`];
    case 'approval.refused':
      return [`refused click (${b['vote']}, did not count): ${b['code']}: ${b['message']}${b['suppressedBefore'] ? ` (+${b['suppressedBefore']} more within a minute)` : ''}`];
    default:
      return [];
  }
}

/** A readable transcript of one session's records, with the chain verdict last. */
export function renderTranscript(lines: string[], verdict: ChainVerification, keyIds: string[]): string {
  const out: string[] = [];
  const first = JSON.parse(lines[0] as string) as Rec & { sessionId: string };
  out.push(`Session ${first.sessionId}: ${lines.length} record(s)`, '');
  for (const line of lines) {
    const r = JSON.parse(line) as Rec;
    out.push(`#${r.seq}  ${r.at}  ${r.type}  by ${who(r.actor)}  [request ${r.requestId}]`);
    for (const d of describe(r)) out.push(indent(d, '    '));
    out.push('');
  }
  for (const f of verdict.findings) out.push(`finding: ${f.message ?? JSON.stringify(f)}`);
  if (verdict.ok) out.push(`Chain verifies: ${verdict.records} record(s), hashes, links and signatures hold (key ${keyIds.join(', ')}).`);
  else out.push(`Chain does NOT verify: session ${verdict.failure?.sessionId} seq ${verdict.failure?.seq}: ${verdict.failure?.reason}: ${verdict.failure?.message}`);
  return `${out.join('\n')}\n`;
}

// The HTML page is its own module (timeline, styles, escaping); re-exported so callers keep one import.
export { renderTranscriptHtml } from './transcript-html.js';
