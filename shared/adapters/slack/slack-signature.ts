import { createHmac, timingSafeEqual } from 'node:crypto';
import { AirlockError } from '../../errors.js';

/** Slack's window: a request older (or newer) than 5 minutes is refused as a possible replay. */
export const MAX_SKEW_SECONDS = 5 * 60;

/**
 * `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` under the signing secret
 * (https://api.slack.com/authentication/verifying-requests-from-slack).
 *
 * @example
 * slackSignature(secret, '1531420618', body); // 'v0=a2114d57…'
 */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

/**
 * Checks a request's `X-Slack-Signature` / `X-Slack-Request-Timestamp` over the RAW body, before
 * anything is parsed. Throws `ERR_SLACK_SIGNATURE` (401) on a missing, stale or wrong signature;
 * the comparison is constant-time.
 *
 * @example
 * verifySlackSignature({ signingSecret, rawBody: event.body, timestamp: h['x-slack-request-timestamp'], signature: h['x-slack-signature'], nowSeconds });
 */
export function verifySlackSignature(a: {
  signingSecret: string;
  rawBody: string;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds: number;
}): void {
  if (a.timestamp === undefined || a.signature === undefined) throw new AirlockError('ERR_SLACK_SIGNATURE', 'missing Slack signature headers');
  if (!/^\d{1,12}$/.test(a.timestamp)) throw new AirlockError('ERR_SLACK_SIGNATURE', 'malformed Slack request timestamp');
  if (Math.abs(a.nowSeconds - Number(a.timestamp)) > MAX_SKEW_SECONDS) {
    throw new AirlockError('ERR_SLACK_SIGNATURE', 'Slack request timestamp is more than 5 minutes away');
  }
  const expected = Buffer.from(slackSignature(a.signingSecret, a.timestamp, a.rawBody), 'utf8');
  const got = Buffer.from(a.signature, 'utf8');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) throw new AirlockError('ERR_SLACK_SIGNATURE', 'Slack signature does not match');
}
