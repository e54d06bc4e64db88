import type { SourceMaskingHealth } from '../governance/source-masking-health.js';
import type { Policy } from '../policy/policy.js';
import type { TokenVerifier } from '../ports/token-verifier.js';
import type { RecordVoteDeps } from '../use-cases/record-vote.js';
import type { SubmitQueryDeps } from '../use-cases/submit-query.js';

export interface PublicKeyInfo {
  keyId: string;
  alg: 'ECDSA_SHA_256';
  pem: string;
  use: 'records' | 'exports';
  kmsKeyArn?: string;
}

/**
 * Everything the HTTP handlers need, together: the local runtime's deps, built by `compose` (shared/wiring/compose.ts).
 * Each handler's own type picks the fields it reads; an AWS function is given only its routes' (`RouteDeps`, shared/http/router.ts).
 */
export interface ApiDeps extends SubmitQueryDeps {
  verifier: TokenVerifier;
  policy: Policy;
  /** Names of the parts that are not ready yet (empty when ready). */
  notReady(): string[];
  keys(): Promise<PublicKeyInfo[]>;
  /** The key certificates (`system/keys` chain, canonical lines) that certify the keys records are signed with. */
  certificates?(): Promise<string[]>;
  log(level: 'error' | 'warn' | 'info', msg: string, fields?: Record<string, unknown>): void;
  /** The approval workflow's parts for POST /slack/interactions; absent → that route is 404. */
  approvals?: ApprovalApiDeps;
  /**
   * The last source-masking check (docs/snowflake-governance.md): from memory (local), or the item the scheduled
   * reconcile keeps, cached ≤ 60 s (AWS `Public`); absent → health says nothing about it.
   */
  sourceMasking?(): SourceMaskingHealth | Promise<SourceMaskingHealth>;
  /** Where every execution lives in this process (local runtime): when it started (ms). A request `running` since before is interrupted. */
  executionsSince?: number;
}

/** What the interactions endpoint needs: the vote's deps and Slack's secret (`interactionsDeps`, shared/wiring/compose.ts). */
export interface ApprovalApiDeps {
  /** What a vote reads and writes (resume, tell, check approvers); where one runtime runs both, the very deps the approval tasks get. */
  deps: RecordVoteDeps;
  /** Slack's signing secret (SLACK_SIGNING_SECRET; locally generated under the data folder when unset). */
  slackSigningSecret: string;
}
