import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';
import type { Principal } from '#shared/identity/principal.js';
import type { ExecuteInput, Warehouse, WarehouseResult } from '#shared/ports/warehouse.js';
import { RECOVERY_MARGIN_SECONDS, recoverIfInterrupted, recoverInterrupted } from '#shared/use-cases/recover-interrupted.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { settleBackgroundWrites } from '#shared/use-cases/background-writes.js';
import { submitQueryDeps } from '#test/fixtures/use-cases/submit-query-deps.js';

const principal: Principal = { iss: 'https://idp.example', sub: 'agent-1', groups: [] };
const START = Date.parse('2026-12-01T10:00:00.000Z');

/** The process dies inside the warehouse call: nothing after it (the outcome record, the final status) happens. */
class DyingWarehouse implements Warehouse {
  readonly name = 'duckdb' as const;
  dies = true;
  /** What else stops when the process dies (its store writes). */
  onDeath = (): void => undefined;
  async execute(_input: ExecuteInput): Promise<WarehouseResult> {
    if (this.dies) {
      this.onDeath();
      throw new Error('the process died here');
    }
    return { queryId: 'q-1', columns: [{ name: 'N', type: 'NUMBER' }], rows: [[1]], truncated: false, durationMs: 1 };
  }
  async close(): Promise<void> {}
}

/** A dead process writes nothing more: while `dead`, no put or transition reaches the store. */
class DeadProcessStore extends MemoryRequestStore {
  dead = false;
  override async transition(...args: Parameters<MemoryRequestStore['transition']>): ReturnType<MemoryRequestStore['transition']> {
    if (this.dead) throw new Error('the process is gone');
    return super.transition(...args);
  }
  override async put(...args: Parameters<MemoryRequestStore['put']>): ReturnType<MemoryRequestStore['put']> {
    if (this.dead) throw new Error('the process is gone');
    return super.put(...args);
  }
}

async function setup() {
  let now = START;
  const warehouse = new DyingWarehouse();
  const store = new DeadProcessStore();
  warehouse.onDeath = () => (store.dead = true);
  const deps = { ...(await submitQueryDeps(warehouse, { requests: store, clock: { now: () => new Date(now) } })), log: () => undefined };
  /**
   * A request whose execution died between running the statement and recording the outcome. Sent with
   * an idempotency key: such a read stores its `running` item before it runs (a read without one keeps
   * no item until its answer, and is found from its records: direct-read-item.test.ts).
   */
  const interrupted = async (): Promise<string> => {
    warehouse.dies = true;
    store.dead = false;
    await expect(submitQuery(deps, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1', idempotencyKey: ulid() })).rejects.toThrow('died');
    store.dead = false;
    const [item] = await deps.requests.listByStatus('running');
    return item!.requestId;
  };
  const staleAfterMs = (deps.policy.limits.statementTimeoutSeconds + RECOVERY_MARGIN_SECONDS) * 1000;
  return { deps, warehouse, interrupted, staleAfterMs, at: (ms: number) => (now = START + ms) };
}

describe('recoverInterrupted: running → outcome_unknown', () => {
  it('stale scope: leaves a request alone until its statement timeout plus the margin has passed, then marks it', async () => {
    const t = await setup();
    const id = await t.interrupted();
    t.at(t.staleAfterMs);
    expect(await recoverInterrupted(t.deps, 'stale')).toEqual({ checked: 1, recovered: [] });
    expect((await t.deps.requests.get(id))?.status).toBe('running');
    t.at(t.staleAfterMs + 1000);
    expect(await recoverInterrupted(t.deps, 'stale')).toEqual({ checked: 1, recovered: [id] });
    expect((await t.deps.requests.get(id))?.status).toBe('outcome_unknown');
    // A second pass finds nothing: the transition is conditional on `running`.
    expect(await recoverInterrupted(t.deps, 'stale')).toEqual({ checked: 0, recovered: [] });
  });

  it('all scope (the local runtime at start): marks every running request at once', async () => {
    const t = await setup();
    const id = await t.interrupted();
    expect((await recoverInterrupted(t.deps, 'all')).recovered).toEqual([id]);
    expect((await t.deps.requests.get(id))?.status).toBe('outcome_unknown');
  });

  it('never touches a request that finished, whatever its age', async () => {
    const t = await setup();
    t.warehouse.dies = false;
    const done = await submitQuery(t.deps, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's2', idempotencyKey: 'finished' });
    expect(done.kind).toBe('executed');
    await settleBackgroundWrites();
    t.at(10 * t.staleAfterMs);
    expect(await recoverInterrupted(t.deps, 'all')).toEqual({ checked: 0, recovered: [] });
    expect((await t.deps.requests.get(String(done.body['requestId'])))?.status).toBe('executed');
  });

  it('counts from when the request started running, not from when it was created (an approval may wait an hour)', async () => {
    const t = await setup();
    const id = await t.interrupted();
    const item = (await t.deps.requests.get(id))!;
    expect(item.runningSince).toBe(new Date(START).toISOString());
    // As the execute task claims it after a long approval wait:
    const later = new Date(START + 3_600_000).toISOString();
    await t.deps.requests.transition(id, ['running'], { runningSince: later });
    t.at(3_600_000 + t.staleAfterMs - 1000);
    expect((await recoverIfInterrupted(t.deps, (await t.deps.requests.get(id))!)).status).toBe('running');
    t.at(3_600_000 + t.staleAfterMs + 1000);
    expect((await recoverIfInterrupted(t.deps, (await t.deps.requests.get(id))!)).status).toBe('outcome_unknown');
  });

  it('an execution that records its outcome after recovery marked it cannot flip it back, nor the reverse', async () => {
    const t = await setup();
    const id = await t.interrupted();
    // The execution finishes just before recovery runs: recovery's conditional transition loses.
    await t.deps.requests.transition(id, ['running'], { status: 'executed' });
    t.at(t.staleAfterMs + 1000);
    const item = (await t.deps.requests.get(id))!;
    expect((await recoverIfInterrupted(t.deps, { ...item, status: 'running' })).status).toBe('executed');
  });
});
