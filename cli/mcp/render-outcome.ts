import type { ExecutedAnswer, PendingAnswer, QueryAnswer, RequestView } from './gateway-client.js';
import { DEFAULT_TABLE_LIMITS, renderTable, type TableLimits } from './render-table.js';
import { codedError, formatReasons, textResult, type ToolResult } from './tool-result.js';

/** POST /v1/queries answer → what the model reads. Denied and failed are tool errors with the code. */
export function renderAnswer(answer: QueryAnswer, limits: TableLimits = DEFAULT_TABLE_LIMITS): ToolResult {
  switch (answer.status) {
    case 'executed':
      return renderExecuted(answer, limits);
    case 'pending_approval':
      return renderPending(answer);
    case 'denied':
      return codedError('ERR_POLICY_DENIED', `Airlock refused this statement and did not run it (risk: ${answer.risk}; request ${answer.requestId}).`, {
        reasons: answer.reasons,
      });
    case 'failed':
      return failedError(answer.requestId, answer.error);
  }
}

function failedError(requestId: string, error: { code: string; message: string; sqlState?: string }): ToolResult {
  const state = error.sqlState ? `, sqlState ${error.sqlState}` : '';
  return codedError(error.code, `the warehouse did not complete the statement (request ${requestId}, recorded as failed${state}):\n${error.message}`);
}

export function renderExecuted(a: ExecutedAnswer, limits: TableLimits = DEFAULT_TABLE_LIMITS): ToolResult {
  const table = renderTable(a.columns, a.rows, limits);
  const head = `Executed (risk: ${a.risk}) — request ${a.requestId}, session ${a.sessionId}${a.record ? `, record seq ${a.record.seq}` : ''}.`;
  const count =
    table.rowsShown === a.rows.length
      ? `${a.rowCount} row${a.rowCount === 1 ? '' : 's'}.`
      : `Showing the first ${table.rowsShown} of the ${a.rows.length} rows returned (this tool shows at most ${limits.maxRows} rows and ${limits.maxChars} characters; aggregate or add a LIMIT to see what matters).`;
  const lines = [head, count];
  if (a.columns.length > 0) lines.push('', table.text, '');
  if (table.cellsCut > 0) lines.push(`${table.cellsCut} long cell${table.cellsCut === 1 ? ' was' : 's were'} cut to ${limits.maxCellChars} characters (ending in …).`);
  lines.push(
    a.masked.length === 0
      ? 'Masking: no value in this result was masked.'
      : `Masking: ${a.masked.map((m) => `${m.column} → ${m.rule} (${m.cells} cell${m.cells === 1 ? '' : 's'})`).join(', ')}. ` +
          'Masked values are not the real data (pseudonyms are stable tokens, so equal values still match); do not present them as real or try to unmask them.',
  );
  lines.push(
    a.truncated
      ? `Truncated: yes — the gateway returned only the first ${a.rowCount} rows (result limits by policy); narrow the query to see the rest.`
      : 'Truncated: no — this is the whole result.',
  );
  return textResult(lines.join('\n'));
}

export function renderPending(a: PendingAnswer): ToolResult {
  const n = a.approvalsRequired;
  const lines = [
    `Pending approval — the statement has NOT run (risk: ${a.risk}).`,
    `request_id: ${a.requestId}`,
    `Needs ${n} approval${n === 1 ? '' : 's'} from distinct approvers among: ${a.approvers.join(', ') || '(none configured)'} (Slack ids; the requester cannot approve their own request).`,
    `Expires at: ${a.expiresAt} — if not approved by then, it never runs.`,
  ];
  const reasons = formatReasons(a.reasons);
  if (reasons !== '') lines.push(`Why:\n${reasons}`);
  lines.push(nextCall(a.requestId));
  return textResult(lines.join('\n'));
}

function nextCall(requestId: string): string {
  return (
    `Next: tell the user it is waiting for approval in Slack, then call get_query_result with {"request_id": "${requestId}", "wait_seconds": 25} ` +
    'until it is decided. Do not resubmit the SQL: the approval is bound to this exact statement, and once approved Airlock runs it and get_query_result returns the result.'
  );
}

/** GET /v1/queries/{id} → what the model reads. */
export function renderRequest(v: RequestView, limits: TableLimits = DEFAULT_TABLE_LIMITS): ToolResult {
  const votes = v.votes.map((x) => `${x.vote} by ${x.email ?? x.slackUserId} at ${x.at}${x.reason ? ` (reason: ${x.reason})` : ''}`).join('; ');
  const votesLine = `Votes: ${votes || 'none yet'} (${v.votes.filter((x) => x.vote === 'approve').length} of ${v.approvalsRequired} required).`;
  switch (v.status) {
    case 'executed':
      if (v.result !== undefined) return renderExecuted(v.result, limits);
      return textResult(`Executed (request ${v.requestId}), but the gateway returned no result body.`);
    case 'pending_approval':
      return textResult([`Still pending approval (risk: ${v.risk}) — not run yet. request_id: ${v.requestId}`, votesLine, `Expires at: ${v.expiresAt ?? 'unknown'}.`, nextCall(v.requestId)].join('\n'));
    case 'approved':
    case 'running':
      return textResult(`Approved and running now (request ${v.requestId}). Call get_query_result again with {"request_id": "${v.requestId}", "wait_seconds": 25}.`);
    case 'rejected': {
      const denial = v.votes.find((x) => x.vote === 'deny');
      const by = v.decision?.by.join(', ') ?? denial?.email ?? denial?.slackUserId ?? 'an approver';
      const reason = v.decision?.reason ?? denial?.reason ?? 'no reason given';
      return textResult(
        `Rejected by ${by} — it will never run (request ${v.requestId}).\nReason given: ${reason}\n${votesLine}\n` +
          'Tell the user who rejected it and why; do not resubmit it unless they ask you to (address the reason first).',
      );
    }
    case 'expired':
      return textResult(`Expired — nobody approved it in time, and it will never run (request ${v.requestId}).\nTell the user; resubmit only if they still want it.`);
    case 'denied':
      return codedError('ERR_POLICY_DENIED', `Airlock refused this statement and did not run it (request ${v.requestId}).`, v.reasons === undefined ? {} : { reasons: v.reasons });
    case 'failed':
      return failedError(v.requestId, v.error ?? { code: 'ERR_WAREHOUSE', message: 'the statement failed' });
    case 'outcome_unknown':
      return codedError('ERR_OUTCOME_UNKNOWN', `the gateway stopped between running request ${v.requestId} and recording its outcome; whether it ran is unknown.`, {
        hint: 'Do not rerun a write blindly: tell the user, who can check the warehouse query history for this request id.',
      });
  }
  return textResult(`Status: ${String(v.status)} (request ${v.requestId}).`);
}
