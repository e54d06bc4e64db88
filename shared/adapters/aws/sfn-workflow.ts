import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { AirlockError } from '../../errors.js';
import type { ApprovalDecision, Workflow, WorkflowInput } from '../../ports/workflow.js';

/** The task is gone: it timed out, was already answered, or the token never existed. */
const CLOSED = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

function translate(e: unknown, what: string): AirlockError {
  if (CLOSED.has(errorName(e))) return new AirlockError('ERR_APPROVAL_CLOSED', `${what}: the approval wait has already ended`, { cause: e });
  return new AirlockError('ERR_WORKFLOW_UNAVAILABLE', `${what}: Step Functions failed (${errorName(e) || 'unknown error'})`, { cause: e });
}

/**
 * Workflow on AWS Step Functions. Executions are named by the request id, so a retried start
 * (a Lambda retry, a client retry with the same idempotency key) cannot start a second one:
 * Step Functions answers the same execution, or `ExecutionAlreadyExists`, which is a no-op here.
 *
 * @example
 * const workflow = new SfnWorkflow(awsClients(awsClientConfig(process.env)).sfn(), process.env.AIRLOCK_STATE_MACHINE_ARN);
 * await workflow.start({ requestId, timeoutSeconds: 3600 });
 * await workflow.sendTaskSuccess(item.taskToken, { decision: 'approved' });
 */
export class SfnWorkflow implements Workflow {
  readonly #client: SFNClient;
  readonly #stateMachineArn: string;

  constructor(client: SFNClient, stateMachineArn: string) {
    this.#client = client;
    this.#stateMachineArn = stateMachineArn;
  }

  async start(input: WorkflowInput): Promise<void> {
    try {
      await this.#client.send(
        new StartExecutionCommand({
          stateMachineArn: this.#stateMachineArn,
          name: input.requestId,
          input: JSON.stringify({ requestId: input.requestId, timeoutSeconds: input.timeoutSeconds }),
        }),
      );
    } catch (e) {
      // Same name, other input (e.g. another timeoutSeconds on a retry): the request already has its execution.
      if (errorName(e) === 'ExecutionAlreadyExists') return;
      throw translate(e, `start approval ${input.requestId}`);
    }
  }

  async sendTaskSuccess(taskToken: string, output: ApprovalDecision): Promise<void> {
    try {
      await this.#client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (e) {
      throw translate(e, 'resume approval');
    }
  }

  async sendTaskFailure(taskToken: string, error: string, cause?: string): Promise<void> {
    try {
      await this.#client.send(new SendTaskFailureCommand({ taskToken, error, ...(cause === undefined ? {} : { cause }) }));
    } catch (e) {
      throw translate(e, 'fail approval');
    }
  }
}
