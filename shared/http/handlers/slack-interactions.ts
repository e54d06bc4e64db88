import { verifySlackSignature } from '../../adapters/slack/slack-signature.js';
import { parseApprovalClick } from '../../adapters/slack/slack-interaction.js';
import { AirlockError } from '../../errors.js';
import { recordVote } from '../../use-cases/record-vote.js';
import { json, type ApiEvent, type ApiResult } from '../api-event.js';
import type { ApiDeps } from '../api-deps.js';

/**
 * POST /slack/interactions — Slack's interactivity endpoint. The signature over the RAW body is
 * checked before anything is parsed (401 ERR_SLACK_SIGNATURE, nothing recorded). Slack wants a
 * 200 within 3 s whatever the outcome, so refusals are 200 too: `{ recorded, code }` (docs/interfaces.md),
 * plus an ephemeral reply to the clicker. A Slack retry of a recorded click is `already_voted`.
 */
export async function postSlackInteractions(deps: Pick<ApiDeps, 'approvals' | 'clock' | 'log'>, event: ApiEvent): Promise<ApiResult> {
  const a = deps.approvals;
  if (a === undefined) throw new AirlockError('ERR_NOT_FOUND', 'approvals are not configured on this server');
  verifySlackSignature({
    signingSecret: a.slackSigningSecret,
    rawBody: event.body,
    timestamp: event.headers['x-slack-request-timestamp'],
    signature: event.headers['x-slack-signature'],
    nowSeconds: Math.floor(deps.clock.now().getTime() / 1000),
  });
  const click = parseApprovalClick(event.body);
  const result = await recordVote(a.deps, click);
  if (!result.recorded) {
    const ref = click.channel !== undefined && click.messageTs !== undefined ? { channel: click.channel, ts: click.messageTs } : null;
    await a.deps.notifier.tellUser(ref, click.slackUserId, `Airlock: ${result.message}`).catch((e: unknown) =>
      deps.log('warn', 'ephemeral reply failed', { requestId: click.requestId, err: e instanceof Error ? e.message : String(e) }),
    );
  }
  return json(200, { recorded: result.recorded, code: result.code, status: result.status, message: result.message });
}
