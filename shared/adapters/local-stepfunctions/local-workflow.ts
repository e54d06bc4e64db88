import '../../workflow/promise-with-resolvers.js';
import { randomUUID } from 'node:crypto';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AirlockError } from '../../errors.js';
import type { ApprovalDecision, Workflow, WorkflowInput } from '../../ports/workflow.js';
import {
  APPROVAL_STATES,
  approvalStateMachineDefinition,
  LOCAL_APPROVAL_RESOURCES,
  type ApprovalTaskPayload,
} from '../../workflow/approval-state-machine.js';
import { forLocalRunner } from '../../workflow/local-timeout-path.js';

/** The functions behind the three task resources; the same use cases the Lambda entry points call. */
export interface LocalTaskHandlers {
  notify(payload: ApprovalTaskPayload): Promise<unknown>;
  execute(payload: ApprovalTaskPayload): Promise<unknown>;
  recordOutcome(payload: ApprovalTaskPayload): Promise<unknown>;
}

interface Parked {
  requestId: string;
  resolve: (output: ApprovalDecision) => void;
  reject: (e: Error) => void;
}

type Execution = ReturnType<StateMachine['run']>;

/** As the Lambda entry points do: an AirlockError surfaces as an error NAMED by its code, which Retry/Catch match on. */
async function named<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof AirlockError)) throw e;
    const out = new Error(e.message, { cause: e });
    out.name = e.code;
    throw out;
  }
}

/** What a `lambda:invoke` task receives: `{ FunctionName, Payload }` after `Parameters`. */
function payloadOf(input: unknown): ApprovalTaskPayload {
  const p = (input as { Payload?: unknown } | null)?.Payload;
  if (typeof p !== 'object' || p === null) throw new AirlockError('ERR_VALIDATION', 'task input has no Payload');
  return p as ApprovalTaskPayload;
}

/**
 * The definition the local runner runs: the deployed one with local task names, adjusted for the
 * runner (`forLocalRunner`). A constant of the code: its validity is tested once
 * (test/unit/approval/approval-state-machine.test.ts, with the library's own validator), not at
 * every start — asl-validator compiled its JSON schemas on each construction, about half a second of
 * CPU for every runtime and every `airlock serve`.
 */
export function localApprovalDefinition(): ReturnType<typeof forLocalRunner> {
  return forLocalRunner(approvalStateMachineDefinition(LOCAL_APPROVAL_RESOURCES));
}

/**
 * The approval state machine in-process: the very definition the CDK stack deploys, run by
 * aws-local-stepfunctions, whose Task states are bound (by state name) to local handlers. The
 * library has no task-token service, so the notify task's promise is parked in a map under the
 * token the execution was given as `$$.Task.Token`; `sendTaskSuccess` resolves it and
 * `sendTaskFailure` rejects it with an Error named after the error code, as Step Functions would.
 * Executions live in memory: `resumeApprovals` re-runs pending ones after a restart.
 *
 * @example
 * const workflow = new LocalWorkflow({ notify, execute, recordOutcome });
 * await workflow.start({ requestId, timeoutSeconds: 3600 });
 * await workflow.sendTaskSuccess(token, { decision: 'approved' });
 */
export class LocalWorkflow implements Workflow {
  readonly #machine: StateMachine;
  readonly #handlers: LocalTaskHandlers;
  readonly #onError: (requestId: string, e: unknown) => void;
  readonly #retryIntervalOverrides: Record<string, number> | undefined;
  readonly #parked = new Map<string, Parked>();
  readonly #running = new Map<string, { execution: Execution; done: Promise<void> }>();

  constructor(handlers: LocalTaskHandlers, opts: { onError?: (requestId: string, e: unknown) => void; retryIntervalOverrides?: Record<string, number> | undefined } = {}) {
    this.#handlers = handlers;
    this.#onError = opts.onError ?? (() => undefined);
    // Fault drills only (local/faults.ts): the Retry pause per state in ms, instead of the deployed seconds.
    this.#retryIntervalOverrides = opts.retryIntervalOverrides;
    // Validated by its test (see localApprovalDefinition), not on every start.
    this.#machine = new StateMachine(localApprovalDefinition() as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
  }

  async start(input: WorkflowInput): Promise<void> {
    if (this.#running.has(input.requestId)) return;
    const token = `local:${input.requestId}:${randomUUID()}`;
    const S = APPROVAL_STATES;
    const execution = this.#machine.run(
      { requestId: input.requestId, timeoutSeconds: input.timeoutSeconds },
      {
        context: { Task: { Token: token } } as never,
        noThrowOnAbort: true,
        overrides: {
          ...(this.#retryIntervalOverrides === undefined ? {} : { retryIntervalOverrides: this.#retryIntervalOverrides }),
          taskResourceLocalHandlers: {
            [S.notify]: async (raw) => {
              await named(() => this.#handlers.notify(payloadOf(raw)));
              return (await new Promise<ApprovalDecision>((resolve, reject) => {
                this.#parked.set(token, { requestId: input.requestId, resolve, reject });
              })) as never;
            },
            [S.execute]: async (raw) => this.#task(token, () => this.#handlers.execute(payloadOf(raw))),
            [S.recordOutcome]: async (raw) => this.#task(token, () => this.#handlers.recordOutcome(payloadOf(raw))),
            [S.recordExpired]: async (raw) => this.#task(token, () => this.#handlers.recordOutcome(payloadOf(raw))),
          },
        },
      },
    );
    const done = execution.result
      .then(() => undefined)
      .catch((e: unknown) => this.#onError(input.requestId, e))
      .finally(() => {
        this.#parked.delete(token);
        this.#running.delete(input.requestId);
      });
    this.#running.set(input.requestId, { execution, done });
  }

  /** Any task after the wait means the wait is over (answered or timed out): its token is dead. */
  async #task(token: string, run: () => Promise<unknown>): Promise<never> {
    this.#parked.delete(token);
    // CDK's lambda:invoke tasks return the Lambda's answer under Payload; keep the same shape.
    return { Payload: (await named(run)) ?? null } as never;
  }

  async sendTaskSuccess(taskToken: string, output: ApprovalDecision): Promise<void> {
    this.#take(taskToken).resolve(output);
  }

  async sendTaskFailure(taskToken: string, error: string, cause?: string): Promise<void> {
    const e = new Error(cause ?? error);
    e.name = error;
    this.#take(taskToken).reject(e);
  }

  #take(taskToken: string): Parked {
    const parked = this.#parked.get(taskToken);
    if (parked === undefined) throw new AirlockError('ERR_APPROVAL_CLOSED', 'the approval wait has already ended (or the token is unknown)');
    this.#parked.delete(taskToken);
    return parked;
  }

  /** Resolves when every execution started so far has ended (tests, benches, graceful stop). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running.values()].map((r) => r.done));
  }

  /** Request ids whose execution is running. */
  running(): string[] {
    return [...this.#running.keys()];
  }

  /** Aborts every execution (process stop); `resumeApprovals` picks them up on the next start. */
  async stop(): Promise<void> {
    const running = [...this.#running.values()];
    for (const r of running) r.execution.abort();
    // Settle the parked waits so the runner clears its TimeoutSeconds timers (an hour-long timer would
    // keep the process alive after Ctrl-C). The executions are already aborted: no Catch target runs.
    for (const p of this.#parked.values()) p.reject(Object.assign(new Error('local runtime stopping'), { name: 'Airlock.Stopped' }));
    this.#parked.clear();
    await Promise.all(running.map((r) => r.done));
  }
}
