import { describe, expect, it } from 'vitest';
import type { QuotaStore } from '#shared/ports/quota-store.js';
import type { ContractSubject } from './contract-subject.js';

/** The store under test, and a second instance over the same state (another process, another Lambda container). */
export type QuotaFixture = ContractSubject<QuotaStore>;

const at = (iso: string) => new Date(iso);

/** What every QuotaStore does; run against the memory adapter and the DynamoDB adapter on dynalite. */
export function quotaStoreContract(name: string, open: () => Promise<QuotaFixture>): void {
  describe(`QuotaStore contract: ${name}`, () => {
    it('paces requestsPerMinute: a rested identity gets `burst` at once, the next is refused with the exact seconds to its turn, then one per interval', async () => {
      const f = await open();
      try {
        // 6 a minute: one every 10 s, 3 at once.
        const pace = { requestsPerMinute: 6, burst: 3 };
        const now = at('2026-12-07T10:00:50.000Z');
        for (let i = 0; i < 3; i++) expect(await f.store.admit({ identity: 'alice', now, ...pace })).toEqual({ admitted: true });
        expect(await f.another().admit({ identity: 'alice', now, ...pace })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 10 });
        // A refusal takes nothing: a second one says the same, and a new clock minute changes nothing.
        expect(await f.store.admit({ identity: 'alice', now: at('2026-12-07T10:00:59.000Z'), ...pace })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 1 });
        expect(await f.store.admit({ identity: 'alice', now: at('2026-12-07T10:00:59.999Z'), ...pace })).toMatchObject({ admitted: false });
        // Another identity has its own pace.
        expect(await f.store.admit({ identity: 'bob', now, ...pace })).toEqual({ admitted: true });
        // Its Retry-After was exact: one more at 10:01:00, then one per 10 s — from either instance.
        expect(await f.another().admit({ identity: 'alice', now: at('2026-12-07T10:01:00.000Z'), ...pace })).toEqual({ admitted: true });
        expect(await f.store.admit({ identity: 'alice', now: at('2026-12-07T10:01:05.000Z'), ...pace })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 5 });
        expect(await f.store.admit({ identity: 'alice', now: at('2026-12-07T10:01:10.000Z'), ...pace })).toEqual({ admitted: true });
        // Rested again after burst × interval: 3 at once.
        const rested = at('2026-12-07T10:01:40.000Z');
        for (let i = 0; i < 3; i++) expect(await f.store.admit({ identity: 'alice', now: rested, ...pace })).toEqual({ admitted: true });
        expect(await f.store.admit({ identity: 'alice', now: rested, ...pace })).toMatchObject({ admitted: false, limit: 'requestsPerMinute' });
      } finally {
        await f.close();
      }
    });

    it('without a burst, a whole minute of requests at once, then the pace', async () => {
      const f = await open();
      try {
        const now = at('2026-12-07T10:00:00.000Z');
        for (let i = 0; i < 4; i++) expect(await f.store.admit({ identity: 'dan', now, requestsPerMinute: 4 })).toEqual({ admitted: true });
        expect(await f.store.admit({ identity: 'dan', now, requestsPerMinute: 4 })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 15 });
      } finally {
        await f.close();
      }
    });

    it('a request refused by its lease or a budget does not move its pace on', async () => {
      const f = await open();
      try {
        const now = at('2026-12-07T10:00:00.000Z');
        const until = at('2026-12-07T10:00:30.000Z');
        const check = { identity: 'erin', now, requestsPerMinute: 60, burst: 2 };
        expect(await f.store.admit({ ...check, lease: { id: 'a', max: 1, until } })).toEqual({ admitted: true });
        for (let i = 0; i < 5; i++) expect(await f.store.admit({ ...check, lease: { id: `r${i}`, max: 1, until } })).toMatchObject({ admitted: false, limit: 'concurrentStatements' });
        expect(await f.store.admit(check)).toEqual({ admitted: true });
        expect(await f.store.admit(check)).toMatchObject({ admitted: false, limit: 'requestsPerMinute' });
      } finally {
        await f.close();
      }
    });

    it('a request of n units costs n requests of the pace (a long statement), and pacedOut knows a spent pace without asking the store', async () => {
      const f = await open();
      try {
        const now = at('2026-12-07T10:00:00.000Z');
        const pace = { requestsPerMinute: 60, burst: 10 };
        expect(f.store.pacedOut({ identity: 'gus', now, ...pace, units: 10 })).toBeNull();
        expect(await f.store.admit({ identity: 'gus', now, ...pace, units: 8 })).toEqual({ admitted: true });
        expect(await f.store.admit({ identity: 'gus', now, ...pace, units: 3 })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 1 });
        expect(f.store.pacedOut({ identity: 'gus', now, ...pace, units: 3 })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 1 });
        expect(f.store.pacedOut({ identity: 'gus', now, ...pace, units: 2 })).toBeNull();
        expect(await f.store.admit({ identity: 'gus', now, ...pace, units: 2 })).toEqual({ admitted: true });
        expect(await f.store.admit({ identity: 'gus', now, ...pace })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 1 });
        expect(f.store.pacedOut({ identity: 'gus', now: at('2026-12-07T10:00:05.000Z'), ...pace, units: 6 })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 1 });
        expect(f.store.pacedOut({ identity: 'gus', now: at('2026-12-07T10:00:05.000Z'), ...pace, units: 5 })).toBeNull();
        // Another identity's pace is its own.
        expect(f.store.pacedOut({ identity: 'hal', now, ...pace, units: 10 })).toBeNull();
      } finally {
        await f.close();
      }
    });

    it('finish charges what the answer cost onto the pace: from now when rested, on top of the pace otherwise, seen by every instance', async () => {
      const f = await open();
      try {
        const pace = { requestsPerMinute: 60, burst: 10 };
        const t0 = at('2026-12-07T10:00:00.000Z');
        expect(await f.store.admit({ identity: 'jo', now: t0, ...pace })).toEqual({ admitted: true });
        // 8 more: with the one admitted, 9 of the 10 — one request left.
        await f.store.finish({ identity: 'jo', warehouseMs: 0, now: t0, pace: { requestsPerMinute: 60, units: 8 } });
        expect(await f.another().admit({ identity: 'jo', now: t0, ...pace })).toEqual({ admitted: true });
        expect(await f.another().admit({ identity: 'jo', now: t0, ...pace })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 1 });
        // Rested (20 s later): a charge of 12 starts from now and goes past the burst; the next waits it out.
        const t1 = at('2026-12-07T10:00:20.000Z');
        await f.store.finish({ identity: 'jo', warehouseMs: 0, now: t1, pace: { requestsPerMinute: 60, units: 12 } });
        expect(await f.another().admit({ identity: 'jo', now: t1, ...pace })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 3 });
        expect(await f.store.admit({ identity: 'jo', now: at('2026-12-07T10:00:23.000Z'), ...pace })).toEqual({ admitted: true });
      } finally {
        await f.close();
      }
    });

    it('the pace of a rested identity starts from now, also when its request drops a lapsed lease on the way (DynamoDB: the read path)', async () => {
      const f = await open();
      try {
        const pace = { requestsPerMinute: 60, burst: 2 };
        const t0 = Date.parse('2026-12-07T10:00:00.000Z');
        expect(await f.store.admit({ identity: 'kim', now: new Date(t0), ...pace, lease: { id: 'old', max: 1, until: new Date(t0 + 5_000) } })).toEqual({ admitted: true });
        // 100 s later the lease has lapsed (never freed) and the pace is rested: 2 at once, not 3.
        const later = new Date(t0 + 100_000);
        expect(await f.store.admit({ identity: 'kim', now: later, ...pace, lease: { id: 'new', max: 1, until: new Date(t0 + 130_000) } })).toEqual({ admitted: true });
        expect(await f.store.admit({ identity: 'kim', now: later, ...pace })).toEqual({ admitted: true });
        expect(await f.store.admit({ identity: 'kim', now: later, ...pace })).toEqual({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 1 });
      } finally {
        await f.close();
      }
    });

    it('pacedOut never refuses what admit would admit, whichever instance moved the pace on', async () => {
      const f = await open();
      try {
        const pace = { requestsPerMinute: 600, burst: 4 };
        const other = f.another();
        let t = Date.parse('2026-12-07T10:00:00.000Z');
        for (let i = 0; i < 40; i++, t += 37) {
          const now = new Date(t);
          const early = (i % 2 === 0 ? f.store : other).pacedOut({ identity: 'ivy', now, ...pace });
          const a = await (i % 3 === 0 ? other : f.store).admit({ identity: 'ivy', now, ...pace });
          if (early !== null) expect(a, `request ${i}`).toMatchObject({ admitted: false });
        }
      } finally {
        await f.close();
      }
    });

    it('concurrent admits from two instances never pass the pace', async () => {
      const f = await open();
      try {
        const now = at('2026-12-07T10:00:00.000Z');
        const stores = [f.store, f.another()];
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 2]!.admit({ identity: 'fay', now, requestsPerMinute: 600, burst: 5 })));
        expect(results.filter((r) => r.admitted)).toHaveLength(5);
      } finally {
        await f.close();
      }
    });

    it('holds at most `max` leases per identity across instances, frees one on finish, and lets a lapsed one be taken', async () => {
      const f = await open();
      try {
        const now = at('2026-12-07T10:00:00.000Z');
        const until = at('2026-12-07T10:00:20.000Z');
        expect(await f.store.admit({ identity: 'alice', now, lease: { id: 'l1', max: 2, until } })).toEqual({ admitted: true });
        expect(await f.another().admit({ identity: 'alice', now, lease: { id: 'l2', max: 2, until } })).toEqual({ admitted: true });
        expect(await f.store.admit({ identity: 'alice', now, lease: { id: 'l3', max: 2, until } })).toEqual({ admitted: false, limit: 'concurrentStatements', retryAfterSeconds: 20 });
        expect(await f.store.admit({ identity: 'bob', now, lease: { id: 'b1', max: 2, until } })).toEqual({ admitted: true });
        await f.store.finish({ identity: 'alice', leaseId: 'l1', warehouseMs: 0, now });
        expect(await f.store.admit({ identity: 'alice', now, lease: { id: 'l4', max: 2, until } })).toEqual({ admitted: true });
        // l2 and l4 lapse at `until`: a crashed holder does not keep its lease.
        expect(await f.store.admit({ identity: 'alice', now: at('2026-12-07T10:00:21.000Z'), lease: { id: 'l5', max: 1, until: at('2026-12-07T10:00:40.000Z') } })).toEqual({ admitted: true });
      } finally {
        await f.close();
      }
    });

    it('charges warehouse time to the hour and the day and refuses once either budget is used up', async () => {
      const f = await open();
      try {
        const now = at('2026-12-07T10:59:30.000Z');
        const check = { identity: 'alice', warehouseSecondsPerHour: 10, warehouseSecondsPerDay: 15 };
        expect(await f.store.admit({ ...check, now })).toEqual({ admitted: true });
        await f.store.finish({ identity: 'alice', warehouseMs: 10_000, now });
        expect(await f.another().admit({ ...check, now })).toEqual({ admitted: false, limit: 'warehouseSecondsPerHour', retryAfterSeconds: 30 });
        expect(await f.store.admit({ ...check, identity: 'bob', now })).toEqual({ admitted: true });
        const later = at('2026-12-07T11:00:00.000Z');
        expect(await f.store.admit({ ...check, now: later })).toEqual({ admitted: true });
        await f.store.finish({ identity: 'alice', warehouseMs: 5_000, now: later });
        expect(await f.store.admit({ ...check, now: later })).toEqual({ admitted: false, limit: 'warehouseSecondsPerDay', retryAfterSeconds: 13 * 3600 });
      } finally {
        await f.close();
      }
    });

    it('concurrent admits from two instances never hand out more than max leases', async () => {
      const f = await open();
      try {
        const now = at('2026-12-07T10:00:00.000Z');
        const until = at('2026-12-07T10:00:20.000Z');
        const stores = [f.store, f.another()];
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.admit({ identity: 'carol', now, lease: { id: `c${i}`, max: 3, until } })));
        expect(results.filter((r) => r.admitted)).toHaveLength(3);
      } finally {
        await f.close();
      }
    });
  });
}
