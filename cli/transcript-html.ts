import type { ChainVerification } from '#shared/records/verify-chain.js';
import type { Approver } from '#shared/policy/policy.js';
import { rowKeys } from '#shared/use-cases/result-shape.js';
import { labelOf, nameOfEmail, peopleOf, personLabel, type People } from './people.js';

interface Rec {
  sessionId: string;
  seq: number;
  requestId: string;
  type: string;
  at: string;
  actor: { kind: string; sub?: string; email?: string; slackUserId?: string; act?: { sub?: string } };
  body: Record<string, any>;
  hash: string;
  sig: { keyId: string };
}

const MAX_ROWS = 100;

/** Escapes text for HTML content and attribute values; every value from a record goes through it. */
export function esc(value: unknown): string {
  const s = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return s.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const RISK_WORDS: Record<string, string> = {
  read: 'reads data only',
  write: 'changes data',
  privileged: 'changes structure or permissions',
  blocked: 'never allowed',
  invalid: 'not valid SQL',
};

const DECISION_WORDS: Record<string, string> = { allow: 'ran at once', approval: 'needed human approval', deny: 'refused' };

function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

/** Who the Slack ids of the page being rendered are (set per render; see `peopleOf`). */
let people: People = new Map();

function person(slackUserId: string): string {
  return personLabel(people, slackUserId);
}

/** A person by name and email (else subject); an agent acting for a person as "agent X, acting for Y". */
function who(a: Rec['actor']): string {
  if (a.kind === 'system') return 'Airlock';
  const name =
    a.slackUserId !== undefined
      ? personLabel(people, a.slackUserId, a.email)
      : (labelOf(a.email === undefined ? undefined : nameOfEmail(people, a.email), a.email) ?? a.sub ?? 'unknown');
  return a.act?.sub ? `agent ${a.act.sub}, acting for ${name}` : name;
}

/** Where the statement ran, in plain words. */
const WAREHOUSE_WORDS: Record<string, string> = { duckdb: 'the local demo database (DuckDB)', snowflake: 'Snowflake' };

/** A reason's message without the policy citation, which becomes the tooltip with the rule id. */
function reasonItem(x: { code?: string; message?: string }): string {
  const message = String(x.message ?? '');
  const cite = /\s*\(policy ([^)]+)\)/.exec(message);
  const plain = cite ? message.replace(cite[0], '') : message;
  const rule = [x.code, cite?.[1]].filter((v) => v !== undefined && v !== '').join(', policy ');
  return `<li title="rule ${esc(rule)}">${esc(plain)}</li>`;
}

