import type { Principal } from '#shared/identity/principal.js';
import type { Classification, ObjectAccess, Position, Reason, StatementInfo } from '#shared/sql/types.js';
import { matchSensitiveObject } from './match-sensitive-object.js';
import type { Policy, RuleAction } from './policy.js';
import { positionAt } from './position-at.js';
import { formatResolvedName } from './resolve-object-name.js';
import { describeAction, stricter } from './rule-action.js';
import { inferenceRuleFor, ruleFor } from './rules-for.js';
import type { InferenceUse, OpaqueUse } from '#shared/sql/column-uses.js';

/** Where a statement uses sensitive columns to shape its answer (from `analyzeColumnUses`). */
export interface InferenceFindings {
  inference: InferenceUse[];
  opaque: OpaqueUse[];
}

/** At most this many M-INF reasons are listed; the rest are counted in the last one. */
const MAX_INFERENCE_REASONS = 8;

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

/** Reason codes the policy adds (the classifier's are docs/risk-rules.md rule ids). */
export const POLICY_REASON_CODES = {
  rule: 'POL-RULE',
  override: 'POL-OVERRIDE',
  sensitive: 'POL-SENSITIVE',
  blocked: 'POL-BLOCKED',
  inference: 'POL-INFERENCE',
} as const;

/** The reason code naming each inference use (docs/masking.md, docs/risk-rules.md). */
export const INFERENCE_REASON_CODE = 'M-INF';

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
export function decide(policy: Policy, classification: Classification, principal: Principal, sql?: string, inference?: InferenceFindings): Decision {
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
      // The policy's description says why the object is sensitive (policy text, never data).
      const why = policy.sensitive.objects[match.index]?.description;
      reasons.push({ code: POLICY_REASON_CODES.sensitive, message: why === undefined ? what : `${what}: ${why}`, at: at(statement) });
    }
  }

  if (inference !== undefined && inference.inference.length + inference.opaque.length > 0) {
    const rule = inferenceRuleFor(policy, principal);
    reasons.push(...inferenceReasons(inference));
    const first = inference.inference[0]?.at ?? inference.opaque[0]?.at ?? at(worst);
    const message = `a query that uses a sensitive column to pick, group or order rows, or reads columns Airlock cannot follow, ${describeAction(rule.action)} (policy ${rule.source})`;
    reasons.push({ code: POLICY_REASON_CODES.inference, message, at: first });
    action = stricter(action, rule.action);
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

/** `line 3: EMAIL used in JOIN … ON (M-INF)`, one per (column, clause), opaque constructs first. */
function inferenceReasons(f: InferenceFindings): Reason[] {
  const out: Reason[] = [];
  const seen = new Set<string>();
  const code = INFERENCE_REASON_CODE;
  for (const o of f.opaque) {
    out.push({ code, message: `line ${o.at.line}: ${o.construct}; every output column is redacted (${code})`, at: o.at });
  }
  for (const u of f.inference) {
    const key = `${u.column}\u0000${u.clause}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ code, message: `line ${u.at.line}: ${u.column} used in ${u.clause} (${code})`, at: u.at });
  }
  if (out.length <= MAX_INFERENCE_REASONS) return out;
  const kept = out.slice(0, MAX_INFERENCE_REASONS - 1);
  const rest = out[MAX_INFERENCE_REASONS - 1] as Reason;
  kept.push({ code, message: `${rest.message.replace(/ \(M-INF\)$/, '')} and ${out.length - MAX_INFERENCE_REASONS} more inference uses (${code})`, at: rest.at });
  return kept;
}
