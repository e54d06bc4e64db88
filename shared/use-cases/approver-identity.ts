import type { Policy } from '../policy/policy.js';
import { findApprover } from '../policy/find-approver.js';
import type { ApproverDirectory } from '../ports/approver-directory.js';
import type { Actor } from '../records/types.js';

export interface ApproverIdentity {
  authorized: boolean;
  /** Every email known for the Slack user (the policy's mapping and the Slack profile), lower-cased. */
  emails: string[];
}

/**
 * Is this Slack user an approver (listed in the policy, or a member of one of its user groups),
 * and which emails are theirs.
 *
 * @example
 * const who = await approverIdentity(policy, directory, 'UAPPROVER1'); // { authorized: true, emails: ['approver1@example.com'] }
 */
export async function approverIdentity(policy: Policy, directory: ApproverDirectory, slackUserId: string): Promise<ApproverIdentity> {
  const listed = findApprover(policy, slackUserId);
  let authorized = listed !== undefined;
  for (const group of policy.approverGroups) {
    if (authorized) break;
    authorized = await directory.isMemberOf(slackUserId, group);
  }
  if (!authorized) return { authorized: false, emails: [] };
  const emails = new Set<string>();
  if (listed !== undefined) emails.add(listed.email.toLowerCase());
  const profile = await directory.emailOf(slackUserId);
  if (profile !== null) emails.add(profile.toLowerCase());
  return { authorized: true, emails: [...emails] };
}

/**
 * Whether the approver is the requester: the human the token named (sub, email) or the agent
 * acting for them (`act`) both count, matched against every email and the Slack id of the approver.
 */
export function isRequester(requester: Actor, approver: { slackUserId: string; emails: string[] }): boolean {
  const theirs = new Set([approver.slackUserId.toLowerCase(), ...approver.emails]);
  const requesterIds = [requester.email, requester.sub, requester.act?.sub].filter((v): v is string => typeof v === 'string');
  return requesterIds.some((id) => theirs.has(id.toLowerCase()));
}
