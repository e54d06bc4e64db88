import { z } from 'zod';
import { AirlockError } from '../errors.js';
import { checkSnowflakeSettings } from '../adapters/snowflake/snowflake-settings.js';

/**
 * Every environment variable Airlock reads, validated once at start. Wiring modules
 * call `parseEnv(process.env)`; nothing else reads the environment.
 *
 * @example
 * const env = parseEnv(process.env); // throws ERR_CONFIG naming the variable
 */
const port = z.coerce.number().int().min(0).max(65535);
const optionalString = z.string().min(1).optional();

/** The failures `AIRLOCK_FAULTS` can switch on in the local runtime (see local/faults.ts). */
export const FAULT_NAMES = ['store-fail', 'signer-fail', 'warehouse-fail', 'warehouse-timeout', 'crash-after-execute', 'slack-post-fail'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export const EnvSchema = z.object({
  AIRLOCK_PORT: port.default(8787),
  AIRLOCK_HOST: z.string().min(1).default('127.0.0.1'),
  AIRLOCK_DATA_DIR: z.string().min(1).default('.airlock'),
  AIRLOCK_URL: z.url().optional(),
  AIRLOCK_MASKING_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Local fault injection (tests and drills only; read by local/runtime.ts alone): comma-separated FAULT_NAMES. */
  AIRLOCK_FAULTS: z
    .string()
    .transform((v) => v.split(',').map((f) => f.trim()).filter((f) => f !== ''))
    .pipe(z.array(z.enum(FAULT_NAMES, { error: (i) => `unknown fault '${String(i.input)}'; known: ${FAULT_NAMES.join(', ')}` })))
    .default([]),
  AIRLOCK_POLICY: optionalString,
  /** Local runtime: how long a 429 (an identity over its own limits) is held before it is answered (local/http-server.ts). */
  AIRLOCK_REFUSAL_HOLD_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  /** Local runtime on Linux: the nice value given to every thread but the event loop's (local/thread-priority.ts); 0 leaves them. */
  AIRLOCK_WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  AIRLOCK_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  AIRLOCK_TOKEN: optionalString,
  AIRLOCK_TOKEN_COMMAND: optionalString,
  OIDC_ISSUER: optionalString,
  OIDC_AUDIENCE: optionalString,
  OIDC_JWKS_URL: z.url().optional(),
  OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_CHANNEL: optionalString,
  /** Slack Web API base URL (default https://slack.com/api/); tests point it at a local server. */
  SLACK_API_URL: z.url().optional(),
  SNOWFLAKE_ACCOUNT: optionalString,
  SNOWFLAKE_USER: optionalString,
  SNOWFLAKE_PRIVATE_KEY: optionalString,
  SNOWFLAKE_PRIVATE_KEY_PATH: optionalString,
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: optionalString,
  SNOWFLAKE_PASSWORD: optionalString,
  SNOWFLAKE_ROLE: optionalString,
  SNOWFLAKE_WAREHOUSE: optionalString,
  SNOWFLAKE_DATABASE: optionalString,
  SNOWFLAKE_SCHEMA: optionalString,
  SNOWFLAKE_ACCESS_URL: z.url().optional(),
});

export type AirlockEnv = z.infer<typeof EnvSchema>;

export function parseEnv(env: Record<string, string | undefined>): AirlockEnv {
  // An empty variable means "unset": shells export `FOO=` easily and it should not fail validation.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new AirlockError('ERR_CONFIG', `${name}: ${issue?.message ?? 'invalid'}`);
  }
  const oidc = [parsed.data.OIDC_ISSUER, parsed.data.OIDC_AUDIENCE, parsed.data.OIDC_JWKS_URL];
  if (oidc.some((v) => v !== undefined) && oidc.some((v) => v === undefined)) {
    throw new AirlockError('ERR_CONFIG', 'OIDC_ISSUER, OIDC_AUDIENCE and OIDC_JWKS_URL must be set together (or none, for the local dev issuer)');
  }
  checkSnowflakeSettings(parsed.data);
  return parsed.data;
}
