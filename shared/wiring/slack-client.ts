import { WebClient } from '@slack/web-api';

/**
 * Slack Web API calls give up after this long, in both runtimes. Slack expects an interaction
 * answered within 3 s, and a workflow task that cannot reach Slack should fail and be retried
 * by the state machine rather than hang.
 */
export const SLACK_TIMEOUT_MS = 5_000;
/** Few, short retries (the library's default retries for half an hour). */
export const SLACK_RETRIES = 2;

/**
 * The one way either runtime builds Slack's client: the bot token, the shared timeout and
 * retries, and optionally another API root (a local Slack stand-in, `SLACK_API_URL`).
 *
 * @example
 * const client = slackClient(botToken); // AWS
 * const client = slackClient(env.SLACK_BOT_TOKEN, env.SLACK_API_URL); // local
 */
export function slackClient(botToken: string, apiUrl?: string): WebClient {
  return new WebClient(botToken, { retryConfig: { retries: SLACK_RETRIES }, timeout: SLACK_TIMEOUT_MS, ...(apiUrl === undefined ? {} : { slackApiUrl: apiUrl }) });
}
