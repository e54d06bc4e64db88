/**
 * The validated policy, as `parsePolicy` returns it (every default filled in).
 * The YAML file has the same shape; `policy-schema.ts` holds the defaults and the checks.
 * Pure types.
 */
import type { DetectorName, MaskRule } from '#shared/masking/types.js';

/** The risk classes a policy rule can name. `invalid` is not configurable: there is nothing to run. */
export type RuleRisk = 'read' | 'write' | 'privileged' | 'blocked';

/** What a rule decides: run now, ask N distinct approvers, or refuse. */
export type RuleAction = 'allow' | 'deny' | { approval: number };

/** A sensitive object can only lift a decision, so `allow` is not an option. */
export type SensitiveAction = 'deny' | { approval: number };

export interface PolicyRules {
  read: RuleAction;
  write: RuleAction;
  privileged: RuleAction;
  /** Always `deny`: the schema rejects anything else and `decide` ignores the field for blocked SQL anyway. */
  blocked: 'deny';
}

export interface PolicyOverride {
  /** Identity group (the token's groups claim) the override applies to. */
  group: string;
  description?: string;
  /** Replaces the base rule of each class it names, for members of `group`. */
  rules: Partial<Omit<PolicyRules, 'blocked'>> & { blocked?: 'deny' };
  /** Replaces `masking.inference` for members of `group` (the most restrictive of several wins). */
  masking?: { inference?: RuleAction };
}

export interface SensitiveObjectRule {
  /**
   * `DATABASE.SCHEMA.NAME` glob, three parts, `*` = any characters within one part, `?` = one character.
   * Matched case-sensitively against the resolved, normalised name (unquoted identifiers upper-cased).
   */
  pattern: string;
  action: SensitiveAction;
  description?: string;
}

export interface ColumnRuleSpec {
  /** Case-insensitive glob on a column name or qualified `TABLE.COLUMN` (see `ColumnRule`). */
  pattern: string;
  rule: MaskRule;
}

/** One IdP account of a person: the token's `iss` and `sub`. */
export interface IdpIdentity {
  iss: string;
  sub: string;
}

export interface Approver {
  /** Slack user id (`U…` or `W…`). */
  slackUserId: string;
  email: string;
  name?: string;
  /**
   * The approver's IdP accounts. With them, self-approval is caught by `iss` + `sub` even when a
   * token has no email, and this approver may approve requests whose requester cannot be linked
   * to a person (no email claim, no listed `sub`).
   */
  idp?: IdpIdentity[];
}

export interface Policy {
  version: 1;
  /** Resolves unqualified object names; as Snowflake stores them (unquoted → upper case). */
  warehouse: { database?: string; schema?: string };
  rules: PolicyRules;
  overrides: PolicyOverride[];
  sensitive: { objects: SensitiveObjectRule[] };
  masking: {
    columns: ColumnRuleSpec[];
    /**
     * A query that uses a sensitive column where it shapes which rows or groups come back, or their
     * order (WHERE, JOIN … ON, GROUP BY, ORDER BY, window PARTITION BY …), or that holds a construct
     * whose columns the parse cannot follow: allow, deny or { approval: N } (docs/masking.md).
     */
    inference: RuleAction;
    detectors: Record<DetectorName, MaskRule | 'off'>;
  };
  approvers: Approver[];
  /** Slack user group ids whose members may also approve. */
  approverGroups: string[];
  /** Identity groups whose members may read every session. */
  auditorGroups: string[];
  approval: {
    timeoutSeconds: number;
    /**
     * Domains whose mail servers treat `local+tag@domain` as `local@domain`: the `+tag` is removed
     * before emails are compared for self-approval. `['*']` (the default) means every domain.
     */
    subaddressDomains: string[];
    /**
     * Slack messages of their own one identity's approval requests get per `slackBurstWindowSeconds`;
     * beyond, its requests are listed in one digest message (each still with Approve / Deny).
     */
    slackBurst: number;
    /** The rolling window of `slackBurst`, in seconds. */
    slackBurstWindowSeconds: number;
  };
  limits: {
    statementTimeoutSeconds: number;
    maxRows: number;
    maxBytes: number;
    /** Approval requests one identity may have waiting at once (429 ERR_TOO_MANY_PENDING beyond). */
    pendingApprovalsPerIdentity: number;
    /** New approval requests one identity may open per rolling hour (429 ERR_TOO_MANY_PENDING beyond). */
    approvalRequestsPerHour: number;
    /** Fair use per identity; a policy without the block gets `POLICY_DEFAULTS.limits.perIdentity`. */
    perIdentity: PerIdentityLimits;
  };
}

/**
 * Fair use: what one identity may use. Every field is optional; absent = no such limit.
 * `groups` replace the base values for their members; where an identity is in several, the most
 * restrictive value of each field wins. `maxRows` and `statementTimeoutSeconds` here can only
 * lower the global `limits` (the cost guard), never raise them.
 */
export interface IdentityQuota {
  /** Statements running at once for this identity (leases, across Lambda containers). */
  concurrentStatements?: number;
  /**
   * Requests (POST /v1/queries, including approval requests) per minute, as a pace: one every
   * 60/requestsPerMinute seconds on average, with `burst` at once.
   */
  requestsPerMinute?: number;
  /** Requests an identity may send at once above that pace; absent: a whole minute's worth. */
  burst?: number;
  /** Warehouse time used per clock hour (UTC), in seconds. */
  warehouseSecondsPerHour?: number;
  /** Warehouse time used per UTC day, in seconds (the cost guard). */
  warehouseSecondsPerDay?: number;
  /** Rows returned per statement, at most the global `limits.maxRows`. */
  maxRows?: number;
  /** Statement timeout, at most the global `limits.statementTimeoutSeconds`. */
  statementTimeoutSeconds?: number;
}

export interface PerIdentityLimits extends IdentityQuota {
  groups: Array<IdentityQuota & { group: string }>;
}
