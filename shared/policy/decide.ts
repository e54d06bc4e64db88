import type { Principal } from '#shared/identity/principal.js';
import type { Classification, ObjectAccess, Position, Reason, StatementInfo } from '#shared/sql/types.js';
import { matchSensitiveObject } from './match-sensitive-object.js';
import type { Policy, RuleAction } from './policy.js';
import { positionAt } from './position-at.js';
import { formatResolvedName } from './resolve-object-name.js';
import { describeAction, stricter } from './rule-action.js';
import { ruleFor } from './rules-for.js';

export interface Decision {
  outcome: 'allow' | 'approval' | 'deny' | 'invalid';
  /** N distinct approvers for `approval`; 0 otherwise. */
  approvalsRequired: number;
  /**
   * The policy's reasons only (codes `POL-…`), explaining the decision beyond the risk class.
   * Callers show `[...classification.reasons, ...decision.reasons]`.
   */
  reasons: Reason[];
}

/** Reason codes the policy adds (the classifier's are RISK-RULES.md rule ids). */
export const POLICY_REASON_CODES = {
  rule: 'POL-RULE',
  override: 'POL-OVERRIDE',
  sensitive: 'POL-SENSITIVE',
  blocked: 'POL-BLOCKED',
} as const;

const VERB: Record<ObjectAccess, string> = { read: 'reads', write: 'writes', ddl: 'changes' };

/**
 * Turns a classification into a decision for one principal.
 *
 * 1. `invalid` → outcome `invalid` (nothing to run; HTTP answers 400).
 * 2. `blocked` → `deny`, always: neither the policy nor an override is consulted.
 * 3. Otherwise the class's rule for this principal (`ruleFor`: base rules, or the most
 *    restrictive matching override), then every object the SQL touches that matches
 *    `sensitive.objects` can only lift that action (never lower it).
 *
 * Positions in reasons are each statement's start; pass the submitted `sql` to get exact
 * line/column (without it, they are exact only when a classifier reason starts at the same
 * offset or the text is a single line).
 *
 * @example
 * const c = classify('SELECT * FROM HR.SALARIES');
 * decide(policy, c, { iss, sub: 'agent', groups: [] }, sql);
 * // with sensitive.objects[0] = { pattern: '*.HR.*', action: { approval: 2 } }:
 * // { outcome: 'approval', approvalsRequired: 2, reasons: [{ code: 'POL-SENSITIVE',
 * //   message: 'reads DEMO.HR.SALARIES, a sensitive object (policy sensitive.objects[0]): needs 2 approvals', at: … }] }
 */
export function decide(policy: Policy, classification: Classification, principal: Principal, sql?: string): Decision {
  const { risk, statements } = classification;
  if (risk === 'invalid') return { outcome: 'invalid', approvalsRequired: 0, reasons: [] };

  const at = (statement: StatementInfo | undefined): Position => positionOf(classification, statement, sql);
  const worst = statements.find((s) => s.risk === risk) ?? statements[0];

  if (risk === 'blocked') {
    const message = 'blocked SQL is always denied; no policy or override can relax it (policy rules.blocked)';
    return { outcome: 'deny', approvalsRequired: 0, reasons: [{ code: POLICY_REASON_CODES.blocked, message, at: at(worst) }] };
  }

  const reasons: Reason[] = [];
  const rule = ruleFor(policy, risk, principal);
  let action: RuleAction = rule.action;
  if (rule.override !== undefined) {
    const message = `group ${rule.override.group}: ${risk} SQL ${describeAction(action)} (policy ${rule.source})`;
    reasons.push({ code: POLICY_REASON_CODES.override, message, at: at(worst) });
  } else if (action !== 'allow') {
    reasons.push({ code: POLICY_REASON_CODES.rule, message: `${risk} SQL ${describeAction(action)} (policy ${rule.source})`, at: at(worst) });
  }

  const seen = new Set<string>();
  for (const statement of statements) {
    for (const ref of statement.objects) {
      const match = matchSensitiveObject(policy, ref);
      if (match === undefined) continue;
      const key = `${ref.access}\u0000${ref.name}\u0000${match.index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      action = stricter(action, match.action);
      const cite = `(policy sensitive.objects[${match.index}]): ${describeAction(match.action)}`;
      const what =
        match.resolved.unresolved === undefined
          ? `${VERB[ref.access]} ${formatResolvedName(match.resolved)}, a sensitive object ${cite}`
          : `${VERB[ref.access]} ${ref.name}, which cannot be resolved to DATABASE.SCHEMA.NAME ` +
            `(${match.resolved.unresolved}) and is treated as sensitive ${cite}`;
      reasons.push({ code: POLICY_REASON_CODES.sensitive, message: what, at: at(statement) });
    }
  }

  if (action === 'allow') return { outcome: 'allow', approvalsRequired: 0, reasons };
  if (action === 'deny') return { outcome: 'deny', approvalsRequired: 0, reasons };
  return { outcome: 'approval', approvalsRequired: action.approval, reasons };
}

function positionOf(classification: Classification, statement: StatementInfo | undefined, sql: string | undefined): Position {
  const offset = statement?.span.start ?? 0;
  if (sql !== undefined) return positionAt(sql, offset);
  const known = classification.reasons.find((r) => r.at.offset === offset);
  if (known !== undefined) return { ...known.at };
  // Without the text only a single-line position can be derived; exact for one-line SQL.
  return { line: 1, column: offset + 1, offset };
}
