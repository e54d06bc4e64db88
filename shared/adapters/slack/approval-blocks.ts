import type { ApprovalView } from '../../ports/notifier.js';
import { APPROVE_ACTION, DENY_ACTION, type ButtonValue } from './slack-interaction.js';
import { clip, escapeSlack } from './slack-text.js';

/** A rich_text_preformatted element holds up to 4,000 characters; the rest goes into a file. */
export const MAX_INLINE_SQL = 3500;
const MAX_SECTION = 2900;

export interface ApprovalMessage {
  /** Notification / fallback text (escaped). */
  text: string;
  blocks: Record<string, unknown>[];
  /** True when the SQL does not fit a block and must be attached as a file (every character visible). */
  sqlAsFile: boolean;
}

export const STATUS_LINE: Record<string, string> = {
  pending_approval: ':hourglass_flowing_sand: *Waiting for approval*',
  approved: ':white_check_mark: *Approved* — running',
  running: ':white_check_mark: *Approved* — running',
  executed: ':white_check_mark: *Approved and executed*',
  failed: ':warning: *Approved, but the statement failed*',
  rejected: ':no_entry: *Rejected*',
  expired: ':alarm_clock: *Expired* — nobody decided in time',
  outcome_unknown: ':grey_question: *Approved; the outcome is unknown*',
};

function mrkdwn(text: string): Record<string, unknown> {
  return { type: 'mrkdwn', text, verbatim: true };
}

/**
 * The Block Kit message for one approval request: requester, prompt, the SQL (preformatted,
 * literal; attached as a file when too long), risk and reasons, objects, votes so far / required,
 * expiry, and Approve / Deny buttons while it is pending. Every model-written string is escaped.
 *
 * @example
 * const { text, blocks, sqlAsFile } = approvalMessage(view);
 */
export function approvalMessage(v: ApprovalView): ApprovalMessage {
  const approvals = v.votes.filter((x) => x.vote === 'approve');
  const requester = escapeSlack(v.requester.email ?? v.requester.sub ?? 'unknown') + (v.requester.act === undefined ? '' : ` (agent: ${escapeSlack(v.requester.act)})`);
  const sqlAsFile = v.sql.length > MAX_INLINE_SQL;
  const header = `Airlock: ${v.risk} SQL needs ${v.approvalsRequired} approval${v.approvalsRequired === 1 ? '' : 's'}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(header, 150) } },
    { type: 'section', text: mrkdwn(STATUS_LINE[v.status] ?? escapeSlack(v.status)) },
    {
      type: 'section',
      fields: [
        mrkdwn(`*Requester*\n${clip(requester, 1900)}`),
        mrkdwn(`*Risk*\n\`${escapeSlack(v.risk)}\``),
        mrkdwn(`*Approvals*\n${approvals.length} / ${v.approvalsRequired}`),
        mrkdwn(`*Expires*\n<!date^${Math.floor(Date.parse(v.expiresAt) / 1000) || 0}^{date_short_pretty} {time}|${escapeSlack(v.expiresAt)}>`),
      ],
    },
    { type: 'section', text: mrkdwn(`*Prompt*\n>${clip(escapeSlack(v.prompt), MAX_SECTION).replace(/\n/g, '\n>')}`) },
    sqlAsFile
      ? { type: 'section', text: mrkdwn(`*SQL* — ${v.sql.length} characters, too long for a message: the full text is attached as \`airlock-${v.requestId}.sql\` in this thread. Read all of it before you approve.`) }
      : { type: 'rich_text', elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text: v.sql }] }] },
    { type: 'context', elements: [mrkdwn(`sha256 \`${v.sqlHash}\` · request \`${v.requestId}\` · session \`${escapeSlack(v.sessionId)}\``)] },
  ];
  if (v.reasons.length > 0) {
    const lines = v.reasons.map((r) => `• \`${escapeSlack(r.code)}\` ${escapeSlack(r.message)}`).join('\n');
    blocks.push({ type: 'section', text: mrkdwn(`*Why it needs approval*\n${clip(lines, MAX_SECTION)}`) });
  }
  if (v.objects.length > 0) {
    blocks.push({ type: 'section', text: mrkdwn(`*Objects*\n${clip(v.objects.map((o) => `\`${escapeSlack(o)}\``).join(', '), MAX_SECTION)}`) });
  }
  if (v.votes.length > 0) {
    const lines = v.votes.map(
      (x) =>
        `${x.vote === 'approve' ? ':white_check_mark: approved' : ':no_entry: denied'} by <@${x.slackUserId}> at ${escapeSlack(x.at)}` +
        (x.reason ? ` — reason: ${escapeSlack(clip(x.reason, 500))}` : ''),
    );
    blocks.push({ type: 'section', text: mrkdwn(clip(lines.join('\n'), MAX_SECTION)) });
  }
  if (v.status === 'pending_approval') {
    const value: ButtonValue = { requestId: v.requestId, sqlHash: v.sqlHash };
    blocks.push({
      type: 'actions',
      block_id: 'airlock_vote',
      elements: [
        { type: 'button', action_id: APPROVE_ACTION, style: 'primary', text: { type: 'plain_text', text: 'Approve' }, value: JSON.stringify(value) },
        { type: 'button', action_id: DENY_ACTION, style: 'danger', text: { type: 'plain_text', text: 'Deny' }, value: JSON.stringify(value) },
      ],
    });
  } else if (v.decidedAt !== undefined) {
    // Who decided, in words (the requester and the other approvers read the same message).
    const denial = v.votes.find((x) => x.vote === 'deny');
    const by =
      denial !== undefined
        ? ` — rejected by <@${denial.slackUserId}>${denial.reason ? `: ${escapeSlack(clip(denial.reason, 500))}` : ' (no reason given)'}`
        : v.status === 'expired'
          ? ''
          : approvals.length > 0
            ? ` — approved by ${approvals.map((x) => `<@${x.slackUserId}>`).join(', ')}`
            : '';
    blocks.push({ type: 'context', elements: [mrkdwn(`Decided ${escapeSlack(v.decidedAt)}${by}`)] });
  }
  return { text: escapeSlack(`${header} — ${v.status} (${approvals.length}/${v.approvalsRequired})`), blocks, sqlAsFile };
}
