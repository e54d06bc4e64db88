import { describe, expect, it } from 'vitest';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { LocalWorkflow } from '#shared/adapters/local-stepfunctions/local-workflow.js';
import { parseEnv, type FaultName } from '#shared/config/env.js';
import { AirlockError } from '#shared/errors.js';
import type { Principal } from '#shared/identity/principal.js';
import type { ApprovalTaskPayload } from '#shared/workflow/approval-state-machine.js';
import { submitQuery, type SubmitQueryDeps } from '#shared/use-cases/submit-query.js';
import { FaultInjector } from '#local/faults.js';
import { expectCode } from '#test/helpers/expect-code.js';
import { ONE_ROW, ScriptedWarehouse } from '#test/doubles/scripted-warehouse.js';
import { submitQueryDeps } from '#test/fixtures/use-cases/submit-query-deps.js';

const principal: Principal = { iss: 'https://idp.example', sub: 'agent-1', email: 'agent@example.com', groups: [] };


async function faultyDeps(faults: FaultName[]): Promise<{ deps: SubmitQueryDeps; warehouse: ScriptedWarehouse; records: MemoryRecordStore }> {
  const injector = new FaultInjector(faults, () => undefined);
  injector.arm();
  const warehouse = new ScriptedWarehouse(() => ONE_ROW);
  const d = await submitQueryDeps(warehouse);
  const deps: SubmitQueryDeps = { ...d, records: injector.records(d.records), requests: injector.requests(d.requests), signer: injector.signer(d.signer), warehouse: injector.warehouse(warehouse) };
  return { deps, warehouse, records: d.records };
}


describe('AIRLOCK_FAULTS: parsed and validated with the rest of the environment', () => {
  it('reads a comma-separated list, and names an unknown fault in the error', () => {
    expect(parseEnv({}).AIRLOCK_FAULTS).toEqual([]);
    expect(parseEnv({ AIRLOCK_FAULTS: 'store-fail, signer-fail' }).AIRLOCK_FAULTS).toEqual(['store-fail', 'signer-fail']);
    expect(() => parseEnv({ AIRLOCK_FAULTS: 'store-fail,disk-full' })).toThrow(/AIRLOCK_FAULTS.*unknown fault 'disk-full'/);
  });

  it('stays disarmed until the runtime has started (its own startup reads the store)', async () => {
    const injector = new FaultInjector(['store-fail'], () => undefined);
    const store = injector.records(new MemoryRecordStore());
    expect(await store.head('s')).toBeNull();
    injector.arm();
    await expectCode(store.head('s'), 'ERR_STORE_UNAVAILABLE');
  });
});

describe('faults under the real use case: nothing runs unless its write-ahead record is written', () => {
  it.each([
    ['store-fail', 'ERR_STORE_UNAVAILABLE'],
    ['signer-fail', 'ERR_SIGNER_UNAVAILABLE'],
  ] as const)('%s → %s, and the warehouse is never called (reads and approvals alike)', async (fault, code) => {
    const { deps, warehouse, records } = await faultyDeps([fault]);
    await expectCode(submitQuery(deps, principal, { prompt: 'p', sql: 'SELECT 1', sessionId: 's1', idempotencyKey: 'k1' }), code);
    await expectCode(submitQuery(deps, principal, { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 1', sessionId: 's1' }), code);
    expect(warehouse.calls).toHaveLength(0);
    expect(await records.list('s1')).toEqual([]);
  });

  it('crash-after-execute kills the process after the statement ran and before query.executed is appended', async () => {
    const { deps, warehouse, records } = await faultyDeps([]);
    // In the runtime the crash is a SIGKILL; here it throws, so nothing after it runs either.
    const crashing = new FaultInjector(['crash-after-execute'], () => {
      throw new Error('killed');
    });
    crashing.arm();
    await expect(submitQuery({ ...deps, warehouse: crashing.warehouse(warehouse) }, principal, { prompt: 'p', sql: 'SELECT 1', sessionId: 's1' })).rejects.toThrow('killed');
    expect(warehouse.calls).toHaveLength(1);
    expect((await records.list('s1')).map((r) => JSON.parse(r).type)).toEqual(['query.requested']);
  });
});

describe('slack-post-fail: the notify task is retried, then the request expires (never silently pending)', () => {
  it('calls notify 1 + 3 times (the state machine Retry on ERR_NOTIFIER_UNAVAILABLE), then records the expiry', async () => {
    const injector = new FaultInjector(['slack-post-fail'], () => undefined);
    injector.arm();
    const failing = injector.notifier({
      postApproval: async () => ({ channel: 'C1', ts: '1' }),
      updateApproval: async () => undefined,
      tellUser: async () => undefined,
    });
    const notifies: number[] = [];
    const outcomes: ApprovalTaskPayload[] = [];
    let ended!: () => void;
    const done = new Promise<void>((r) => (ended = r));
    const workflow = new LocalWorkflow(
      {
        notify: async () => {
          notifies.push(notifies.length + 1);
          return failing.postApproval({} as never);
        },
        execute: async () => ({}),
        recordOutcome: async (p) => {
          outcomes.push(p);
          ended();
          return {};
        },
      },
      { retryIntervalOverrides: injector.notifyRetryIntervals() },
    );
    await workflow.start({ requestId: 'r1', timeoutSeconds: 3600 });
    await done;
    await workflow.stop();
    expect(notifies).toEqual([1, 2, 3, 4]);
    expect(outcomes).toEqual([{ requestId: 'r1', action: 'expire' }]);
  });
});