function resultTable(b: Record<string, any>): string {
  const columns = (b.columns ?? []) as Array<{ name: string; type?: string }>;
  const keys = rowKeys(columns);
  const rows = (b.rows ?? []) as Array<Record<string, unknown>>;
  const masked = new Map(((b.masked ?? []) as Array<{ column: string; rule: string }>).map((m) => [m.column.toLowerCase(), m.rule]));
  if (columns.length === 0) return '';
  const head = columns
    .map((c, i) => {
      const rule = masked.get((keys[i] ?? c.name).toLowerCase()) ?? masked.get(c.name.toLowerCase());
      return `<th${rule ? ' class="masked"' : ''}>${esc(c.name)}${rule ? `<br><small>masked: ${esc(rule)}</small>` : ''}</th>`;
    })
    .join('');
  const body = rows
    .slice(0, MAX_ROWS)
    .map((r) => `<tr>${keys.map((k) => `<td>${r[k] === null || r[k] === undefined ? '<i>empty</i>' : esc(r[k])}</td>`).join('')}</tr>`)
    .join('');
  const more = rows.length > MAX_ROWS ? `<p class="note">… and ${rows.length - MAX_ROWS} more row(s) in the record.</p>` : '';
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>${more}`;
}

const REFUSAL_WORDS: Record<string, string> = {
  self_approval: 'Attempted self-approval',
  not_an_approver: 'Not an approver',
  requester_unlinked: 'Requester not linked to a person',
  already_voted: 'Already voted',
  already_decided: 'Already decided',
  expired: 'Expired',
  sql_changed: 'The SQL changed',
};

function step(r: Rec): string {
  const b = r.body;
  const t = `<span class="time">${esc(when(r.at))}</span>`;
  switch (r.type) {
    case 'query.requested': {
      const reasons = ((b.reasons ?? []) as Array<{ code: string; message: string }>).map(reasonItem).join('');
      const risk = String(b.risk ?? '');
      const outcome = String(b.decision?.outcome ?? '');
      return (
        `<div class="step ask">${t}<h3>${esc(who(r.actor))} asked</h3><blockquote>${esc(b.prompt)}</blockquote>` +
        `<p>The agent wrote this SQL:</p><pre>${esc(b.sql)}</pre>` +
        `<p><span class="badge decision-${esc(outcome)}" title="risk class ${esc(risk)}">${esc(risk || 'unknown')} risk</span> ${esc(RISK_WORDS[risk] ?? '')} — Airlock's decision: <b>${esc(DECISION_WORDS[outcome] ?? outcome)}</b>` +
        `${b.decision?.approvalsRequired ? ` (${esc(b.decision.approvalsRequired)} approval(s) required)` : ''}</p>` +
        `${reasons ? `<ul class="reasons">${reasons}</ul>` : ''}</div>`
      );
    }
    case 'approval.requested':
      return `<div class="step wait">${t}<h3>Waiting for approval</h3><p>${esc(b.approvalsRequired)} approval(s) needed from ${esc(((b.approvers ?? []) as string[]).map(person).join(', '))}, before ${esc(when(String(b.expiresAt ?? '')))}.</p></div>`;
    case 'approval.granted':
      return `<div class="step ok">${t}<h3>Approved by ${esc(who(r.actor))}</h3><p>${esc(b.votesFor)} of ${esc(b.approvalsRequired)} approval(s).${b.reason ? ` Reason: ${esc(b.reason)}` : ''}</p></div>`;
    case 'approval.rejected':
      return `<div class="step bad">${t}<h3>Rejected by ${esc(who(r.actor))}</h3>${b.reason ? `<p>Reason: ${esc(b.reason)}</p>` : ''}</div>`;
    case 'approval.refused':
      return (
        `<div class="step bad">${t}<h3>Refused click by ${esc(who(r.actor))} (${esc(b.vote === 'deny' ? 'Deny' : 'Approve')}, did not count)</h3>` +
        `<p>${esc(REFUSAL_WORDS[String(b.code)] ?? String(b.code))}: ${esc(b.message)}</p>` +
        `${b.suppressedBefore ? `<p class="note">${esc(b.suppressedBefore)} more refused click(s) by the same person within a minute before this one.</p>` : ''}</div>`
      );
    case 'approval.expired':
      return `<div class="step bad">${t}<h3>Approval expired</h3><p>Nobody decided in time, so the statement never ran.</p></div>`;
    case 'query.denied':
      return `<div class="step bad">${t}<h3>Refused</h3><ul class="reasons">${((b.reasons ?? []) as Array<{ code?: string; message: string }>).map(reasonItem).join('')}</ul></div>`;
    case 'query.failed':
      return `<div class="step bad">${t}<h3>The warehouse refused or failed the statement</h3><p>${esc(b.error?.code)}: ${esc(b.error?.message)}</p></div>`;
    case 'query.reconciled':
      return `<div class="step">${t}<h3>Outcome settled from Snowflake's history: ${esc(b.status)}</h3><p class="note">Query id ${esc(b.queryId)} ended ${esc(b.endTime)}, ${esc(b.rowCount ?? '?')} row(s)${b.errorCode ? `, error ${esc(b.errorCode)}` : ''}. The agent never saw a result.</p></div>`;
    case 'query.executed':
      return (
        `<div class="step ok">${t}<h3>Ran on ${esc(WAREHOUSE_WORDS[String(b.warehouse)] ?? b.warehouse)}: ${esc(b.rowCount)} row(s)${b.truncated ? ' (cut to the limit)' : ''}</h3>` +
        `<p class="note">What the agent saw${(b.masked ?? []).length > 0 ? ', with sensitive columns masked' : ''}. Query id ${esc(b.queryId)}, ${esc(b.durationMs)} ms.</p>${resultTable(b)}</div>`
      );
    default:
      return `<div class="step">${t}<h3>${esc(r.type)}</h3></div>`;
  }
}

function banner(verdict: ChainVerification, keyIds: string[]): string {
  const findings = verdict.findings.map((f) => `<li>${esc(f.kind === 'outcome_unknown' ? 'Outcome unknown' : f.kind === 'approval_contradiction' ? 'Records contradict each other' : 'Waiting for approval')}: ${esc(f.message)}</li>`).join('');
  const head = verdict.ok
    ? `<div class="status verified"><b>✔ Verified.</b> All ${esc(verdict.records)} records are intact: every fingerprint (hash), link to the previous record and digital signature checks out${keyIds.length > 0 ? ` (signing key ${esc(keyIds.map((k) => k.slice(0, 16)).join(', '))}…)` : ''}.</div>`
    : `<div class="status failed"><b>✘ NOT verified.</b> Record #${esc(verdict.failure?.seq)} of session ${esc(verdict.failure?.sessionId)} fails: ${esc(verdict.failure?.reason)} — ${esc(verdict.failure?.message)}. Treat this transcript as untrustworthy.</div>`;
  return head + (findings ? `<div class="status finding"><b>Please note:</b><ul>${findings}</ul></div>` : '');
}

