/**
 * Fair use (issue 15): one identity floods slow statements and approval requests while another
 * runs ordinary reads. Reports the other identity's p50 against its unloaded p50 (target ≤ 2×),
 * the flood's 429s, the query.throttled records, and whether any slot outlived its deadline.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { parseEnv } from '#shared/config/env.js';
import { createLogger } from '#local/logger.js';
import { startLocalRuntime } from '#local/runtime.js';
import type { BenchSection, BenchSectionRunner } from '../types.js';

const SLOW = 'SELECT sum(range % 7) AS s FROM range(100000000000000)';
const READ = 'SELECT count(*) AS n FROM orders';
const READS = 40;
const POLICY = `
limits:
  statementTimeoutSeconds: 3
  perIdentity:
    concurrentStatements: 2
    requestsPerMinute: 600
    groups:
      - group: flood
        concurrentStatements: 2
        requestsPerMinute: 120
`;

function p50(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

export const run: BenchSectionRunner = async (): Promise<BenchSection> => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-fair-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, POLICY);
  const rt = await startLocalRuntime({ env: parseEnv({ AIRLOCK_DATA_DIR: join(dir, 'data'), AIRLOCK_PORT: '0', AIRLOCK_POLICY: policy }), log: createLogger('silent') });
  try {
    const reader = await rt.devIssuer!.issue({ sub: 'reader', email: 'reader@example.com', groups: [], ttlSeconds: 3600 });
    const flooder = await rt.devIssuer!.issue({ sub: 'flooder', email: 'flooder@example.com', groups: ['flood'], ttlSeconds: 3600 });
    const post = async (token: string, sql: string, sessionId: string) => {
      const t0 = performance.now();
      const res = await fetch(`${rt.url}/v1/queries`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ prompt: 'bench', sql, sessionId }) });
      const text = await res.text();
      let code = '';
      try {
        code = String((JSON.parse(text) as { error?: { code?: unknown } }).error?.code ?? '');
      } catch {
        code = 'not JSON';
      }
      return { status: res.status, code, ms: performance.now() - t0 };
    };
    const reads = async () => {
      const out: number[] = [];
      for (let i = 0; i < READS; i++) {
        const r = await post(reader, READ, 'reader');
        if (r.status !== 200) throw new Error(`reader answered ${r.status}`);
        out.push(r.ms);
      }
      return out;
    };
    await reads(); // warm-up
    const unloaded = p50(await reads());

    let stop = false;
    const statuses: number[] = [];
    const codes: string[] = [];
    const flood = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const sql = i % 2 === 0 ? SLOW : `DELETE FROM orders WHERE id = ${w * 1000 + i}`;
        const r = await post(flooder, sql, `flood-${w}`);
        statuses.push(r.status);
        codes.push(`${r.status}${r.code === '' ? '' : ` ${r.code}`}`);
      }
    });
    await new Promise((r) => setTimeout(r, 500));
    const loaded = p50(await reads());
    stop = true;
    await Promise.all(flood);

    const warehouse = rt.deps.warehouse as DuckDbWarehouse;
    const snapshot = warehouse.slotsSnapshot();
    let throttledRecords = 0;
    for (let w = 0; w < 8; w++) {
      const records = (await rt.deps.records.list(`flood-${w}`)) as unknown[];
      throttledRecords += records.filter((r) => (typeof r === 'string' ? r : JSON.stringify(r)).includes('"query.throttled"')).length;
    }
    const n429 = statuses.filter((s) => s === 429).length;
    // Refusals made before the identity is known (the HTTP server's connection budget: 503 ERR_OVERLOADED) cannot be
    // recorded in a session chain; they are counted apart, never mixed into the 429s that must each have a record.
    const connectionLevel = codes.filter((c) => c === '503 ERR_OVERLOADED').length;
    const byCode = new Map<string, number>();
    for (const c of codes) byCode.set(c, (byCode.get(c) ?? 0) + 1);
    const breakdown = [...byCode].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${n}× ${c}`).join(', ');
    const ratio = loaded / unloaded;
    return {
      title: 'Fair use: one identity floods, another reads (issue 15)',
      rows: [
        { metric: 'other identity read p50 under flood', value: `${loaded.toFixed(1)} ms`, baseline: `${unloaded.toFixed(1)} ms unloaded`, ratio: `${ratio.toFixed(2)}x (target ≤ 2x: ${ratio <= 2 ? 'met' : 'NOT met'})` },
        { metric: 'flood requests answered 429', value: `${n429} of ${statuses.length}`, note: breakdown },
        { metric: 'query.throttled records', value: String(throttledRecords), ratio: throttledRecords === n429 ? 'one per 429: met' : 'NOT one per 429' },
        { metric: 'connection-level refusals (503 ERR_OVERLOADED, before identity: not recordable)', value: String(connectionLevel) },
        { metric: 'slots freed by the watchdog past a deadline', value: String(snapshot.overdueFreed), ratio: snapshot.overdueFreed === 0 ? 'target 0: met' : 'target 0: NOT met' },
      ],
    };
  } finally {
    await rt.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
