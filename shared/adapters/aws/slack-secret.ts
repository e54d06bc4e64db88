import { z } from 'zod';
import type { SecretsManagerSecret } from './secrets-manager-secret.js';

/**
 * The Slack secret's JSON shape (README "Deploying to AWS"):
 * `{ "botToken": "xoxb-…", "signingSecret": "…" }`.
 */
export const SlackSecretSchema = z.object({
  botToken: z.string().regex(/^xox[bp]-/, 'must be a Slack bot token (xoxb-…)'),
  signingSecret: z.string().min(16, 'must be the app signing secret'),
});

export type SlackSecret = z.infer<typeof SlackSecretSchema>;

/**
 * Slack credentials from Secrets Manager, validated; cached by the secret per container.
 *
 * @example
 * const { botToken, signingSecret } = await loadSlackSecret(new SecretsManagerSecret(client, arn));
 */
export function loadSlackSecret(secret: SecretsManagerSecret): Promise<SlackSecret> {
  return secret.json(SlackSecretSchema);
}
