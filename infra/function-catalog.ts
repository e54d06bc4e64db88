/**
 * Every Lambda function of the stack, once: its entry file under `functions/`, and whether it
 * executes queries (only those may bundle snowflake-sdk). The stack, the bundler and the
 * cold-start bench all read this table, so a new function is added in one place.
 */
export interface FunctionSpec {
  /** Construct id and bundle folder name. */
  name: string;
  /** Entry file, relative to the repo root. */
  entry: string;
  description: string;
  /** Runs SQL on the warehouse, so snowflake-sdk is bundled; every other bundle is checked to be free of it. */
  executesQueries: boolean;
  memoryMb: number;
  timeoutSeconds: number;
}

export const FUNCTIONS = [
  { name: 'PostQuery', entry: 'functions/post-query.ts', description: 'POST /v1/queries', executesQueries: true, memoryMb: 1024, timeoutSeconds: 29 },
  { name: 'GetQuery', entry: 'functions/get-query.ts', description: 'GET /v1/queries/{requestId}', executesQueries: false, memoryMb: 512, timeoutSeconds: 29 },
  { name: 'GetSession', entry: 'functions/get-session.ts', description: 'GET /v1/sessions/{sessionId}', executesQueries: false, memoryMb: 512, timeoutSeconds: 29 },
  { name: 'Explain', entry: 'functions/explain.ts', description: 'POST /v1/explain', executesQueries: false, memoryMb: 512, timeoutSeconds: 10 },
  { name: 'Public', entry: 'functions/public.ts', description: 'GET /v1/keys and /v1/health', executesQueries: false, memoryMb: 256, timeoutSeconds: 10 },
  { name: 'SlackInteractions', entry: 'functions/slack-interactions.ts', description: 'POST /slack/interactions', executesQueries: false, memoryMb: 512, timeoutSeconds: 10 },
  { name: 'NotifyApprovers', entry: 'functions/notify-approvers.ts', description: 'workflow: post the approval request to Slack', executesQueries: false, memoryMb: 512, timeoutSeconds: 30 },
  { name: 'ExecuteApprovedQuery', entry: 'functions/execute-approved-query.ts', description: 'workflow: run the stored, approved SQL', executesQueries: true, memoryMb: 1024, timeoutSeconds: 120 },
  { name: 'RecordOutcome', entry: 'functions/record-outcome.ts', description: 'workflow: record expiry/rejection and update Slack', executesQueries: false, memoryMb: 512, timeoutSeconds: 30 },
  { name: 'RecoverInterrupted', entry: 'functions/recover-interrupted.ts', description: 'schedule: mark requests running past their statement timeout outcome_unknown', executesQueries: false, memoryMb: 256, timeoutSeconds: 60 },
  { name: 'ReconcileWarehouse', entry: 'functions/reconcile-warehouse.ts', description: "schedule: reconcile Snowflake's query history with the records", executesQueries: true, memoryMb: 512, timeoutSeconds: 300 },
  { name: 'WriteCheckpoints', entry: 'functions/write-checkpoints.ts', description: 'schedule: sign and append changed session heads', executesQueries: false, memoryMb: 512, timeoutSeconds: 300 },
] as const satisfies readonly FunctionSpec[];

export type FunctionName = (typeof FUNCTIONS)[number]['name'];
