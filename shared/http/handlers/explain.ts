import { z } from 'zod';
import { AirlockError } from '../../errors.js';
import type { Principal } from '../../identity/principal.js';
import { decide, type InferenceFindings } from '../../policy/decide.js';
import type { Policy, RuleAction } from '../../policy/policy.js';
import { describeAction } from '../../policy/rule-action.js';
import { ruleFor } from '../../policy/rules-for.js';
import { classify } from '../../sql/classify.js';
import { LIMITS } from '../../use-cases/query-input.js';
import { analyzeInference } from '../../use-cases/references-sensitive-column.js';
import { json, type ApiEvent, type ApiResult } from '../api-event.js';
import type { ApiDeps } from '../api-deps.js';
import { parseJsonBody } from '../parse-json-body.js';

const ExplainBody = z.strictObject({ sql: z.string().optional() });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
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
 * POST /v1/explain: the classification and decision for the caller's identity, and what the policy
 * lets this identity do. Same auth and input limits as /v1/queries; it only reads the policy, so it
 * runs nothing and records nothing (the deps it is given are never asked to write or execute).
 */
export async function postExplain(deps: ApiDeps, event: ApiEvent): Promise<ApiResult> {
  const principal = await deps.verifier.verify(event.headers['authorization']);
  const sql = parseExplainInput(parseJsonBody(event.body, event.headers['content-type']));
  // The inference analysis of POST /v1/queries (issue 13), by column names only: explain reads no warehouse,
  // so a use that only the catalog reveals (a row-valued alias …) shows up when the query is submitted.
  const inference = sql === undefined ? undefined : await analyzeInference(sql, classify(sql), deps.policy.masking.columns, undefined);
  return json(200, explainFor(deps.policy, principal, sql, inference));
}

/** `{ sql? }` with the limits of POST /v1/queries (400 shape, 413 size, 400 unpaired surrogate). */
export function parseExplainInput(value: unknown): string | undefined {
  const parsed = ExplainBody.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'body';
    const what = issue?.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue?.message ?? 'invalid';
    throw new AirlockError('ERR_VALIDATION', `${field}: ${what}; expected { sql?: string }`);
  }
  const { sql } = parsed.data;
  if (sql === undefined) return undefined;
  if (LONE_SURROGATE.test(sql)) throw new AirlockError('ERR_VALIDATION', 'sql: contains an unpaired UTF-16 surrogate');
  const bytes = Buffer.byteLength(sql, 'utf8');
  if (bytes > LIMITS.sqlBytes) throw new AirlockError('ERR_SQL_TOO_LARGE', `sql is ${bytes} bytes; the limit is ${LIMITS.sqlBytes}`);
  return sql;
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
