import { describe, expect, it } from 'vitest';
import type { Warehouse } from '#shared/ports/warehouse.js';
import type { AwsWiring } from '#shared/wiring/aws.js';
import { apiHandler } from '../../../functions/lib/api-handler.js';
import { approvalTask } from '../../../functions/lib/approval-task.js';

/**
 * Each Lambda is handed deps holding only the parts it is deployed with (shared/wiring/aws.ts), and the
 * compiler, not a runtime stand-in, refuses to pair them with a route or task that reads a part they lack.
 * Each `@ts-expect-error` below is such a pairing: should `apiHandler` or `approvalTask` stop requiring
 * `RouteDeps` / `ApprovalTaskDeps`, the directive is unused and `tsc` fails.
 */
const aws = {} as AwsWiring;
const warehouse = {} as Warehouse;

describe('a function cannot be handed a route or task it lacks the parts for (compile time)', () => {
  it('routes: the read functions\' deps (no warehouse, signer, masking key) cannot serve POST /v1/queries; Public\'s cannot serve GET /v1/queries/{id}', () => {
    // @ts-expect-error: POST /v1/queries reads signer, warehouse, masking and newId, which the read deps do not have
    const postQueryOnReadDeps = apiHandler(['/v1/queries'], () => aws.readApiDeps());
    // @ts-expect-error: GET /v1/queries/{requestId} reads the verifier and both tables; Public has neither
    const getQueryOnPublicDeps = apiHandler(['/v1/queries/{requestId}'], () => aws.publicDeps());
    // @ts-expect-error: a function serving two routes must be given what both read (Explain's deps have no tables)
    const twoRoutes = apiHandler(['/v1/explain', '/v1/sessions/{sessionId}'], () => aws.explainDeps());
    // The pairings of functions/*.ts compile: each is given what its routes read.
    const real = [
      apiHandler(['/v1/queries'], () => aws.queryApiDeps(warehouse)),
      apiHandler(['/v1/queries/{requestId}'], () => aws.readApiDeps()),
      apiHandler(['/v1/sessions/{sessionId}'], () => aws.readApiDeps()),
      apiHandler(['/v1/explain'], () => aws.explainDeps()),
      apiHandler(['/v1/keys', '/v1/health'], () => aws.publicDeps()),
      apiHandler(['/slack/interactions'], () => aws.interactionsDeps()),
    ];
    for (const h of [postQueryOnReadDeps, getQueryOnPublicDeps, twoRoutes, ...real]) expect(h).toBeTypeOf('function');
  });

  it('tasks: notify\'s deps (no signer, no warehouse) cannot execute; execute\'s (no Slack) cannot record the outcome', () => {
    // @ts-expect-error: the execute task reads signer, warehouse and masking, which NotifyApprovers is deployed without
    const executeOnNotifyDeps = approvalTask('execute', () => aws.notifyDeps());
    // @ts-expect-error: record-outcome updates the Slack message; ExecuteApprovedQuery has no Slack notifier
    const outcomeOnExecuteDeps = approvalTask('record-outcome', () => aws.executeDeps(warehouse));
    const real = [
      approvalTask('notify', () => aws.notifyDeps()),
      approvalTask('execute', () => aws.executeDeps(warehouse)),
      approvalTask('record-outcome', () => aws.recordOutcomeDeps()),
    ];
    for (const h of [executeOnNotifyDeps, outcomeOnExecuteDeps, ...real]) expect(h).toBeTypeOf('function');
  });
});
