/** Ordering and wording of rule actions, shared by overrides, sensitive objects and reasons. */
import type { RuleAction } from './policy.js';

/** allow < approval 1 < approval 2 < … < deny: "most restrictive" everywhere means the highest rank. */
export function actionRank(action: RuleAction): number {
  if (action === 'allow') return 0;
  if (action === 'deny') return Number.POSITIVE_INFINITY;
  return action.approval;
}

/** The more restrictive of two actions; on a tie, the first (so the earlier policy entry is cited). */
export function stricter<A extends RuleAction, B extends RuleAction>(a: A, b: B): A | B {
  return actionRank(b) > actionRank(a) ? b : a;
}

/** e.g. "allowed", "denied", "needs 2 approvals". */
export function describeAction(action: RuleAction): string {
  if (action === 'allow') return 'allowed';
  if (action === 'deny') return 'denied';
  return action.approval === 1 ? 'needs 1 approval' : `needs ${action.approval} approvals`;
}
