import { describe, expect, it } from 'vitest';
import { FROZEN_CLOCK, submitQueryDeps } from '#test/fixtures/use-cases/submit-query-deps.js';
import { ulid } from 'ulid';
import type { Principal } from '#shared/identity/principal.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import type { RequestStore } from '#shared/ports/request-store.js';
import { ONE_ROW, ScriptedWarehouse } from '#test/doubles/scripted-warehouse.js';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.js';
import { completeFromRecords, loadOutcome } from '#shared/use-cases/stored-outcome.js';
import { httpStatusOfOutcome, submitQuery, type SubmitQueryDeps } from '#shared/use-cases/submit-query.js';
import { requestFromRecords, stateFromRecords } from '#shared/use-cases/direct-read-item.js';
import { settleBackgroundWrites } from '#shared/use-cases/background-writes.js';

// A direct read has two writes, in sequence: the write-ahead record and the outcome record. Without an
// idempotency key it keeps no request item: readers find it from its write-ahead record and read its
// state from its records. With a key the `running` item is written beside the write-ahead record, and
// its final transition after the answer.

const principal: Principal = { iss: 'https://idp.example', sub: 'agent-1', email: 'agent@example.com', groups: [] };
const clock = FROZEN_CLOCK;


/** A store that records the order of writes, and whose transitions can be held back or lost. */
function tracing(records: RecordStore, requests: RequestStore, opts: { loseTransitions?: boolean; losePuts?: boolean } = {}) {
  const log: string[] = [];
  const r: RecordStore = {
    head: (s) => records.head(s),
    list: (s, from) => records.list(s, from),
    requested: (id) => records.requested(id),
    append: async (rec, c) => {
      log.push(`append ${rec.type}`);
      await records.append(rec, c);
    },
  };
  const q = new Proxy(requests, {
    get(target, prop, recv) {
      const v = Reflect.get(target, prop, recv) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === 'put') {
        return async (...a: unknown[]) => {
          log.push(`put item ${(a[0] as { status: string }).status}`);
          if (opts.losePuts === true) throw new Error('the process froze or died before it landed');
          return (v as (...x: unknown[]) => unknown).apply(target, a);
        };
      }
      if (prop === 'transition') {
        return async (...a: unknown[]) => {
          log.push('transition');
          if (opts.loseTransitions === true) return false; // the process froze or died before it landed
          return (v as (...x: unknown[]) => unknown).apply(target, a);
        };
      }
      return (v as (...x: unknown[]) => unknown).bind(target);
    },
  });
  return { r, q, log };
}

const deps = <O extends Partial<SubmitQueryDeps> = Record<never, never>>(over?: O) => submitQueryDeps(new ScriptedWarehouse(() => ONE_ROW), over);

const readDeps = (base: SubmitQueryDeps) => ({ records: base.records, requests: base.requests, clock, policy: base.policy });

