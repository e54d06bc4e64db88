import type { Principal } from '#shared/identity/principal.js';
import type { Policy, RuleAction } from './policy.js';
import { actionRank } from './rule-action.js';

export interface EffectiveRule {
  action: RuleAction;
  /** Where the action comes from, as cited in reasons: `rules.write` or `overrides[1].rules.write`. */
  source: string;
  /** The override that set the action, when one did. */
  override?: { index: number; group: string };
}

/**
 * The rule that applies to a principal for one (non-blocked) risk class.
 *
 * Combination, chosen to fail closed and not depend on file order:
 * - no override of the principal's groups names the class → the base `rules` entry;
 * - otherwise the most restrictive of the matching overrides' entries wins (on a tie the
 *   earliest is cited). The base rule is not consulted, which is what lets an override relax
 *   it (e.g. `data-engineers` write without approval).
 * So a principal in both `data-engineers` (write: allow) and `readonly-agents` (write: deny) is denied.
 *
 * @example
 * ruleFor(policy, 'write', { iss, sub, groups: ['data-engineers'] });
 * // { action: 'allow', source: 'overrides[0].rules.write', override: { index: 0, group: 'data-engineers' } }
 */
export function ruleFor(policy: Policy, risk: 'read' | 'write' | 'privileged', principal: Principal): EffectiveRule {
  let best: EffectiveRule | undefined;
  policy.overrides.forEach((override, index) => {
    const action = override.rules[risk];
    if (action === undefined || !principal.groups.includes(override.group)) return;
    if (best === undefined || actionRank(action) > actionRank(best.action)) {
      best = { action, source: `overrides[${index}].rules.${risk}`, override: { index, group: override.group } };
    }
  });
  return best ?? { action: policy.rules[risk], source: `rules.${risk}` };
}

/**
 * `masking.inference` for a principal: the base value, or the most restrictive of the principal's
 * groups' `overrides[].masking.inference` (as for risk rules, file order does not matter).
 * @example inferenceRuleFor(policy, principal) // { action: { approval: 1 }, source: 'masking.inference' }
 */
export function inferenceRuleFor(policy: Policy, principal: Principal): EffectiveRule {
  let best: EffectiveRule | undefined;
  policy.overrides.forEach((override, index) => {
    const action = override.masking?.inference;
    if (action === undefined || !principal.groups.includes(override.group)) return;
    if (best === undefined || actionRank(action) > actionRank(best.action)) {
      best = { action, source: `overrides[${index}].masking.inference`, override: { index, group: override.group } };
    }
  });
  return best ?? { action: policy.masking.inference, source: 'masking.inference' };
}
