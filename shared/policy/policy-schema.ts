/**
 * The zod schema of a policy file. Every field is optional in YAML; what is left out takes
 * the defaults below, which are docs/interfaces.md's ("Default policy"). Messages are phrased
 * as "expected …" because `parsePolicy` prefixes them with `file:line: field.path:`.
 */
import { z } from 'zod';
import type { DetectorName, MaskRule } from '#shared/masking/types.js';
import type { Policy, RuleAction, SensitiveAction } from './policy.js';
import { splitObjectPattern } from './object-pattern.js';

/**
 * Upper bound for a statement: API Gateway cuts synchronous calls at 29 s, and the Lambda
 * still has to mask, sign and record the result after the warehouse answers.
 */
export const MAX_STATEMENT_TIMEOUT_SECONDS = 25;

/**
 * Upper bound for a result in bytes: a DynamoDB item holds at most 400 KB and the
 * `query.executed` record also carries columns, masking report, ids and the signature.
 */
export const MAX_RESULT_BYTES = 350 * 1024;

/** Step Functions would wait a year; an approval request older than a week is stale by any standard. */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** More approvers than this is a typo, not a policy. */
export const MAX_APPROVALS = 10;

export const DEFAULT_DETECTORS: Readonly<Record<DetectorName, MaskRule | 'off'>> = {
  email: 'pseudonym', // keeps joins and counts by person possible without revealing the address
  phone: 'partial',
  ssn: 'redact',
  payment_card: 'partial', // last 4 digits, as on a receipt
  iban: 'partial',
  aws_access_key: 'redact',
  jwt: 'redact',
  bearer_token: 'redact',
  private_key: 'redact',
  secret: 'redact', // API tokens, credential URLs (secretlint's recommended rules and vendor prefixes)
  person_name: 'redact', // names in free text (greetings, sign-offs, "Name: …", known first names)
};

/** The defaults, for documentation and tests; the schema below applies exactly these. */
export const POLICY_DEFAULTS = {
  rules: { read: 'allow', write: { approval: 1 }, privileged: { approval: 2 }, blocked: 'deny' },
  approval: { timeoutSeconds: 3600, subaddressDomains: ['*'], slackBurst: 3, slackBurstWindowSeconds: 600 },
  limits: {
    statementTimeoutSeconds: 20,
    maxRows: 1000,
    maxBytes: 256 * 1024,
    pendingApprovalsPerIdentity: 20,
    approvalRequestsPerHour: 60,
    /**
     * Fair use when the policy has no `limits.perIdentity` block (issue 15): generous for one agent,
     * bounded for a runaway one. 32 statements at once (what the gateway's own tests and load test
     * send from one identity; the local warehouse runs 3 of them at a time, fairly shared, a Snowflake
     * warehouse queues beyond its MAX_CONCURRENCY_LEVEL), 1,200 requests a minute as a pace (20 req/s, 40 at
     * once: a flood cannot spend a minute's worth in its first seconds and crowd out the others), and
     * half an hour of warehouse time per hour (90 statements at the 20 s timeout). No daily cap:
     * that is the deployment's cost decision (docs/snowflake-cost.md). A block in the file replaces
     * these whole: there, a field left out means no such limit.
     */
    perIdentity: { concurrentStatements: 32, requestsPerMinute: 1200, burst: 40, warehouseSecondsPerHour: 1800, groups: [] },
  },
} as const;

/** `masking.inference` when the file says nothing: a human looks at every inference query. */
export const DEFAULT_INFERENCE = { approval: 1 } as const;

