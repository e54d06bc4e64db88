import type { RequestStatus, Vote } from './request-store.js';

/** A digest lists at most this many requests (each takes three Block Kit blocks; a message holds 50); then a new digest begins. */
export const DIGEST_MAX_ENTRIES = 15;
/** SQL longer than this does not fit a digest entry whole: such a request gets a message of its own (with the SQL as a file). */
export const DIGEST_MAX_SQL = 1500;

/** Where an approval message lives, so it is posted once and then updated in place. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/**
 * Everything an approver sees about one request. Built from the request item and its
 * `query.requested` record; prompt and SQL are model-written text, which every notifier must
 * render inertly (no mentions, no links, every character of the SQL visible).
 */
export interface ApprovalView {
  requestId: string;
  sessionId: string;
  requester: { sub?: string; email?: string; act?: string };
  prompt: string;
  sql: string;
  sqlHash: string;
  risk: string;
  reasons: { code: string; message: string }[];
  objects: string[];
  approvalsRequired: number;
  /** Slack ids the policy names as approvers (group members may approve too). */
  approvers: string[];
  votes: Vote[];
  status: RequestStatus;
  expiresAt: string;
  decidedAt?: string;
}

/**
 * Tells approvers about pending requests and their outcomes. `SlackNotifier` posts Block Kit
 * messages with Approve / Deny buttons; `ConsoleNotifier` (no Slack configured) prints the
 * request and the `airlock approve|deny` commands that decide it.
 *
 * @example
 * const ref = await notifier.postApproval(view);      // once per request (the notify task stores ref)
 * await notifier.updateApproval(ref, { ...view, status: 'approved', votes });
 * const digest = await notifier.postDigest([view4]); await notifier.updateDigest(digest, [view4, view5]);
 * await notifier.tellUser(ref, 'UAPPROVER1', 'This request was already decided.');
 */
export interface Notifier {
  postApproval(view: ApprovalView): Promise<MessageRef>;
  updateApproval(ref: MessageRef, view: ApprovalView): Promise<void>;
  /**
   * One message listing several requests of one identity (those beyond its burst), each with its
   * own Approve / Deny bound to its request id and SQL hash; posted once, then updated in place
   * with the whole list as requests are added and decided. A notifier without them gets every
   * request as a message of its own.
   */
  postDigest?(views: ApprovalView[]): Promise<MessageRef>;
  updateDigest?(ref: MessageRef, views: ApprovalView[]): Promise<void>;
  /** A reply only `slackUserId` sees (Slack: an ephemeral message in the message's channel). */
  tellUser(ref: MessageRef | null, slackUserId: string, text: string): Promise<void>;
}
