import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { fork } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { UNPACED_IDENTITY, writeDefaultPolicyWith } from '#test/helpers/default-policy-file.js';
import { parseEnv } from '#shared/config/env.js';
import { TABLES } from '#shared/adapters/aws/tables.js';
import { createLogger } from '#local/logger.js';
import { startLocalRuntime } from '#local/runtime.js';
import { startDynalite } from '#local/dynalite-server.js';
import { DuckDbWarehouse } from '#shared/adapters/duckdb/duckdb-warehouse.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { seedDemo } from '#local/seed/seed-demo.js';
import type { BenchSection, BenchSectionRunner } from '../types.js';
import { timedCalls } from '../timed-calls.js';
import { percentile } from '../../test/load/load-report.js';

const ms = (v: number) => `${v.toFixed(2)} ms`;
const SQL = 'SELECT id, name, email, phone, city FROM customers WHERE id BETWEEN 100 AND 119 ORDER BY id';
/** Rounds of reads and floor operations, alternating, so both are measured in the same phases of a shared machine. */
const ROUNDS = 5;
const C1_PER_ROUND = 40;
const C16_PER_ROUND = 80;

/** CPU time of this process's main thread (the event loop) in ms, from /proc on Linux; null elsewhere. */
function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (USER_HZ, 100 on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** Latencies, this process's CPU (all threads: gateway, dynalite, DuckDB) and its event loop's, over every block of one kind. */
class Series {
  readonly latencies: number[] = [];
  /** Each block's own p50, in order (a round's read block is compared with the same round's floor block). */
  readonly blockP50s: number[] = [];
  cpuUs = 0;
  mainMs: number | null = 0;
  elapsedMs = 0;
  async block(measure: () => Promise<number[]>): Promise<void> {
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpuMs();
    const t0 = performance.now();
    const latencies = await measure();
    this.elapsedMs += performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    this.cpuUs += cpu.user + cpu.system;
    const main1 = mainThreadCpuMs();
    this.mainMs = this.mainMs === null || main0 === null || main1 === null ? null : this.mainMs + main1 - main0;
    // Outside the block's time and CPU: the bench's own bookkeeping.
    this.latencies.push(...latencies);
    this.blockP50s.push(percentile([...latencies].sort((a, b) => a - b), 50));
  }
  stats(): { p50: number; p99: number; rps: number; cpuMs: number; mainMs: number | null } {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const n = sorted.length;
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), rps: n / (this.elapsedMs / 1000), cpuMs: this.cpuUs / 1000 / n, mainMs: this.mainMs === null ? null : this.mainMs / n };
  }
}