const STYLE = `body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1000px;padding:1.5em;color:#1d2430;background:#f6f7f9}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.1em;margin:0 0 .5em}h3{font-size:1em;margin:.1em 0 .4em}
.status{padding:.8em 1em;border-radius:6px;margin:.6em 0}.verified{background:#e3f5e8;border:1px solid #2e7d32}.failed{background:#fdecea;border:1px solid #c62828}.finding{background:#fff7e0;border:1px solid #c79100}
.request{background:#fff;border:1px solid #d8dde5;border-radius:8px;padding:1em;margin:1em 0}
.step{border-left:4px solid #90a4ae;padding:.3em .9em;margin:.7em 0}.step.ok{border-color:#2e7d32}.step.bad{border-color:#c62828}.step.wait{border-color:#c79100}.step.ask{border-color:#1565c0}
.time{float:right;color:#607080;font-size:.85em}blockquote{margin:.3em 0;padding:.4em .8em;background:#eef3fb;border-radius:4px;white-space:pre-wrap}
pre{background:#263238;color:#eceff1;padding:.6em .8em;border-radius:4px;white-space:pre-wrap;word-break:break-word}
.badge{display:inline-block;padding:0 .5em;border-radius:9px;font-size:.85em;font-weight:600;background:#cfd8dc}.decision-allow{background:#c8e6c9}.decision-approval{background:#ffe0b2}.decision-deny{background:#b71c1c;color:#fff}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #d8dde5;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#eceff1}th.masked{background:#fff3cd}
.note{color:#607080;font-size:.9em}details{margin-top:2em}code{font-size:.85em;word-break:break-all}`;

/**
 * One session as a single self-contained HTML page (no scripts, no external resources, a CSP
 * forbidding both) for readers who are not engineers: the verification status first, then each
 * request as a timeline — who asked what, the SQL, its risk and why, approvals, and the masked
 * result as the agent saw it. Every value from a record is escaped. People appear by name and email:
 * `approvers` (the policy's list) names the approvers a request waits for, who have not voted yet;
 * Slack ids appear only in the technical details.
 */
export function renderTranscriptHtml(lines: string[], verdict: ChainVerification, keyIds: string[], opts: { approvers?: readonly Approver[] } = {}): string {
  const records = lines.map((l) => JSON.parse(l) as Rec);
  people = peopleOf(records.map((r) => r.actor), opts.approvers);
  // The Slack ids this session mentions (voters and the approvers a request waited for), for the technical details.
  const mentioned = new Set<string>();
  for (const r of records) {
    if (r.actor.slackUserId !== undefined) mentioned.add(r.actor.slackUserId);
    if (r.type === 'approval.requested') for (const id of (r.body.approvers ?? []) as string[]) mentioned.add(String(id));
  }
  const sessionId = records[0]?.sessionId ?? '';
  const byRequest = new Map<string, Rec[]>();
  for (const r of records) byRequest.set(r.requestId, [...(byRequest.get(r.requestId) ?? []), r]);
  const owner = records.find((r) => r.type === 'query.requested')?.actor;
  const requests = [...byRequest.values()]
    .map((rs, i) => `<section class="request"><h2>Request ${i + 1} <small class="note">${esc(rs[0]?.requestId)}</small></h2>${rs.map(step).join('')}</section>`)
    .join('');
  const slackIds = mentioned.size === 0 ? '' : `<p class="note">Slack users: ${[...mentioned].map((id) => `${esc(person(id))} = ${esc(id)}`).join('; ')}</p>`;
  const technical = records.map((r) => `<tr><td>${esc(r.seq)}</td><td>${esc(r.type)}</td><td>${esc(r.at)}</td><td><code>${esc(r.hash)}</code></td><td><code>${esc(r.sig.keyId.slice(0, 16))}…</code></td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Airlock session ${esc(sessionId)}</title><style>${STYLE}</style></head><body>
<h1>Airlock session ${esc(sessionId)}</h1>
${banner(verdict, keyIds)}
<p>${owner ? `Agent session of <b>${esc(who(owner))}</b>. ` : ''}${esc(byRequest.size)} request(s), ${esc(records.length)} record(s), from ${esc(when(records[0]?.at ?? ''))} to ${esc(when(records.at(-1)?.at ?? ''))}.</p>
${requests}
<details><summary>Technical details: the signed records</summary><div class="scroll"><table><thead><tr><th>#</th><th>type</th><th>time</th><th>hash (SHA-256)</th><th>key</th></tr></thead><tbody>${technical}</tbody></table></div>${slackIds}</details>
</body></html>
`;
}
