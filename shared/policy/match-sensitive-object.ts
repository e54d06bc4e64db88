import type { ObjectRef } from '#shared/sql/types.js';
import { compileObjectPattern, type ObjectPattern } from './object-pattern.js';
import type { Policy, SensitiveAction, SensitiveObjectRule } from './policy.js';
import { resolveObjectName, type ResolvedName } from './resolve-object-name.js';
import { actionRank } from './rule-action.js';

export interface SensitiveMatch {
  /** Index into `policy.sensitive.objects` of the pattern that decides (the most restrictive that matches). */
  index: number;
  action: SensitiveAction;
  resolved: ResolvedName;
}

// Patterns are compiled once per policy, not per request.
const compiled = new WeakMap<SensitiveObjectRule[], ObjectPattern[]>();

function patternsOf(policy: Policy): ObjectPattern[] {
  let patterns = compiled.get(policy.sensitive.objects);
  if (patterns === undefined) {
    patterns = policy.sensitive.objects.map((o) => compileObjectPattern(o.pattern));
    compiled.set(policy.sensitive.objects, patterns);
  }
  return patterns;
}

/**
 * Whether an object touched by a statement is sensitive, and which pattern says so.
 * Matching is case-sensitive on the resolved name. Fail-closed: a part that could not be
 * resolved (no default database/schema, a stage or other non-table object) matches any
 * pattern part, so an unresolvable name is sensitive whenever some resolution of it could be.
 *
 * @example
 * matchSensitiveObject(policy, { name: 'HR.SALARIES', parts: ['HR', 'SALARIES'], kind: 'table', access: 'read' });
 * // with warehouse.database PROD and pattern PROD.HR.* at index 0: { index: 0, action: 'deny', resolved: … }
 */
export function matchSensitiveObject(policy: Policy, ref: ObjectRef): SensitiveMatch | undefined {
  const patterns = patternsOf(policy);
  if (patterns.length === 0) return undefined;
  const resolved = resolveObjectName(ref, policy.warehouse);
  let best: SensitiveMatch | undefined;
  patterns.forEach((pattern, index) => {
    const matches = pattern.every((re, i) => {
      const part = resolved.parts[i];
      return part === undefined || re.test(part);
    });
    const rule = policy.sensitive.objects[index];
    if (!matches || rule === undefined) return;
    if (best === undefined || actionRank(rule.action) > actionRank(best.action)) {
      best = { index, action: rule.action, resolved };
    }
  });
  return best;
}
