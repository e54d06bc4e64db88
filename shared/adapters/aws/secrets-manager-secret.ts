import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { z } from 'zod';
import { AirlockError } from '../../errors.js';

/**
 * One Secrets Manager secret, fetched once per container and cached (a Lambda container
 * lives minutes to hours; rotating a secret takes effect on new containers). A failed fetch
 * is not cached, and fails closed with `ERR_SECRET_UNAVAILABLE`; the message names the
 * secret, never its value.
 *
 * @example
 * const slack = new SecretsManagerSecret(client, process.env.AIRLOCK_SLACK_SECRET); // a name or an ARN
 * const { botToken } = await slack.json(SlackSecretSchema);
 */
export class SecretsManagerSecret {
  #value: Promise<string> | undefined;

  constructor(
    private readonly client: SecretsManagerClient,
    readonly secretId: string,
  ) {}

  /** The secret's string value. */
  text(): Promise<string> {
    this.#value ??= this.#fetch().catch((e: unknown) => {
      this.#value = undefined;
      throw e;
    });
    return this.#value;
  }

  /** The secret's value parsed as JSON and validated; the error names the bad field, not its value. */
  async json<S extends z.ZodType>(schema: S): Promise<z.infer<S>> {
    const text = await this.text();
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AirlockError('ERR_SECRET_INVALID', `secret ${this.secretId} is not JSON`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new AirlockError('ERR_SECRET_INVALID', `secret ${this.secretId}: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`);
    }
    return parsed.data;
  }

  async #fetch(): Promise<string> {
    let out;
    try {
      out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    } catch (cause) {
      const name = cause instanceof Error ? cause.name : 'UnknownError';
      throw new AirlockError('ERR_SECRET_UNAVAILABLE', `cannot read secret ${this.secretId}: ${name}`, { cause, details: { awsError: name } });
    }
    if (out.SecretString === undefined || out.SecretString === '') {
      throw new AirlockError('ERR_SECRET_INVALID', `secret ${this.secretId} has no string value`);
    }
    return out.SecretString;
  }
}
