import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { parseEnv } from '#shared/config/env.js';
import { TABLES } from '#shared/adapters/aws/tables.js';
import { createLogger } from '#local/logger.js';
import { startLocalRuntime } from '#local/runtime.js';
import { startDynalite } from '#local/dynalite-server.js';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { seedDemo } from '#local/seed/seed-demo.js';
import type { BenchSection, BenchSectionRunner } from '../types.js';

const SQL = 'SELECT id, name, email, phone, city FROM customers WHERE id BETWEEN 100 AND 119 ORDER BY id';
const REQUESTS = 400;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function load(n: number, concurrency: number, one: (i: number) => Promise<void>): Promise<{ p50: number; p99: number; rps: number; cpuMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  // CPU of the whole process (client, gateway, dynalite, DuckDB threads) per request: on a shared
  // machine it moves far less with other people's load than wall-clock latency does.
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const t = performance.now();
        await one(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rps: n / elapsed, cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

/** End-to-end read over HTTP on the local runtime, beside the floor: DuckDB + one PutItem + one signature. */
export const run: BenchSectionRunner = async (): Promise<BenchSection> => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  const rows: BenchSection['rows'] = [];
  try {
    // One identity sends every request, hundreds a second: its per-identity pace is lifted (the default
    // 1,200 a minute would refuse most of them), everything else is the default policy.
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, 'limits:\n  perIdentity:\n    concurrentStatements: 32\n    requestsPerMinute: 1000000\n    warehouseSecondsPerHour: 1800\n');
    const rt = await startLocalRuntime({ env: parseEnv({ AIRLOCK_DATA_DIR: join(dir, 'data'), AIRLOCK_PORT: '0', AIRLOCK_POLICY: policyFile }), log: createLogger('silent') });
    const token = await rt.devIssuer!.issue({ sub: 'bench', email: 'bench@example.com', groups: [], ttlSeconds: 3600 });
    const post = async (i: number) => {
      const res = await fetch(`${rt.url}/v1/queries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ prompt: 'bench', sql: SQL, sessionId: `bench-${i % 50}` }),
      });
      if (res.status !== 200) throw new Error(`bench request answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    await load(20, 4, post);
    const c1 = await load(REQUESTS / 2, 1, post);
    const c16 = await load(REQUESTS, 16, post);
    await rt.stop();

    // The floor: the same work without the gateway — the query, one record write, one signature.
    const floorDir = mkdtempSync(join(tmpdir(), 'airlock-floor-'));
    const store = await startDynalite({ dataDir: floorDir });
    await seedDemo(join(floorDir, 'demo.duckdb'));
    const wh = await DuckDbWarehouse.open({ path: join(floorDir, 'demo.duckdb') });
    const signer = await LocalKeySigner.open(join(floorDir, 'records.pem'));
    const floorOne = async (i: number) => {
      await wh.execute({ sql: SQL, queryTag: '{}', maxRows: 1000, timeoutMs: 20_000 });
      const sig = await signer.sign(Buffer.alloc(32, i % 251));
      await store.client.send(
        new PutItemCommand({
          TableName: TABLES.records,
          Item: { sessionId: { S: `floor-${i % 50}` }, seq: { N: String(i) }, record: { S: sig.value }, at: { S: new Date().toISOString() }, day: { S: '2026-01-01' } },
        }),
      );
    };
    await load(20, 4, floorOne);
    const f1 = await load(REQUESTS / 2, 1, floorOne);
    const f16 = await load(REQUESTS, 16, floorOne);
    await wh.close();
    await store.close();
    rmSync(floorDir, { recursive: true, force: true });

    rows.push(
      { metric: 'read query, concurrency 1, p50', value: ms(c1.p50), baseline: ms(f1.p50), ratio: `${(c1.p50 / f1.p50).toFixed(2)}x floor`, note: 'baseline = DuckDB + 1 PutItem + 1 signature' },
      { metric: 'read query, concurrency 1, p99', value: ms(c1.p99), baseline: ms(f1.p99) },
      { metric: 'read query, concurrency 1, req/s', value: c1.rps.toFixed(0), baseline: f1.rps.toFixed(0) },
      { metric: 'read query, concurrency 16, p50', value: ms(c16.p50), baseline: ms(f16.p50), ratio: `${(c16.p50 / f16.p50).toFixed(2)}x floor` },
      { metric: 'read query, concurrency 16, p99', value: ms(c16.p99), baseline: ms(f16.p99) },
      { metric: 'read query, concurrency 16, req/s', value: c16.rps.toFixed(0), baseline: f16.rps.toFixed(0), note: `${REQUESTS} requests over HTTP, 50 sessions` },
      { metric: 'read query, concurrency 1, CPU per request', value: ms(c1.cpuMs), baseline: ms(f1.cpuMs), ratio: `${(c1.cpuMs / f1.cpuMs).toFixed(2)}x floor`, note: 'process CPU (all threads) ÷ requests; steadier than latency under load' },
      { metric: 'read query, concurrency 16, CPU per request', value: ms(c16.cpuMs), baseline: ms(f16.cpuMs), ratio: `${(c16.cpuMs / f16.cpuMs).toFixed(2)}x floor` },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: 'Gateway: end-to-end read over HTTP (local runtime) vs its floor', rows };
};
