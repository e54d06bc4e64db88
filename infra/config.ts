import { z } from 'zod';

/**
 * The deployment's parameters, from CDK context (`cdk.json`, or `-c key=value` on the
 * command line). Validated at synth time, so a typo stops `cdk synth` instead of a Lambda.
 */
const ConfigSchema = z.object({
  /** Prefix of table names and key aliases: `airlock` → `airlock-records`, `alias/airlock-records`. */
  prefix: z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'lowercase letters, digits and dashes'),
  oidcIssuer: z.url(),
  oidcAudience: z.string().min(1),
  /** Defaults to `<issuer>/.well-known/jwks.json`; set it when the IdP publishes keys elsewhere. */
  oidcJwksUrl: z.url().optional(),
  oidcGroupsClaim: z.string().min(1).default('groups'),
  slackChannel: z.string().min(1),
  /** YAML policy, read and validated with `loadPolicy` at synth time; relative to the repo root. */
  policyFile: z.string().min(1),
  /** Secrets Manager secret names; the stack references them and never holds their values. */
  slackSecretName: z.string().min(1),
  snowflakeSecretName: z.string().min(1),
  /** Retired record-signing KMS key ARNs, still published by `GET /v1/keys` (comma-separated or a list). */
  previousRecordsKeyArns: z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s !== ''))
    .pipe(z.array(z.string().regex(/^arn:aws[a-z-]*:kms:/, 'must be a KMS key ARN')))
    .default([]),
  /** Raise by one to rotate the records key (README "Deploying to AWS" → key rotation). */
  recordsKeyVersion: z.coerce.number().int().min(1).default(1),
  throttleRateLimit: z.coerce.number().int().positive().default(50),
  throttleBurstLimit: z.coerce.number().int().positive().default(100),
  logRetentionDays: z.coerce.number().int().positive().default(365),
  /**
   * Give the functions that talk to Snowflake a fixed egress IP (VPC, private subnets, one NAT
   * gateway with an Elastic IP, output `SnowflakeEgressIp`) for a Snowflake network policy. Off by default.
   */
  fixedEgress: z
    .union([z.boolean(), z.enum(['true', 'false'])])
    .transform((v) => v === true || v === 'true')
    .default(false),
});

export type AirlockConfig = z.infer<typeof ConfigSchema> & { oidcJwksUrl: string };

/** The context keys, as `airlock:<name>` in cdk.json or `-c airlock:<name>=…`. */
export const CONTEXT_KEYS = Object.keys(ConfigSchema.shape) as (keyof z.infer<typeof ConfigSchema>)[];

/**
 * Reads `airlock:*` context values and validates them; the error names the context key.
 *
 * @example
 * const config = readConfig((k) => app.node.tryGetContext(k));
 */
export function readConfig(getContext: (key: string) => unknown): AirlockConfig {
  const raw = Object.fromEntries(CONTEXT_KEYS.map((k) => [k, getContext(`airlock:${k}`)]).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`CDK context airlock:${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const c = parsed.data;
  return { ...c, oidcJwksUrl: c.oidcJwksUrl ?? `${c.oidcIssuer.replace(/\/$/, '')}/.well-known/jwks.json` };
}