const positiveInt = (max: number, what = 'a positive integer') =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}` })
    .max(max, { error: `expected at most ${max}` });

const name = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

const approvalAction = z.strictObject({ approval: positiveInt(MAX_APPROVALS) });

const ruleAction: z.ZodType<RuleAction> = z.union([z.enum(['allow', 'deny']), approvalAction], {
  error: 'expected allow, deny or { approval: N }',
});

const sensitiveAction: z.ZodType<SensitiveAction> = z.union([z.literal('deny'), approvalAction], {
  error: 'expected deny or { approval: N } (a sensitive object can only tighten a decision)',
});

const BLOCKED_MESSAGE = 'expected deny: blocked SQL is always denied and no policy or override can relax it';
const blockedRule = z.literal('deny', { error: BLOCKED_MESSAGE });

const maskRule = z.enum(['redact', 'partial', 'pseudonym'], { error: 'expected redact, partial or pseudonym' });
const detectorRule = z.enum(['redact', 'partial', 'pseudonym', 'off'], {
  error: 'expected redact, partial, pseudonym or off',
});

const detectors = z
  .strictObject(
    Object.fromEntries(
      Object.entries(DEFAULT_DETECTORS).map(([k, v]) => [k, detectorRule.default(v)]),
    ) as Record<DetectorName, z.ZodDefault<typeof detectorRule>>,
  )
  .prefault({});

const objectPattern = name('a DATABASE.SCHEMA.NAME glob').superRefine((pattern, ctx) => {
  const parts = splitObjectPattern(pattern);
  if (!Array.isArray(parts)) ctx.addIssue({ code: 'custom', message: parts.error });
});

const approver = z.strictObject({
  slackUserId: z.string({ error: 'expected a Slack user id' }).regex(/^[UW][A-Z0-9]{2,}$/, {
    error: 'expected a Slack user id (U… or W…, upper-case letters and digits)',
  }),
  email: z.email({ error: 'expected an email address' }),
  name: name('a display name').optional(),
  idp: z
    .array(z.strictObject({ iss: name('an issuer URL (the token iss)'), sub: name('a subject (the token sub)') }), {
      error: 'expected a list of { iss, sub }',
    })
    .optional(),
});

/** The fields of one per-identity quota (base or group); limits.perIdentity. */
const identityQuotaShape = {
  concurrentStatements: positiveInt(1000).optional(),
  requestsPerMinute: positiveInt(1_000_000).optional(),
  burst: positiveInt(1_000_000).optional(),
  warehouseSecondsPerHour: positiveInt(3600 * 1000, 'a positive number of seconds').optional(),
  warehouseSecondsPerDay: positiveInt(86_400 * 1000, 'a positive number of seconds').optional(),
  maxRows: positiveInt(Number.MAX_SAFE_INTEGER).optional(),
  statementTimeoutSeconds: positiveInt(MAX_STATEMENT_TIMEOUT_SECONDS, 'a positive number of seconds').optional(),
};
/** MAX_* for the approval request limits: a typo of 10⁶ would switch the limit off. */
// Also what fits the identity's counter item (one DynamoDB item, 400 KB): at most this many request
// ids (26 bytes) in `pending` and `<ms>#<id>` members (42 bytes) in `opened`, about 136 KB.
export const MAX_PENDING_APPROVALS = 2_000;
/** approval.slackBurst: beyond this, one identity could still flood the channel. */
export const MAX_SLACK_BURST = 100;

