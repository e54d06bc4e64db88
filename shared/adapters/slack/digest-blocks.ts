import type { ApprovalView } from '../../ports/notifier.js';
import { DIGEST_MAX_ENTRIES } from '../../ports/notifier.js';
import { STATUS_LINE, type ApprovalMessage } from './approval-blocks.js';
import { APPROVE_ACTION, DENY_ACTION, type ButtonValue } from './slack-interaction.js';
import { clip, escapeSlack } from './slack-text.js';

function mrkdwn(text: string): Record<string, unknown> {
  return { type: 'mrkdwn', text, verbatim: true };
}

function requesterOf(v: ApprovalView): string {
  return escapeSlack(v.requester.email ?? v.requester.sub ?? 'unknown') + (v.requester.act === undefined ? '' : ` (agent: ${escapeSlack(v.requester.act)})`);
}

function outcome(v: ApprovalView): string {
  if (v.status === 'pending_approval' || v.decidedAt === undefined) return '';
  const denial = v.votes.find((x) => x.vote === 'deny');
  if (denial !== undefined) return `\nRejected by <@${denial.slackUserId}>${denial.reason ? `: ${escapeSlack(clip(denial.reason, 300))}` : ' (no reason given)'}`;
  const approvals = v.votes.filter((x) => x.vote === 'approve');
  return v.status !== 'expired' && approvals.length > 0 ? `\nApproved by ${approvals.map((x) => `<@${x.slackUserId}>`).join(', ')}` : '';
}

/**
 * The digest of one identity's requests beyond its Slack burst: one message listing each request
 * (number, status, risk, votes so far / required, requester, request id, SQL hash, prompt, the SQL
 * itself, literal) with Approve / Deny buttons of its own while it is pending. Each button carries
 * its own request id and SQL hash, so the signed-click checks apply per request. Every
 * model-written string is escaped; the SQL sits in a preformatted element, as in the single message.
 *
 * @example
 * const { text, blocks } = digestMessage(views);
 */
export function digestMessage(views: ApprovalView[]): ApprovalMessage {
  const shown = views.slice(0, DIGEST_MAX_ENTRIES);
  const waiting = shown.filter((v) => v.status === 'pending_approval').length;
  const who = shown[0] === undefined ? 'unknown' : requesterOf(shown[0]);
  const header = `Airlock: ${shown.length} approval request${shown.length === 1 ? '' : 's'} from one requester`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(header, 150) } },
    {
      type: 'context',
      elements: [
        mrkdwn(
          clip(
            `*${who}* asked for more approvals than get a message of their own; the rest are listed here, each with its own buttons. ${waiting} waiting, ${shown.length - waiting} decided.`,
            2900,
          ),
        ),
      ],
    },
  ];
  shown.forEach((v, i) => {
    const approvals = v.votes.filter((x) => x.vote === 'approve').length;
    const line =
      `*${i + 1}.* ${STATUS_LINE[v.status] ?? escapeSlack(v.status)} · \`${escapeSlack(v.risk)}\` · ${approvals} / ${v.approvalsRequired} approvals\n` +
      `request \`${v.requestId}\` · sha256 \`${v.sqlHash}\`\n` +
      `*Prompt* ${clip(escapeSlack(v.prompt.replace(/\s+/g, ' ')), 300)}` +
      outcome(v);
    blocks.push({ type: 'section', text: mrkdwn(clip(line, 2900)) });
    blocks.push({ type: 'rich_text', elements: [{ type: 'rich_text_preformatted', elements: [{ type: 'text', text: v.sql }] }] });
    if (v.status === 'pending_approval') {
      const value: ButtonValue = { requestId: v.requestId, sqlHash: v.sqlHash };
      blocks.push({
        type: 'actions',
        block_id: `airlock_vote_${v.requestId}`.slice(0, 255),
        elements: [
          { type: 'button', action_id: APPROVE_ACTION, style: 'primary', text: { type: 'plain_text', text: `Approve ${i + 1}` }, value: JSON.stringify(value) },
          { type: 'button', action_id: DENY_ACTION, style: 'danger', text: { type: 'plain_text', text: `Deny ${i + 1}` }, value: JSON.stringify(value) },
        ],
      });
    }
  });
  return { text: escapeSlack(`${header} — ${waiting} waiting`), blocks, sqlAsFile: false };
}
