import { describe, expect, it } from 'vitest';
import { MemoryQuotaStore } from '#shared/adapters/memory/memory-quota-store.js';
import { parsePolicy } from '#shared/policy/parse-policy.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { admitQuery } from '#shared/use-cases/admit-query.js';
import type { Principal } from '#shared/identity/principal.js';

/** The per-identity defaults (POLICY_DEFAULTS.limits.perIdentity) are enforced, not only parsed. */
describe('fair use is on by default', () => {
  const agent: Principal = { iss: 'https://idp.example.com', sub: 'agent', groups: [] };
  const other: Principal = { ...agent, sub: 'other' };
  let n = 0;
  const deps = (policy = loadPolicy(undefined)) => ({ policy, clock: { now: () => new Date('2026-12-07T12:00:00.000Z') }, newId: () => `id-${n++}`, quotas: new MemoryQuotaStore() });

  it('the 33rd statement at once from one identity is refused (concurrentStatements), another identity is not', async () => {
    const d = deps();
    for (let i = 0; i < 32; i++) expect((await admitQuery(d, agent, true)).admitted).toBe(true);
    expect(await admitQuery(d, agent, true)).toMatchObject({ admitted: false, limit: 'concurrentStatements' });
    expect((await admitQuery(d, other, true)).admitted).toBe(true);
  });

  it('requests are paced at 1,200 a minute with 40 at once (requestsPerMinute, burst)', async () => {
    const d = deps();
    for (let i = 0; i < 40; i++) {
      const a = await admitQuery(d, agent, false);
      if (!a.admitted) throw new Error(`refused at ${i}`);
    }
    expect(await admitQuery(d, agent, false)).toMatchObject({ admitted: false, limit: 'requestsPerMinute', retryAfterSeconds: 1 });
    expect((await admitQuery(d, other, false)).admitted).toBe(true);
    // At the pace (one every 50 ms) a whole minute's 1,200 pass, and no more.
    let t = Date.parse('2026-12-07T12:00:00.000Z');
    const paced = { ...d, clock: { now: () => new Date(t) }, quotas: new MemoryQuotaStore() };
    let admitted = 0;
    for (let i = 0; i < 1300; i++, t += 45) if ((await admitQuery(paced, agent, false)).admitted) admitted++;
    // 1,300 requests over 58.5 s, each 45 ms apart: 40 at once, then one per 50 ms.
    expect(admitted).toBe(40 + Math.floor((1299 * 45) / 50));
  });

  it('after 1,800 s of warehouse time in the hour, the next statement is refused (warehouseSecondsPerHour)', async () => {
    const d = deps(parsePolicy('', 'empty.yaml'));
    const a = await admitQuery(d, agent, true);
    if (!a.admitted) throw new Error('refused');
    await a.done(1_800_000);
    expect(await admitQuery(d, agent, true)).toMatchObject({ admitted: false, limit: 'warehouseSecondsPerHour' });
  });
});