export const policySchema = z
  .strictObject({
    version: z.literal(1, { error: 'expected 1 (the only policy format so far)' }).default(1),
    warehouse: z
      .strictObject({
        database: name('a database name').optional(),
        schema: name('a schema name').optional(),
      })
      .prefault({}),
    rules: z
      .strictObject({
        read: ruleAction.default(POLICY_DEFAULTS.rules.read),
        write: ruleAction.default(() => ({ ...POLICY_DEFAULTS.rules.write })),
        privileged: ruleAction.default(() => ({ ...POLICY_DEFAULTS.rules.privileged })),
        blocked: blockedRule.default('deny'),
      })
      .prefault({}),
    overrides: z
      .array(
        z.strictObject({
          group: name('an identity group name'),
          description: z.string({ error: 'expected text' }).optional(),
          rules: z
            .strictObject({
              read: ruleAction.optional(),
              write: ruleAction.optional(),
              privileged: ruleAction.optional(),
              blocked: blockedRule.optional(),
            })
            .prefault({}),
          masking: z.strictObject({ inference: ruleAction.optional() }).optional(),
        }),
        { error: 'expected a list of { group, rules }' },
      )
      .default(() => []),
    sensitive: z
      .strictObject({
        objects: z
          .array(
            z.strictObject({ pattern: objectPattern, action: sensitiveAction, description: z.string({ error: 'expected text' }).optional() }),
            { error: 'expected a list of { pattern, action }' },
          )
          .default(() => []),
        // Column rules live in one place only: a second list would drift from what masking uses.
        columns: z.never({ error: 'column rules live in masking.columns (one list for masking and sensitivity)' }).optional(),
      })
      .prefault({}),
    masking: z
      .strictObject({
        columns: z
          .array(z.strictObject({ pattern: name('a column name glob'), rule: maskRule }), {
            error: 'expected a list of { pattern, rule }',
          })
          .default(() => []),
        inference: ruleAction.default(() => ({ ...DEFAULT_INFERENCE })),
        detectors,
      })
      .prefault({}),
    approvers: z
      .array(approver, { error: 'expected a list of { slackUserId, email, name? }' })
      .default(() => [])
      .superRefine((list, ctx) => {
        // Quorum counts distinct approvers; the same Slack id twice would count one person twice.
        const seen = new Set<string>();
        list.forEach((a, i) => {
          if (seen.has(a.slackUserId)) {
            ctx.addIssue({ code: 'custom', path: [i, 'slackUserId'], message: `duplicate approver ${a.slackUserId}` });
          }
          seen.add(a.slackUserId);
        });
      }),
    approverGroups: z
      .array(z.string({ error: 'expected a Slack user group id (S…)' }).regex(/^S[A-Z0-9]{2,}$/, { error: 'expected a Slack user group id (S…)' }), {
        error: 'expected a list of Slack user group ids',
      })
      .default(() => []),
    auditorGroups: z.array(name('an identity group name'), { error: 'expected a list of group names' }).default(() => []),
    approval: z
      .strictObject({
        timeoutSeconds: positiveInt(MAX_APPROVAL_TIMEOUT_SECONDS, 'a positive number of seconds').default(
          POLICY_DEFAULTS.approval.timeoutSeconds,
        ),
        subaddressDomains: z
          .array(
            z
              .string({ error: 'expected a domain or *' })
              .regex(/^(\*|[^\s@*]+)$/, { error: 'expected a domain (example.com) or *' })
              .transform((d) => d.toLowerCase().replace(/\.$/, '')),
            { error: 'expected a list of domains' },
          )
          .default(() => [...POLICY_DEFAULTS.approval.subaddressDomains]),
        slackBurst: positiveInt(MAX_SLACK_BURST).default(POLICY_DEFAULTS.approval.slackBurst),
        slackBurstWindowSeconds: positiveInt(MAX_APPROVAL_TIMEOUT_SECONDS, 'a positive number of seconds').default(POLICY_DEFAULTS.approval.slackBurstWindowSeconds),
      })
      .prefault({}),
    limits: z
      .strictObject({
        statementTimeoutSeconds: positiveInt(MAX_STATEMENT_TIMEOUT_SECONDS, 'a positive number of seconds').default(
          POLICY_DEFAULTS.limits.statementTimeoutSeconds,
        ),
        maxRows: positiveInt(Number.MAX_SAFE_INTEGER).default(POLICY_DEFAULTS.limits.maxRows),
        maxBytes: positiveInt(MAX_RESULT_BYTES).default(POLICY_DEFAULTS.limits.maxBytes),
        pendingApprovalsPerIdentity: positiveInt(MAX_PENDING_APPROVALS).default(POLICY_DEFAULTS.limits.pendingApprovalsPerIdentity),
        approvalRequestsPerHour: positiveInt(MAX_PENDING_APPROVALS).default(POLICY_DEFAULTS.limits.approvalRequestsPerHour),
        // Fair use: per-identity quotas; see `IdentityQuota`. Without the block, POLICY_DEFAULTS' apply.
        perIdentity: z
          .strictObject({
            ...identityQuotaShape,
            groups: z
              .array(z.strictObject({ group: name('an identity group name'), ...identityQuotaShape }), { error: 'expected a list of { group, …limits }' })
              .default(() => []),
          })
          .default(() => ({ ...POLICY_DEFAULTS.limits.perIdentity, groups: [] })),
      })
      .prefault({}),
  });

// Keeps the hand-written `Policy` type and the schema's output in step: this fails to compile when they drift.
type Output = z.output<typeof policySchema>;
type Assert<T extends true> = T;
export type PolicyShapeCheck = Assert<Output extends Policy ? (Policy extends Output ? true : false) : false>;
