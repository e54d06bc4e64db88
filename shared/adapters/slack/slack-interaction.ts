import { AirlockError } from '../../errors.js';

export const APPROVE_ACTION = 'airlock_approve';
export const DENY_ACTION = 'airlock_deny';

/** What the interactions endpoint needs from a `block_actions` payload. */
export interface ApprovalClick {
  slackUserId: string;
  vote: 'approve' | 'deny';
  requestId: string;
  sqlHash?: string;
  reason?: string;
  /** Where the clicked message is (for the ephemeral reply). */
  channel?: string;
  messageTs?: string;
}

/** The button value: the request and the hash of the SQL the message showed. */
export interface ButtonValue {
  requestId: string;
  sqlHash?: string;
  reason?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Parses Slack's form-encoded interaction body (`payload=<JSON>`) into the one click Airlock
 * handles. Anything else is `ERR_VALIDATION` (400). Called only after the signature checked out.
 *
 * @example
 * const click = parseApprovalClick('payload=%7B%22type%22%3A%22block_actions%22…');
 */
export function parseApprovalClick(rawBody: string): ApprovalClick {
  const payloadText = new URLSearchParams(rawBody).get('payload');
  if (payloadText === null) throw new AirlockError('ERR_VALIDATION', 'the body has no payload field');
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(payloadText) as Record<string, unknown>;
  } catch {
    throw new AirlockError('ERR_VALIDATION', 'payload is not JSON');
  }
  if (typeof p !== 'object' || p === null || p['type'] !== 'block_actions') throw new AirlockError('ERR_VALIDATION', 'only block_actions interactions are handled');
  const user = str((p['user'] as Record<string, unknown> | undefined)?.['id']);
  const action = (Array.isArray(p['actions']) ? p['actions'][0] : undefined) as Record<string, unknown> | undefined;
  const actionId = str(action?.['action_id']);
  if (user === undefined || action === undefined || (actionId !== APPROVE_ACTION && actionId !== DENY_ACTION)) {
    throw new AirlockError('ERR_VALIDATION', 'not an Airlock approve/deny action');
  }
  let value: ButtonValue;
  try {
    value = JSON.parse(String(action['value'])) as ButtonValue;
  } catch {
    throw new AirlockError('ERR_VALIDATION', 'the action value is not JSON');
  }
  const requestId = str(value?.requestId);
  if (requestId === undefined) throw new AirlockError('ERR_VALIDATION', 'the action names no request');
  const click: ApprovalClick = { slackUserId: user, vote: actionId === APPROVE_ACTION ? 'approve' : 'deny', requestId };
  const sqlHash = str(value.sqlHash);
  if (sqlHash !== undefined) click.sqlHash = sqlHash;
  const reason = str(value.reason);
  if (reason !== undefined) click.reason = reason;
  const channel = str((p['channel'] as Record<string, unknown> | undefined)?.['id']) ?? str((p['container'] as Record<string, unknown> | undefined)?.['channel_id']);
  if (channel !== undefined) click.channel = channel;
  const ts = str((p['container'] as Record<string, unknown> | undefined)?.['message_ts']) ?? str((p['message'] as Record<string, unknown> | undefined)?.['ts']);
  if (ts !== undefined) click.messageTs = ts;
  return click;
}

/**
 * A `block_actions` body as Slack sends it when `slackUserId` clicks a button: what the CLI's
 * `approve` / `deny` post, so the real interaction path is the one that runs.
 *
 * @example
 * const body = approvalClickBody({ slackUserId: 'UAPPROVER1', vote: 'approve', requestId });
 */
export function approvalClickBody(c: { slackUserId: string; vote: 'approve' | 'deny'; requestId: string; reason?: string; sqlHash?: string }): string {
  const value: ButtonValue = { requestId: c.requestId };
  if (c.sqlHash !== undefined) value.sqlHash = c.sqlHash;
  if (c.reason !== undefined) value.reason = c.reason;
  const payload = {
    type: 'block_actions',
    user: { id: c.slackUserId },
    api_app_id: 'AAIRLOCKCLI',
    container: { type: 'message' },
    actions: [{ type: 'button', action_id: c.vote === 'approve' ? APPROVE_ACTION : DENY_ACTION, block_id: 'airlock_vote', value: JSON.stringify(value), action_ts: String(Date.now() / 1000) }],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
