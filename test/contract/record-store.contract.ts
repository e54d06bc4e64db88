import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import type { RecordStore } from '#shared/ports/record-store.js';
import { sealRecord } from '#shared/records/seal-record.js';
import { GENESIS_HASH, type SessionRecord } from '#shared/records/types.js';
import { MAX_RECORD_BYTES } from '#shared/adapters/aws/tables.js';
import { newSigner, tempDir } from '#test/fixtures/records/record-fixtures.js';
import type { ContractSubject } from './contract-subject.js';

/** The store under test, and a second instance over the same state (another process, another Lambda container). */
export type RecordStoreHarness = ContractSubject<RecordStore>;

/** The RecordStore contract: every adapter must pass it unchanged. */
export function recordStoreContract(name: string, make: () => Promise<RecordStoreHarness>): void {
  describe(`RecordStore contract: ${name}`, () => {
    let signer: LocalKeySigner;
    let h: RecordStoreHarness;
    const keys = tempDir();

    beforeAll(async () => {
      signer = await newSigner(keys.dir);
      return () => keys.cleanup();
    });
    beforeEach(async () => {
      h = await make();
    });
    afterEach(async () => {
      await h.close();
    });

    async function sealed(sessionId: string, seq: number, body: Record<string, unknown> = {}): Promise<{ record: SessionRecord; canonical: string }> {
      return sealRecord(
        { sessionId, seq, requestId: `r${seq}`, type: 'query.failed', at: '2026-03-01T12:00:00.000Z', actor: { kind: 'system' }, body, prevHash: GENESIS_HASH },
        signer,
      );
    }

    it('finds a request by id from its query.requested record only, from any instance', async () => {
      const req = await sealRecord({ sessionId: 's7', seq: 4, requestId: 'R-1', type: 'query.requested', at: '2026-03-01T12:00:00.000Z', actor: { kind: 'system' }, body: {}, prevHash: GENESIS_HASH }, signer);
      const out = await sealRecord({ sessionId: 's7', seq: 5, requestId: 'R-1', type: 'query.executed', at: '2026-03-01T12:00:00.000Z', actor: { kind: 'system' }, body: {}, prevHash: req.record.hash }, signer);
      const other = await sealRecord({ sessionId: 's8', seq: 1, requestId: 'R-2', type: 'query.failed', at: '2026-03-01T12:00:00.000Z', actor: { kind: 'system' }, body: {}, prevHash: GENESIS_HASH }, signer);
      for (const r of [req, out, other]) await h.store.append(r.record, r.canonical);
      expect(await h.store.requested('R-1')).toEqual({ sessionId: 's7', seq: 4 });
      expect(await h.another().requested('R-1')).toEqual({ sessionId: 's7', seq: 4 });
      // A request with records but no write-ahead record, and an id nobody used: not found.
      expect(await h.store.requested('R-2')).toBeNull();
      expect(await h.store.requested('R-3')).toBeNull();
    });

    it('knows nothing of an unknown session', async () => {
      expect(await h.store.head('nobody')).toBeNull();
      expect(await h.store.list('nobody')).toEqual([]);
    });

    it('returns the canonical strings byte for byte, including escapes and non-ASCII', async () => {
      const a = await sealed('s1', 1, { prompt: 'naïve "quotes" \\ \n tab\t €😀 \u0001', n: [1e-7, 1e21, -0.5] });
      await h.store.append(a.record, a.canonical);
      expect(await h.store.list('s1')).toEqual([a.canonical]);
      expect(await h.store.head('s1')).toEqual({ seq: 1, hash: a.record.hash });
    });

    it('orders by seq numerically and reports the highest as head', async () => {
      const all = [];
      for (let seq = 1; seq <= 12; seq += 1) all.push(await sealed('s1', seq));
      for (const r of [...all].reverse()) await h.store.append(r.record, r.canonical);
      expect(await h.store.list('s1')).toEqual(all.map((r) => r.canonical));
      expect(await h.store.head('s1')).toEqual({ seq: 12, hash: all[11]?.record.hash });
    });

    it('lists from a seq on (a request reads its records from its write-ahead record, not the whole session)', async () => {
      const all = [];
      for (let seq = 1; seq <= 12; seq += 1) all.push(await sealed('s1', seq));
      for (const r of all) await h.store.append(r.record, r.canonical);
      expect(await h.store.list('s1', 10)).toEqual(all.slice(9).map((r) => r.canonical));
      expect(await h.store.list('s1', 1)).toEqual(all.map((r) => r.canonical));
      expect(await h.store.list('s1', 13)).toEqual([]);
      expect(await h.store.list('s1', undefined)).toEqual(all.map((r) => r.canonical));
    });

    it('refuses a taken slot with ERR_CHAIN_CONFLICT and keeps the first record', async () => {
      const first = await sealed('s1', 1, { v: 'first' });
      const second = await sealed('s1', 1, { v: 'second' });
      await h.store.append(first.record, first.canonical);
      await expect(h.another().append(second.record, second.canonical)).rejects.toMatchObject({ code: 'ERR_CHAIN_CONFLICT' });
      expect(await h.store.list('s1')).toEqual([first.canonical]);
    });

    it('treats re-appending the identical bytes (a retried write that had landed) as success, keeping one copy', async () => {
      const a = await sealed('s1', 1);
      await h.store.append(a.record, a.canonical);
      await h.another().append(a.record, a.canonical);
      expect(await h.store.list('s1')).toEqual([a.canonical]);
      // Same content re-signed is different bytes: still a conflict.
      const resigned = await sealRecord(a.record, signer);
      expect(resigned.canonical).not.toBe(a.canonical);
      await expect(h.store.append(resigned.record, resigned.canonical)).rejects.toMatchObject({ code: 'ERR_CHAIN_CONFLICT' });
    });

    it('lets exactly one of 20 racing writers (two instances) take a slot', async () => {
      const other = h.another();
      const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => sealed('race', 1, { writer: i })));
      const settled = await Promise.allSettled(attempts.map((a, i) => (i % 2 === 0 ? h.store : other).append(a.record, a.canonical)));
      const won = settled.filter((s) => s.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const s of settled) if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'ERR_CHAIN_CONFLICT' });
      expect(await h.store.list('race')).toHaveLength(1);
    });

    it('keeps sessions apart', async () => {
      const a = await sealed('a', 1);
      const b = await sealed('b', 1);
      await h.store.append(a.record, a.canonical);
      await h.store.append(b.record, b.canonical);
      expect(await h.store.list('a')).toEqual([a.canonical]);
      expect(await h.store.list('b')).toEqual([b.canonical]);
    });

    it('refuses a canonical string that is not the record (ERR_VALIDATION), writing nothing', async () => {
      const a = await sealed('s1', 1);
      const b = await sealed('s1', 2);
      await expect(h.store.append(a.record, b.canonical)).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
      await expect(h.store.append(a.record, a.canonical.replace('{', '{ '))).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
      expect(await h.store.list('s1')).toEqual([]);
    });

    it('stores a record just under MAX_RECORD_BYTES and refuses one over it with ERR_ITEM_TOO_LARGE', async () => {
      const probe = await sealed('big', 1, { pad: '' });
      // DER signatures vary by a few bytes, so aim a little under/over rather than exactly at the limit.
      const room = MAX_RECORD_BYTES - Buffer.byteLength(probe.canonical);
      const fits = await sealed('big', 1, { pad: 'x'.repeat(room - 8) });
      expect(Buffer.byteLength(fits.canonical)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
      expect(Buffer.byteLength(fits.canonical)).toBeGreaterThan(MAX_RECORD_BYTES - 16);
      await h.store.append(fits.record, fits.canonical);
      const over = await sealed('big', 2, { pad: 'x'.repeat(room + 8) });
      await expect(h.store.append(over.record, over.canonical)).rejects.toMatchObject({ code: 'ERR_ITEM_TOO_LARGE' });
      expect(await h.store.list('big')).toEqual([fits.canonical]);
    });

    it('lists sessions larger than one 1 MB query page', async () => {
      const all = [];
      for (let seq = 1; seq <= 5; seq += 1) all.push(await sealed('long', seq, { pad: 'y'.repeat(300_000) }));
      for (const r of all) await h.store.append(r.record, r.canonical);
      expect(await h.store.list('long')).toEqual(all.map((r) => r.canonical));
    });

    it('lists the sorted ids of sessions with a record in a time range (either end open), for export', async () => {
      const put = async (sessionId: string, seq: number, at: string) => {
        const s = await sealRecord({ sessionId, seq, requestId: 'r', type: 'query.failed', at, actor: { kind: 'system' }, body: {}, prevHash: GENESIS_HASH }, signer);
        await h.store.append(s.record, s.canonical);
      };
      await put('b-mar', 1, '2026-03-01T23:59:59.999Z');
      await put('b-mar', 2, '2026-03-03T00:00:00.000Z');
      await put('a-feb', 1, '2026-02-10T08:00:00.000Z');
      await put('c-apr', 1, '2026-04-01T00:00:00.000Z');
      expect(await h.store.sessionIds?.({})).toEqual(['a-feb', 'b-mar', 'c-apr']);
      expect(await h.store.sessionIds?.({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z' })).toEqual(['b-mar']);
      expect(await h.store.sessionIds?.({ from: '2026-03-01T23:59:59.999Z', to: '2026-03-01T23:59:59.999Z' })).toEqual(['b-mar']);
      expect(await h.store.sessionIds?.({ to: '2026-03-01T00:00:00.000Z' })).toEqual(['a-feb']);
      expect(await h.store.sessionIds?.({ from: '2026-03-02T00:00:00.000Z' })).toEqual(['b-mar', 'c-apr']);
      expect(await h.store.sessionIds?.({ from: '2027-01-01T00:00:00.000Z', to: '2027-02-01T00:00:00.000Z' })).toEqual([]);
    });

    it('streams a session page by page, in seq order, byte for byte', async () => {
      const all = [];
      for (let seq = 1; seq <= 7; seq += 1) all.push(await sealed('paged', seq));
      for (const r of all) await h.store.append(r.record, r.canonical);
      const pages: string[][] = [];
      for await (const page of h.store.pages?.('paged', 3) ?? []) pages.push(page);
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(all.map((r) => r.canonical));
      const none: string[][] = [];
      for await (const page of h.store.pages?.('nobody') ?? []) none.push(page);
      expect(none).toEqual([]);
    });
  });
}
