import type { Approver, Policy } from './policy.js';

/**
 * The approver with this Slack user id, or undefined when the user is not one
 * (the caller refuses the vote). Membership of `approverGroups` needs Slack's API and is
 * the Slack adapter's job, not this lookup's.
 *
 * @example
 * findApprover(policy, 'UAPPROVER1'); // { slackUserId: 'UAPPROVER1', email: 'approver1@example.com', … }
 */
export function findApprover(policy: Policy, slackUserId: string): Approver | undefined {
  return policy.approvers.find((a) => a.slackUserId === slackUserId);
}
