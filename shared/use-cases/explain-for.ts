import type { Principal } from '../identity/principal.js';
import { decide, type InferenceFindings } from '../policy/decide.js';
import type { Policy, RuleAction } from '../policy/policy.js';
import { describeAction } from '../policy/rule-action.js';
import { ruleFor } from '../policy/rules-for.js';
import { classify } from '../sql/classify.js';

const CLASSES = ['read', 'write', 'privileged'] as const;

/** One risk class's rule for the caller, as the policy resolves it (override or base). */
export interface ClassRule {
  risk: 'read' | 'write' | 'privileged' | 'blocked';
  outcome: 'allow' | 'approval' | 'deny';
  approvalsRequired: number;
  /** Where it comes from: `rules.write`, `overrides[0].rules.write`. */
  source: string;
  summary: string;
}

/**
 * The explanation, pure: identity, the per-class rules for it, sensitive objects and masked
 * columns, and — when `sql` is given — its classification and decision, exactly as
 * POST /v1/queries would decide it (`invalid` SQL is explained here; /v1/queries answers it 400).
 *
 * @example
 * explainFor(policy, { iss, sub: 'agent', groups: [] }, 'DELETE FROM orders');
 * // { risk: 'write', decision: { outcome: 'approval', approvalsRequired: 1 }, policy: { allowedWithoutApproval: ['read'], … } }
 */
export function explainFor(policy: Policy, principal: Principal, sql?: string, inference?: InferenceFindings): Record<string, unknown> {
  const rules: ClassRule[] = CLASSES.map((risk) => {
    const rule = ruleFor(policy, risk, principal);
    return { risk, ...outcomeOf(rule.action), source: rule.source, summary: `${risk} SQL ${describeAction(rule.action)} (policy ${rule.source})` };
  });
  rules.push({ risk: 'blocked', outcome: 'deny', approvalsRequired: 0, source: 'rules.blocked', summary: 'blocked SQL is always denied' });
  const identity: Record<string, unknown> = { iss: principal.iss, sub: principal.sub, groups: principal.groups };
  if (principal.email !== undefined) identity['email'] = principal.email;
  if (principal.act !== undefined) identity['act'] = principal.act;

  const out: Record<string, unknown> = {
    identity,
    policy: {
      rules,
      allowedWithoutApproval: rules.filter((r) => r.outcome === 'allow').map((r) => r.risk),
      sensitiveObjects: policy.sensitive.objects.map((o) => ({
        pattern: o.pattern,
        ...outcomeOf(o.action),
        ...(o.description === undefined ? {} : { description: o.description }),
      })),
      maskedColumns: policy.masking.columns.map((c) => ({ pattern: c.pattern, rule: c.rule })),
      approvers: policy.approvers.map((a) => ({ slackUserId: a.slackUserId, ...(a.name === undefined ? {} : { name: a.name }) })),
      approvalTimeoutSeconds: policy.approval.timeoutSeconds,
      limits: { ...policy.limits },
      warehouse: { ...policy.warehouse },
    },
  };
  if (sql === undefined) return out;

  const classification = classify(sql);
  const decision = decide(policy, classification, principal, sql, inference);
  return {
    ...out,
    risk: classification.risk,
    decision: { outcome: decision.outcome, approvalsRequired: decision.approvalsRequired },
    statements: classification.statements.map((s) => ({ kind: s.kind, risk: s.risk, span: s.span, objects: s.objects })),
    reasons: [...classification.reasons, ...decision.reasons],
  };
}

function outcomeOf(action: RuleAction): { outcome: 'allow' | 'approval' | 'deny'; approvalsRequired: number } {
  if (action === 'allow' || action === 'deny') return { outcome: action, approvalsRequired: 0 };
  return { outcome: 'approval', approvalsRequired: action.approval };
}