/** The HTTP client, in its own process (gateway-client.ts). */
function startClient(url: string, token: string) {
  const child = fork(join(import.meta.dirname, 'gateway-client.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let offset = 0;
  return {
    /** `health`: GET /v1/health instead of the read — the HTTP round trip alone. */
    load: (n: number, concurrency: number, health = false) =>
      new Promise<number[]>((resolve, reject) => {
        child.once('message', (m: { latencies?: number[]; error?: string }) => (m.latencies === undefined ? reject(new Error(m.error)) : resolve(m.latencies)));
        child.send({ url, token, sql: SQL, n, concurrency, offset, health });
        offset += n;
      }),
    stop: () => child.disconnect(),
  };
}

/**
 * End-to-end read over HTTP on the local runtime, beside the floor: DuckDB + one PutItem + one signature.
 * The client runs in a process of its own, as an agent would; the floor runs in the gateway's process
 * (idle meanwhile), in blocks alternating with the reads.
 */
export const run: BenchSectionRunner = async (): Promise<BenchSection> => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-'));
  const rows: BenchSection['rows'] = [];
  try {
    // One identity sends every request, hundreds a second: its per-identity pace is lifted (the default
    // 1,200 a minute would refuse most of them), everything else is the default policy (its column
    // masking rules included: a policy file is whole, so a file of limits alone would mask by detectors only).
    const policyFile = writeDefaultPolicyWith(join(dir, 'policy.yaml'), { perIdentity: UNPACED_IDENTITY });
    const rt = await startLocalRuntime({ env: parseEnv({ AIRLOCK_DATA_DIR: join(dir, 'data'), AIRLOCK_PORT: '0', AIRLOCK_POLICY: policyFile }), log: createLogger('silent') });
    const token = await rt.devIssuer!.issue({ sub: 'bench', email: 'bench@example.com', groups: [], ttlSeconds: 3600 });
    const client = startClient(rt.url, token);

    // The floor: the same work without the gateway — the query, one record write, one signature.
    const floorDir = mkdtempSync(join(tmpdir(), 'airlock-floor-'));
    const store = await startDynalite({ dataDir: floorDir });
    await seedDemo(join(floorDir, 'demo.duckdb'));
    const wh = await DuckDbWarehouse.open({ path: join(floorDir, 'demo.duckdb') });
    const signer = await LocalKeySigner.open(join(floorDir, 'records.pem'));
    let floorSeq = 0;
    const queryAndSign = async (i: number) => {
      await wh.execute({ sql: SQL, queryTag: '{}', maxRows: 1000, timeoutMs: 20_000 });
      return signer.sign(Buffer.alloc(32, i % 251));
    };
    const floorOne = async (i: number) => {
      const sig = await queryAndSign(i);
      await store.client.send(
        new PutItemCommand({
          TableName: TABLES.records,
          Item: { sessionId: { S: `floor-${i % 50}` }, seq: { N: String(floorSeq++) }, record: { S: sig.value }, at: { S: new Date().toISOString() }, day: { S: '2026-01-01' } },
        }),
      );
    };
    const reads = { c1: new Series(), c16: new Series() };
    const floor = { c1: new Series(), c16: new Series() };
    // The floor without its write, at concurrency 16: what DuckDB and one signature cost the event loop.
    const queryOnly = new Series();
    // The HTTP round trip alone (same client, same server, no query), for context.
    const roundTrip = new Series();
    try {
      await client.load(40, 4);
      await timedCalls(40, 4, floorOne);
      for (let r = 0; r < ROUNDS; r++) {
        await reads.c1.block(() => client.load(C1_PER_ROUND, 1));
        await roundTrip.block(() => client.load(C1_PER_ROUND, 1, true));
        await floor.c1.block(() => timedCalls(C1_PER_ROUND, 1, floorOne));
        await reads.c16.block(() => client.load(C16_PER_ROUND, 16));
        await floor.c16.block(() => timedCalls(C16_PER_ROUND, 16, floorOne));
        await queryOnly.block(() => timedCalls(C16_PER_ROUND, 16, queryAndSign));
      }
    } finally {
      client.stop();
      await wh.close();
      await store.close();
      await rt.stop();
      rmSync(floorDir, { recursive: true, force: true });
    }
    const [c1, f1, c16, f16, q16, h1] = [reads.c1.stats(), floor.c1.stats(), reads.c16.stats(), floor.c16.stats(), queryOnly.stats(), roundTrip.stats()];
    // This machine's speed drifts between phases; each round's read and floor blocks ran back to back.
    const perRound = (r: Series, f: Series) => {
      const ratios = r.blockP50s.map((p, i) => p / f.blockP50s[i]!).sort((a, b) => a - b);
      return `${ratios[0]!.toFixed(2)}x–${ratios[ratios.length - 1]!.toFixed(2)}x, median ${percentile(ratios, 50).toFixed(2)}x`;
    };

    rows.push(
      { metric: 'read query, concurrency 1, p50', value: ms(c1.p50), baseline: ms(f1.p50), ratio: `${(c1.p50 / f1.p50).toFixed(2)}x floor`, note: 'baseline = DuckDB + 1 PutItem + 1 signature' },
      { metric: 'read query, concurrency 1, p50 ratio round by round', value: perRound(reads.c1, floor.c1), note: `each of the ${ROUNDS} rounds' read p50 ÷ the same round's floor p50` },
      { metric: 'HTTP round trip alone (GET /v1/health), concurrency 1, p50', value: ms(h1.p50), note: 'the same client and server with no query: how much of a read is transport the floor does not make' },
      {
        metric: 'read query, concurrency 1, p50 less that round trip',
        value: ms(c1.p50 - h1.p50),
        baseline: ms(f1.p50),
        ratio: `${((c1.p50 - h1.p50) / f1.p50).toFixed(2)}x floor`,
        note: 'context only: the target is read p50 ≤ 2.0x the floor, above',
      },
      { metric: 'read query, concurrency 1, p99', value: ms(c1.p99), baseline: ms(f1.p99) },
      { metric: 'read query, concurrency 1, req/s', value: c1.rps.toFixed(0), baseline: f1.rps.toFixed(0) },
      { metric: 'read query, concurrency 16, p50', value: ms(c16.p50), baseline: ms(f16.p50), ratio: `${(c16.p50 / f16.p50).toFixed(2)}x floor` },
      { metric: 'read query, concurrency 16, p50 ratio round by round', value: perRound(reads.c16, floor.c16) },
      { metric: 'read query, concurrency 16, p99', value: ms(c16.p99), baseline: ms(f16.p99) },
      { metric: 'read query, concurrency 16, req/s', value: c16.rps.toFixed(0), baseline: f16.rps.toFixed(0), note: `${ROUNDS} rounds alternating with the floor; HTTP from a client process; 50 sessions` },
      { metric: 'read query, concurrency 1, CPU per request', value: ms(c1.cpuMs), baseline: ms(f1.cpuMs), ratio: `${(c1.cpuMs / f1.cpuMs).toFixed(2)}x floor`, note: "the gateway process's CPU (all threads) ÷ requests" },
      { metric: 'read query, concurrency 16, CPU per request', value: ms(c16.cpuMs), baseline: ms(f16.cpuMs), ratio: `${(c16.cpuMs / f16.cpuMs).toFixed(2)}x floor` },
    );
    if (c16.mainMs !== null && f16.mainMs !== null && q16.mainMs !== null) {
      // A read's event loop time is the floor's query and signature (q), two writes (2 × (f − q)) and the
      // gateway's own work (g). Were both sides bound by their event loops, p50 ≤ 2x the floor would need
      // g ≤ q. The floor's is not (about 65 % busy: docs/benchmarks.md), so this is a yardstick, not the bound.
      const write = f16.mainMs - q16.mainMs;
      const gateway = c16.mainMs - q16.mainMs - 2 * write;
      rows.push(
        { metric: 'read query, concurrency 16, event loop CPU per request', value: ms(c16.mainMs), baseline: ms(f16.mainMs), ratio: `${(c16.mainMs / f16.mainMs).toFixed(2)}x floor`, note: 'main thread only (/proc)' },
        {
          metric: "the gateway's own event loop work per read (read − query − 2 writes)",
          value: ms(gateway),
          baseline: ms(q16.mainMs),
          ratio: `${(gateway / q16.mainMs).toFixed(2)}x`,
          note: `baseline = the floor's DuckDB + signature on the event loop; one write ${ms(write)}; were both loop-bound, 2x at c16 would need ≤ 1x`,
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { title: 'Gateway: end-to-end read over HTTP (local runtime) vs its floor', rows };
};
