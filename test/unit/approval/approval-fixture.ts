import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { isAirlockError } from '#shared/errors.js';
import { ConsoleNotifier } from '#shared/adapters/console/console-notifier.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { LocalWorkflow } from '#shared/adapters/local-stepfunctions/local-workflow.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';
import type { Principal } from '#shared/identity/principal.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { maskingConfigOf } from '#shared/policy/masking-config.js';
import type { Policy } from '#shared/policy/policy.js';
import { NO_APPROVER_DIRECTORY, type ApproverDirectory } from '#shared/ports/approver-directory.js';
import type { Notifier } from '#shared/ports/notifier.js';
import type { ApprovalDeps } from '#shared/use-cases/approval-deps.js';
import { runApprovalTask } from '#shared/use-cases/run-approval-task.js';
import { ScriptedWarehouse } from '#test/doubles/scripted-warehouse.js';

export const agent: Principal = { iss: 'https://airlock.local/dev', sub: 'agent', email: 'agent@example.com', groups: [] };

/** A clock the test moves. */
export class MovableClock {
  #t: number;
  constructor(iso = '2026-11-27T10:00:00.000Z') {
    this.#t = Date.parse(iso);
  }
  now(): Date {
    return new Date(this.#t);
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}

export interface ApprovalFixture {
  deps: ApprovalDeps & { workflow: LocalWorkflow; warehouse: ScriptedWarehouse; clock: MovableClock; signer: LocalKeySigner };
  printed: string[];
}

/** Approval deps over memory stores, the real LocalWorkflow (aws-local-stepfunctions) and a console notifier. */
export async function approvalFixture(over: { policy?: Policy; notifier?: Notifier; directory?: ApproverDirectory } = {}): Promise<ApprovalFixture> {
  const policy = over.policy ?? loadPolicy();
  const printed: string[] = [];
  const signer = await LocalKeySigner.open(join(mkdtempSync(join(tmpdir(), 'airlock-approval-')), 'records.pem'));
  const deps = {
    records: new MemoryRecordStore(),
    requests: new MemoryRequestStore(),
    signer,
    // Each statement answers one row, its query id numbered by call (q-1, q-2, …).
    warehouse: new ScriptedWarehouse((_input, call) => ({ queryId: `q-${call}`, columns: [{ name: 'OK', type: 'BOOLEAN' }], rows: [[true]], truncated: false, durationMs: 1 })),
    clock: new MovableClock(),
    policy,
    masking: maskingConfigOf(policy, Buffer.from('k'.repeat(32))),
    newId: ulid,
    notifier: over.notifier ?? new ConsoleNotifier((l) => printed.push(l)),
    directory: over.directory ?? NO_APPROVER_DIRECTORY,
  } as unknown as ApprovalFixture['deps'];
  deps.workflow = new LocalWorkflow({
    notify: (p) => runApprovalTask(deps, 'notify', p),
    execute: (p) => runApprovalTask(deps, 'execute', p),
    recordOutcome: (p) => runApprovalTask(deps, 'record-outcome', p),
  });
  return { deps, printed };
}

/**
 * Step Functions is one service for every Lambda container: a task token sent from any of them
 * reaches the wait it belongs to. Each wiring of a cross-process test runs its own LocalWorkflow,
 * which knows only the waits it parked; on its own, a vote recorded in process B on a request whose
 * notify task ran in process A would end nowhere (B's runner answers ERR_APPROVAL_CLOSED, which
 * recordVote logs and leaves to the timeout), and A's execution would wait out its hour. This routes
 * each runner's sendTaskSuccess / sendTaskFailure to the runner holding the token, as the service does.
 *
 * @example
 * shareTaskTokens(a, b); // then recordVote(b.deps, …) resumes a wait parked in a
 */
export function shareTaskTokens(...fixtures: ApprovalFixture[]): void {
  const runners = fixtures.map((f) => f.deps.workflow);
  const own = runners.map((w) => ({ success: w.sendTaskSuccess.bind(w), failure: w.sendTaskFailure.bind(w) }));
  runners.forEach((w, i) => {
    // Its own runner first, then the others: a token is parked in at most one of them.
    const order = [i, ...runners.keys()].filter((j, k, all) => all.indexOf(j) === k);
    const route = async (send: (runner: (typeof own)[number]) => Promise<void>): Promise<void> => {
      let closed: unknown;
      for (const j of order) {
        try {
          return await send(own[j]!);
        } catch (e) {
          if (!isAirlockError(e) || e.code !== 'ERR_APPROVAL_CLOSED') throw e;
          closed ??= e;
        }
      }
      throw closed;
    };
    w.sendTaskSuccess = (token, output) => route((r) => r.success(token, output));
    w.sendTaskFailure = (token, error, cause) => route((r) => r.failure(token, error, cause));
  });
}

// Captured at load, before any test fakes timers: a wait is bounded by real time even while a test
// holds its own (fake) clock still, and pauses on a real timer that fake timers do not hold up.
const realSetTimeout = globalThis.setTimeout;
const realHrtime = process.hrtime.bigint.bind(process.hrtime);
const realMs = (): number => Number(realHrtime() / 1_000_000n);

/**
 * Waits until `cond` holds, or fails after `timeoutMs` of real time (default 30 s). The first turns
 * are event-loop turns (setImmediate), so queued promise work runs with no timer involved and fake
 * timers do not stop it; after that it checks every 5 ms on a real timer instead of spinning, which
 * would take the CPU from the very work it waits for (dynalite and the fake Slack server share the
 * process). Bounded by time, not by a count of turns: a turn costs microseconds for an in-memory
 * condition and tens of milliseconds for one that reads dynalite, more again under load, so no count
 * of turns means a stable amount of time.
 */
export async function until(cond: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const started = realMs();
  for (let turn = 0; ; turn++) {
    if (await cond()) return;
    const waited = realMs() - started;
    if (waited >= timeoutMs) throw new Error(`condition not reached in ${waited} ms (${turn + 1} checks)`);
    await new Promise<void>((r) => (turn < 1_000 ? setImmediate(r) : realSetTimeout(r, 5)));
  }
}

/** Waits until the notify task parked its token on the request. */
export async function untilWaiting(deps: ApprovalDeps, requestId: string): Promise<void> {
  await until(async () => (await deps.requests.get(requestId))?.taskToken !== undefined);
}

export function policyWith(approvers: number, over: Partial<Policy> = {}): Policy {
  const base = loadPolicy();
  return {
    ...base,
    approvers: Array.from({ length: approvers }, (_, i) => ({ slackUserId: `UAPPROVER${i + 1}`, email: `approver${i + 1}@example.com` })),
    ...over,
  };
}
