import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredOutcome } from '#shared/ports/query-outcome.js';
import type { RequestItem, RequestStore } from '#shared/ports/request-store.js';
import type { ContractSubject } from './contract-subject.js';

/** The store under test, and a second instance over the same state (another process, another Lambda container). */
export type RequestStoreHarness = ContractSubject<RequestStore>;

function item(requestId: string, over: Partial<RequestItem> = {}): RequestItem {
  return {
    requestId,
    sessionId: 's1',
    owner: 'https://airlock.local/dev#agent',
    status: 'pending_approval',
    risk: 'write',
    sql: "update orders set status = 'x' where id = 1",
    sqlHash: 'a'.repeat(64),
    prompt: 'fix order 1 — naïve "quote" €',
    createdAt: '2026-03-01T12:00:00.000Z',
    approvalsRequired: 1,
    approvers: ['UAPPROVER1', 'UAPPROVER2'],
    votes: [],
    expiresAt: '2026-03-01T13:00:00.000Z',
    requestedSeq: 1,
    ...over,
  };
}

/** The RequestStore contract: every adapter must pass it unchanged. */
export function requestStoreContract(name: string, make: () => Promise<RequestStoreHarness>): void {
  describe(`RequestStore contract: ${name}`, () => {
    let h: RequestStoreHarness;
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.close();
    });

    describe('sessions', () => {
      it('the first claim wins; later claims get the owner on record', async () => {
        expect(await h.store.getSession('s1')).toBeNull();
        const mine = { sessionId: 's1', owner: 'iss#alice', createdAt: '2026-03-01T12:00:00.000Z' };
        expect(await h.store.claimSession(mine)).toEqual(mine);
        expect(await h.another().claimSession({ sessionId: 's1', owner: 'iss#mallory', createdAt: '2026-03-02T00:00:00.000Z' })).toEqual(mine);
        expect(await h.store.getSession('s1')).toEqual(mine);
      });

      it('exactly one of racing claims wins', async () => {
        const other = h.another();
        const got = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? other : h.store).claimSession({ sessionId: 'race', owner: `o${i}`, createdAt: 'x' })),
        );
        expect(new Set(got.map((g) => g.owner)).size).toBe(1);
      });
    });

    describe('idempotency', () => {
      it('returns the existing entry to a second claim, and a released key can be claimed again', async () => {
        const e = { key: 'iss#alice:k1', bodyHash: 'h1', requestId: 'r1' };
        expect(await h.store.claimIdempotency(e)).toEqual(e);
        expect(await h.store.claimIdempotency({ ...e, bodyHash: 'h2', requestId: 'r2' })).toEqual(e);
        await h.store.releaseIdempotency(e.key);
        const again = { ...e, bodyHash: 'h3', requestId: 'r3' };
        expect(await h.store.claimIdempotency(again)).toEqual(again);
      });

      it('releasing an unknown key is not an error', async () => {
        await expect(h.store.releaseIdempotency('never')).resolves.toBeUndefined();
      });
    });

    describe('requests', () => {
      it('round-trips an item, including nested and empty values', async () => {
        const response: StoredOutcome = {
          kind: 'executed',
          body: {
            requestId: 'r1',
            sessionId: 's1',
            risk: 'read',
            status: 'executed',
            columns: [{ name: 'ID', type: 'NUMBER' }],
            rows: [{ ID: 1, EMAIL: null, nested: { a: [true, 1.5] } }],
            rowCount: 1,
            truncated: false,
            masked: [],
            queryId: 'q1',
            record: { seq: 2, hash: 'b'.repeat(64) },
          },
        };
        const it1 = item('r1', { prompt: '', response, httpStatus: 200 });
        await h.store.put(it1);
        expect(await h.store.get('r1')).toEqual(it1);
        expect(await h.store.get('unknown')).toBeNull();
      });

      it('getMany reads several requests in the order asked (over one batch of 100), leaving unknown ids out, each as get reads it', async () => {
        const ids = Array.from({ length: 130 }, (_, i) => `r${String(i).padStart(3, '0')}`);
        for (const id of ids) await h.store.put(item(id, { sql: `select ${id}` }));
        await h.store.transition('r007', ['pending_approval', 'running'], { status: 'approved' });
        const asked = ['r120', 'unknown', 'r007', ...ids.slice(0, 110), 'r120'];
        const got = await h.store.getMany(asked);
        expect(got.map((i) => i.requestId)).toEqual(asked.filter((id) => id !== 'unknown'));
        expect(got[1]).toEqual(await h.store.get('r007'));
        expect(got[1]?.status).toBe('approved');
        expect(await h.store.getMany([])).toEqual([]);
      });

      it('put is create-only: a second put of the same id is ERR_REQUEST_EXISTS', async () => {
        await h.store.put(item('r1'));
        await expect(h.another().put(item('r1', { sql: 'drop table x' }))).rejects.toMatchObject({ code: 'ERR_REQUEST_EXISTS' });
        expect((await h.store.get('r1'))?.sql).toBe(item('r1').sql);
      });

      it('hands out copies: mutating a returned item changes nothing stored', async () => {
        await h.store.put(item('r1'));
        const got = await h.store.get('r1');
        got?.votes.push({ slackUserId: 'U', vote: 'approve', at: 'x' });
        expect((await h.store.get('r1'))?.votes).toEqual([]);
      });

      it('transition applies the patch only from an allowed status', async () => {
        await h.store.put(item('r1'));
        const vote = { slackUserId: 'UAPPROVER1', email: 'approver1@example.com', vote: 'approve' as const, at: '2026-03-01T12:01:00.000Z' };
        expect(await h.store.transition('r1', ['executed', 'failed'], { status: 'running' })).toBe(false);
        expect((await h.store.get('r1'))?.status).toBe('pending_approval');
        expect(await h.store.transition('r1', ['pending_approval', 'approved'], { status: 'approved', votes: [vote] })).toBe(true);
        expect(await h.store.get('r1')).toEqual({ ...item('r1'), status: 'approved', votes: [vote] });
      });

      it('transition ignores undefined patch members and accepts an empty patch as a status test', async () => {
        await h.store.put(item('r1'));
        expect(await h.store.transition('r1', ['pending_approval'], { expiresAt: undefined })).toBe(true);
        expect(await h.store.transition('r1', ['pending_approval'], {})).toBe(true);
        expect(await h.store.transition('r1', ['executed'], {})).toBe(false);
        expect(await h.store.get('r1')).toEqual(item('r1'));
      });

      it('transition is false for an unknown request or an empty from-list', async () => {
        await h.store.put(item('r1'));
        expect(await h.store.transition('nope', ['pending_approval'], { status: 'approved' })).toBe(false);
        expect(await h.store.transition('r1', [], { status: 'approved' })).toBe(false);
        expect(await h.store.get('nope')).toBeNull();
      });

      it('transition refuses to change the requestId', async () => {
        await h.store.put(item('r1'));
        await expect(h.store.transition('r1', ['pending_approval'], { requestId: 'r2' })).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
      });

      it('exactly one of racing transitions out of a status wins', async () => {
        await h.store.put(item('r1'));
        const other = h.another();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? other : h.store).transition('r1', ['pending_approval'], { status: i % 3 ? 'approved' : 'rejected', httpStatus: i }),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('transitionVotes applies the patch only when the stored votes are the ones the caller read', async () => {
        await h.store.put(item('r1', { approvalsRequired: 2 }));
        const v1 = { slackUserId: 'UAPPROVER1', email: 'approver1@example.com', vote: 'approve' as const, at: '2026-03-01T12:01:00.000Z' };
        const v2 = { slackUserId: 'UAPPROVER2', email: 'approver2@example.com', vote: 'approve' as const, at: '2026-03-01T12:02:00.000Z' };
        expect(await h.store.transitionVotes('r1', ['pending_approval'], [], { votes: [v1] })).toBe(true);
        // A stale read (still []) loses: its vote would overwrite v1.
        expect(await h.another().transitionVotes('r1', ['pending_approval'], [], { votes: [v2] })).toBe(false);
        expect(await h.store.transitionVotes('r1', ['approved'], [v1], { votes: [v1, v2] })).toBe(false);
        expect(await h.store.transitionVotes('r1', ['pending_approval'], [v1], { votes: [v1, v2], status: 'approved' })).toBe(true);
        expect(await h.store.get('r1')).toMatchObject({ status: 'approved', votes: [v1, v2] });
        expect(await h.store.transitionVotes('nope', ['pending_approval'], [], { votes: [v1] })).toBe(false);
      });

      it('20 racing voters with read-retry loops: every vote lands once and exactly one claims the quorum', async () => {
        await h.store.put(item('r1', { approvalsRequired: 20 }));
        const other = h.another();
        const claims = await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const store = i % 2 ? other : h.store;
            for (;;) {
              const cur = (await store.get('r1')) as RequestItem;
              const votes = [...cur.votes, { slackUserId: `U${i}`, vote: 'approve' as const, at: `t${i}` }];
              const status = votes.length >= cur.approvalsRequired ? 'approved' : 'pending_approval';
              if (await store.transitionVotes('r1', ['pending_approval'], cur.votes, { votes, status })) return status === 'approved';
            }
          }),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
        const final = (await h.store.get('r1')) as RequestItem;
        expect(final.status).toBe('approved');
        expect(new Set(final.votes.map((v) => v.slackUserId)).size).toBe(20);
      });

      it('listByStatus returns the requests in that status, oldest first', async () => {
        await h.store.put(item('r2', { createdAt: '2026-03-01T12:00:02.000Z' }));
        await h.store.put(item('r1', { createdAt: '2026-03-01T12:00:01.000Z' }));
        await h.store.put(item('r3', { status: 'executed' }));
        expect((await h.store.listByStatus('pending_approval')).map((r) => r.requestId)).toEqual(['r1', 'r2']);
        await h.store.transition('r1', ['pending_approval'], { status: 'expired' });
        expect((await h.store.listByStatus('pending_approval')).map((r) => r.requestId)).toEqual(['r2']);
        expect(await h.store.listByStatus('expired')).toEqual([{ ...item('r1', { createdAt: '2026-03-01T12:00:01.000Z' }), status: 'expired' }]);
        expect(await h.store.listByStatus('outcome_unknown')).toEqual([]);
      });

      it('refuses an item over 400 KB with ERR_ITEM_TOO_LARGE, on put and on transition', async () => {
        await expect(h.store.put(item('big', { sql: 'x'.repeat(500_000) }))).rejects.toMatchObject({ code: 'ERR_ITEM_TOO_LARGE' });
        expect(await h.store.get('big')).toBeNull();
        await h.store.put(item('r1'));
        await expect(h.store.transition('r1', ['pending_approval'], { response: { kind: 'failed', body: { requestId: 'r1', sessionId: 's1', risk: 'write', status: 'failed', error: { code: 'ERR_WAREHOUSE', message: 'y'.repeat(500_000) } } } })).rejects.toMatchObject({
          code: 'ERR_ITEM_TOO_LARGE',
        });
        expect(await h.store.get('r1')).toEqual(item('r1'));
      });
    });

    describe('counter items (claimSlots) and documents (putDoc)', () => {
      it('claims up to max per set, all sets or none; a member already in counts once; release is idempotent', async () => {
        const claim = (m: string, maxA = 2, maxB = 3) => h.store.claimSlots('k', [{ set: 'a', member: m, max: maxA }, { set: 'b', member: m, max: maxB }]);
        expect(await h.store.listSlots('k')).toEqual({});
        expect(await claim('m1')).toBe(true);
        expect(await claim('m1')).toBe(true); // a retry
        expect(await claim('m2')).toBe(true);
        expect(await claim('m3')).toBe(false); // a is full: b is not written either
        expect(await h.store.listSlots('k')).toEqual({ a: ['m1', 'm2'], b: ['m1', 'm2'] });
        expect(await claim('m2')).toBe(true); // already in both, even though a is full
        await h.store.releaseSlots('k', 'a', ['m1', 'nobody']);
        await h.store.releaseSlots('k', 'a', ['m1']);
        expect(await claim('m3')).toBe(true);
        expect(await claim('m4', 5, 3)).toBe(false); // now b is full
        expect(await h.store.listSlots('k')).toEqual({ a: ['m2', 'm3'], b: ['m1', 'm2', 'm3'] });
        await h.store.releaseSlots('k', 'a', ['m2', 'm3']);
        expect((await h.store.listSlots('k'))['a'] ?? []).toEqual([]);
        expect(await h.store.listSlots('other')).toEqual({});
      });

      it('30 racing claims from two instances over a cap of 4: exactly 4 win', async () => {
        const b = h.another();
        const wins = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? h.store : b).claimSlots('race', [{ set: 'p', member: `m${i}`, max: 4 }])));
        expect(wins.filter(Boolean)).toHaveLength(4);
        expect((await b.listSlots('race'))['p']).toHaveLength(4);
      });

      it('documents are compare-and-swap on their version', async () => {
        expect(await h.store.getDoc('d')).toBeNull();
        expect(await h.store.putDoc('d', { ids: ['a'] }, 1)).toBe(false);
        expect(await h.store.putDoc('d', { ids: ['a'] }, null)).toBe(true);
        expect(await h.store.putDoc('d', { ids: ['x'] }, null)).toBe(false);
        expect(await h.store.getDoc('d')).toEqual({ version: 1, value: { ids: ['a'] } });
        expect(await h.store.putDoc('d', { ids: ['a', 'b'] }, 1)).toBe(true);
        expect(await h.store.putDoc('d', { ids: ['lost'] }, 1)).toBe(false);
        expect(await h.another().getDoc('d')).toEqual({ version: 2, value: { ids: ['a', 'b'] } });
        // Counter items and documents are not requests.
        expect(await h.store.listByStatus('pending_approval')).toEqual([]);
      });
    });
  });
}