describe('the read critical path', () => {
  it('without an idempotency key: the write-ahead record, the statement, the outcome record — and no other write, before or after the answer', async () => {
    const base = await deps();
    const { r, q, log } = tracing(base.records, base.requests);
    const warehouse = new ScriptedWarehouse(() => (log.push('execute'), ONE_ROW));
    const out = await submitQuery({ ...base, records: r, requests: q, warehouse }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' });
    expect(out.kind).toBe('executed');
    await settleBackgroundWrites();
    expect(log).toEqual(['append query.requested', 'execute', 'append query.executed']);
    expect(await base.requests.get(out.body.requestId)).toBeNull();
    // Its state, from its records: the answer it gave.
    const { item, outcome } = await stateFromRecords(readDeps(base), (await requestFromRecords(base.records, out.body.requestId))!.item);
    expect(item).toMatchObject({ status: 'executed', httpStatus: 200, requestedSeq: 1 });
    expect(outcome).toEqual(out);
    expect(await loadOutcome(base.records, item)).toEqual(out);
  });

  it('with an idempotency key: the running item lands beside the write-ahead record before the statement runs; the final transition comes after the outcome record', async () => {
    const base = await deps();
    const { r, q, log } = tracing(base.records, base.requests);
    const warehouse = new ScriptedWarehouse(() => (log.push('execute'), ONE_ROW));
    const out = await submitQuery({ ...base, records: r, requests: q, warehouse }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1', idempotencyKey: 'k1' });
    expect(out.kind).toBe('executed');
    await settleBackgroundWrites();
    const i = log.indexOf('execute');
    expect(log.slice(0, i).sort()).toEqual(['append query.requested', 'put item running']);
    // The final state: its transition, after the answer.
    expect(log.slice(i + 1)).toEqual(['append query.executed', 'transition']);
    expect(await base.requests.get(out.body.requestId)).toMatchObject({ status: 'executed', requestedSeq: 1 });
  });

  it('with the final transition lost, GET-style readers, an idempotent retry and recovery all answer the recorded outcome, never outcome_unknown', async () => {
    const base = await deps();
    const { r, q } = tracing(base.records, base.requests, { loseTransitions: true });
    const d = { ...base, records: r, requests: q };
    const first = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1', idempotencyKey: 'k1' });
    await settleBackgroundWrites();
    const requestId = first.body.requestId;
    expect((await base.requests.get(requestId))?.status).toBe('running');

    // An idempotent retry: the first answer, rebuilt from the records.
    const again = await submitQuery({ ...base }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1', idempotencyKey: 'k1' });
    expect(again).toEqual(first);
    expect(d.warehouse.calls).toHaveLength(1);

    // GET /v1/queries/{id}'s path for a read without a key: found from its write-ahead record, its state
    // read from its records (nothing written).
    const direct = await submitQuery(base, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' });
    const id2 = direct.body.requestId;
    const found = await requestFromRecords(base.records, id2);
    expect(found?.item).toMatchObject({ requestId: id2, sessionId: 's1', status: 'running', owner: 'https://idp.example#agent-1', sql: 'SELECT 1 AS n', requestedSeq: 3 });
    const { item } = await stateFromRecords(readDeps(base), found!.item);
    expect(item).toMatchObject({ status: 'executed', httpStatus: 200, requestedSeq: 3 });
    expect(await loadOutcome(base.records, item)).toEqual(direct);
    expect(await base.requests.get(id2)).toBeNull();
    // A stored `running` item (with a key, its final transition lost) is completed from the records too.
    const keyed = await completeFromRecords(base, (await base.requests.get(requestId))!, httpStatusOfOutcome);
    expect(keyed).toMatchObject({ status: 'executed', httpStatus: 200 });
    expect(await loadOutcome(base.records, keyed)).toEqual(first);

    // Recovery (all running items, as at local start): a keyed one not yet completed is completed, not outcome_unknown.
    const other = await submitQuery(d, principal, { prompt: 'p', sql: 'SELECT 2 AS n', sessionId: 's2', idempotencyKey: 'k2' });
    await settleBackgroundWrites();
    expect((await base.requests.get(other.body.requestId))?.status).toBe('running');
    const rec = await recoverInterrupted(readDeps(base), 'all');
    expect(rec.recovered).toEqual([]);
    expect((await base.requests.get(other.body.requestId))?.status).toBe('executed');
  });

  it('a crash between the write-ahead and the outcome still shows outcome_unknown: with no item, from the records', async () => {
    const base = await deps();
    let crash = true;
    const warehouse = new ScriptedWarehouse(() => {
      if (crash) throw new Error('SIGKILL'); // stands for the process dying after the statement ran
      return ONE_ROW;
    });
    // A dead process writes nothing more: no request item reaches the store while it is down.
    const dead = tracing(base.records, base.requests, { losePuts: true, loseTransitions: true });
    await expect(submitQuery({ ...base, requests: dead.q, warehouse }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1' })).rejects.toThrow('SIGKILL');
    crash = false;
    const [requested] = (await base.records.list('s1')).map((l) => JSON.parse(l) as { requestId: string; type: string });
    expect(requested?.type).toBe('query.requested');
    const id = requested!.requestId;
    expect(await base.requests.get(id)).toBeNull();
    const found = (await requestFromRecords(base.records, id))!.item;
    // AWS (no process start known): within its statement timeout plus the margin it is still running…
    expect((await stateFromRecords(readDeps(base), found)).item.status).toBe('running');
    // …past it, outcome_unknown…
    const late = { now: () => new Date(clock.now().getTime() + (base.policy.limits.statementTimeoutSeconds + 121) * 1000) };
    expect((await stateFromRecords({ ...readDeps(base), clock: late }, found)).item.status).toBe('outcome_unknown');
    // …and the local runtime, started after its write-ahead, knows at once its execution died with the process before.
    expect((await stateFromRecords({ ...readDeps(base), executionsSince: clock.now().getTime() + 1 }, found)).item.status).toBe('outcome_unknown');
    // Read, not written: the requests table is untouched.
    expect(await base.requests.get(id)).toBeNull();
  });

  it('a crash with an idempotency key: the running item is recovered into outcome_unknown', async () => {
    const base = await deps();
    let crash = true;
    const requests = base.requests;
    const realTransition = requests.transition.bind(requests);
    const realPut = requests.put.bind(requests);
    let ran = false;
    requests.put = (item) => (ran ? Promise.reject(new Error('process gone')) : realPut(item));
    requests.transition = (...args: Parameters<typeof realTransition>) => (crash ? Promise.reject(new Error('process gone')) : realTransition(...args));
    const w = new ScriptedWarehouse(() => {
      ran = true;
      if (crash) throw new Error('SIGKILL');
      return ONE_ROW;
    });
    await expect(submitQuery({ ...base, requests, warehouse: w }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1', idempotencyKey: 'k' })).rejects.toThrow('SIGKILL');
    crash = false;
    const rec = await recoverInterrupted(readDeps(base), 'all');
    expect(rec.recovered).toHaveLength(1);
    expect((await base.requests.get(rec.recovered[0]!))?.status).toBe('outcome_unknown');
  });

  it('requestFromRecords finds only direct reads on record: an unknown id and an approval request are null', async () => {
    const base = await deps();
    expect(await requestFromRecords(base.records, ulid())).toBeNull();
    const pending = await submitQuery(base, principal, { prompt: 'p', sql: 'DELETE FROM orders WHERE id = 1', sessionId: 's9' });
    expect(pending.kind).toBe('pending');
    expect(await base.records.requested(pending.body.requestId)).not.toBeNull();
    expect(await requestFromRecords(base.records, pending.body.requestId)).toBeNull();
  });

  it('the write-ahead failing: nothing runs and no item is left for recovery (with a key: the item that landed is failed)', async () => {
    for (const idempotencyKey of [undefined, 'k']) {
      const base = await deps();
      const failing: RecordStore = { head: (s) => base.records.head(s), list: (s) => base.records.list(s), requested: (id) => base.records.requested(id), append: async () => Promise.reject(new Error('store down')) };
      const warehouse = new ScriptedWarehouse(() => ONE_ROW);
      await expect(submitQuery({ ...base, records: failing, warehouse }, principal, { prompt: 'p', sql: 'SELECT 1 AS n', sessionId: 's1', ...(idempotencyKey === undefined ? {} : { idempotencyKey }) })).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      expect(warehouse.calls).toHaveLength(0);
      const rec = await recoverInterrupted(readDeps(base), 'all');
      expect(rec.recovered).toEqual([]);
      expect(await base.requests.listByStatus('running')).toEqual([]);
    }
  });
});
