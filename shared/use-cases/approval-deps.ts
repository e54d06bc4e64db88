import type { ApproverDirectory } from '../ports/approver-directory.js';
import type { Notifier } from '../ports/notifier.js';
import type { Workflow } from '../ports/workflow.js';
import type { SubmitQueryDeps } from './submit-query.js';

/**
 * What the approval use cases need beyond the query path's dependencies. Built by the wiring
 * (local runtime, Lambda entry points); `log` receives what cannot fail a step (a Slack message
 * update that did not go through is retried by the next update and the final one).
 */
export interface ApprovalDeps extends SubmitQueryDeps {
  workflow: Workflow;
  notifier: Notifier;
  directory: ApproverDirectory;
  log?: (level: 'error' | 'warn' | 'info', msg: string, fields?: Record<string, unknown>) => void;
}
