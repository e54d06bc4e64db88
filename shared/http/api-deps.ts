import type { Policy } from '../policy/policy.js';
import type { ApproverDirectory } from '../ports/approver-directory.js';
import type { Notifier } from '../ports/notifier.js';
import type { TokenVerifier } from '../ports/token-verifier.js';
import type { Workflow } from '../ports/workflow.js';
import type { SubmitQueryDeps } from '../use-cases/submit-query.js';

export interface PublicKeyInfo {
  keyId: string;
  alg: 'ECDSA_SHA_256';
  pem: string;
  use: 'records' | 'exports';
  kmsKeyArn?: string;
}

/** Everything the HTTP handlers need; built by a wiring module (local or AWS). */
export interface ApiDeps extends SubmitQueryDeps {
  verifier: TokenVerifier;
  policy: Policy;
  /** Names of the parts that are not ready yet (empty when ready). */
  notReady(): string[];
  keys(): Promise<PublicKeyInfo[]>;
  log(level: 'error' | 'warn' | 'info', msg: string, fields?: Record<string, unknown>): void;
  /** The approval workflow's parts for POST /slack/interactions (issue 4); absent → that route is 404. */
  approvals?: ApprovalApiDeps;
}

/** What the interactions endpoint needs beyond the query path: how to resume, tell, and check approvers. */
export interface ApprovalApiDeps {
  workflow: Workflow;
  notifier: Notifier;
  directory: ApproverDirectory;
  /** Slack's signing secret (SLACK_SIGNING_SECRET; locally generated under the data folder when unset). */
  slackSigningSecret: string;
}
