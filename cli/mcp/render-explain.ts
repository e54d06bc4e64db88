import type { Reason } from '#shared/sql/types.js';
import { formatReasons } from './tool-result.js';

/** The parts of a POST /v1/explain answer this renderer reads (see shared/http/handlers/explain.ts). */
interface Explanation {
  identity?: { sub?: string; email?: string; groups?: string[] };
  policy?: {
    rules?: Array<{ risk: string; outcome: string; approvalsRequired: number; source: string }>;
    sensitiveObjects?: Array<{ pattern: string; outcome: string; approvalsRequired: number; description?: string }>;
    maskedColumns?: Array<{ pattern: string; rule: string }>;
    approvers?: Array<{ slackUserId: string; name?: string }>;
    approvalTimeoutSeconds?: number;
    limits?: { maxRows?: number; maxBytes?: number; statementTimeoutSeconds?: number };
  };
  risk?: string;
  decision?: { outcome: string; approvalsRequired: number };
  statements?: Array<{ kind: string; risk: string; objects: Array<{ name: string; access: string }> }>;
  reasons?: Reason[];
}

const action = (outcome: string, n: number): string => (outcome === 'approval' ? `${n} approval${n === 1 ? '' : 's'}` : outcome);

/**
 * The explanation as a few plain lines (the model needs the gist, not the JSON), followed by
 * the decision for the given SQL with its reasons.
 *
 * @example
 * renderExplanation(await gateway.explain('DELETE FROM orders')); // "Identity: agent …\nThis SQL: risk write → needs 1 approval …"
 */
export function renderExplanation(e: Explanation): string {
  const lines: string[] = [];
  const id = e.identity ?? {};
  lines.push(`Identity: ${id.sub ?? '?'}${id.email ? ` (${id.email})` : ''}, groups: ${id.groups?.length ? id.groups.join(', ') : 'none'}.`);
  const rules = e.policy?.rules ?? [];
  const allowed = rules.filter((r) => r.outcome === 'allow');
  const approval = rules.filter((r) => r.outcome === 'approval');
  const denied = rules.filter((r) => r.outcome === 'deny');
  lines.push(`Runs without approval: ${allowed.map((r) => `${r.risk} SQL`).join(', ') || 'nothing'}.`);
  if (approval.length > 0) lines.push(`Needs approval: ${approval.map((r) => `${r.risk} SQL (${action(r.outcome, r.approvalsRequired)}; policy ${r.source})`).join(', ')}.`);
  if (denied.length > 0) lines.push(`Always refused: ${denied.map((r) => `${r.risk} SQL (policy ${r.source})`).join(', ')}.`);
  const sensitive = e.policy?.sensitiveObjects ?? [];
  lines.push(
    `Sensitive objects (touching one needs at least this): ${
      sensitive.map((o) => `${o.pattern} → ${action(o.outcome, o.approvalsRequired)}${o.description ? ` (${o.description})` : ''}`).join('; ') || 'none'
    }.`,
  );
  const masked = e.policy?.maskedColumns ?? [];
  lines.push(`Masked columns: ${masked.map((c) => `${c.pattern} (${c.rule})`).join(', ') || 'none'}; content detectors also mask emails, phones, card numbers and secrets in any text.`);
  const approvers = e.policy?.approvers ?? [];
  if (approvers.length > 0) {
    const expiry = e.policy?.approvalTimeoutSeconds === undefined ? '' : `; a request expires after ${e.policy.approvalTimeoutSeconds} s`;
    lines.push(`Approvers: ${approvers.map((a) => (a.name ? `${a.slackUserId} (${a.name})` : a.slackUserId)).join(', ')}${expiry}.`);
  }
  const limits = e.policy?.limits;
  if (limits) lines.push(`Limits: ${limits.maxRows} rows and ${limits.maxBytes} bytes per result, ${limits.statementTimeoutSeconds} s per statement.`);

  if (e.risk !== undefined && e.decision !== undefined) {
    const d = e.decision;
    const verdict =
      d.outcome === 'allow' ? 'runs at once' : d.outcome === 'approval' ? `needs ${action('approval', d.approvalsRequired)} before it runs` : d.outcome === 'deny' ? 'is refused' : 'is not valid SQL (rejected as bad input)';
    lines.push('', `This SQL: risk ${e.risk} → ${verdict}. Nothing was run or recorded.`);
    for (const s of e.statements ?? []) {
      lines.push(`- ${s.kind} (${s.risk})${s.objects.length ? `: ${s.objects.map((o) => `${o.access} ${o.name}`).join(', ')}` : ''}`);
    }
    const reasons = formatReasons(e.reasons);
    if (reasons !== '') lines.push(`Reasons:\n${reasons}`);
  }
  return lines.join('\n');
}
