/**
 * Who a Slack user is, for the approval checks: the profile email (to refuse self-approval) and
 * user-group membership (policy `approverGroups`). `SlackApproverDirectory` asks the Slack API and
 * caches; without Slack, `NoApproverDirectory` knows nobody beyond the policy's explicit list.
 *
 * @example
 * const email = await directory.emailOf('U123');            // 'alice@example.com' or null
 * const ok = await directory.isMemberOf('U123', 'S0APPROVERS');
 */
export interface ApproverDirectory {
  emailOf(slackUserId: string): Promise<string | null>;
  isMemberOf(slackUserId: string, userGroupId: string): Promise<boolean>;
}

/** The directory when no Slack API is configured: no profile emails, no group members. */
export const NO_APPROVER_DIRECTORY: ApproverDirectory = {
  emailOf: async () => null,
  isMemberOf: async () => false,
};
