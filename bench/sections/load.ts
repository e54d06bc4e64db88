/**
 * The load test (test/load/loadtest.ts) as a bench section: a mixed load at concurrency 32 beside
 * the same mix sent one request at a time (the baseline, measured in the same run), each in its
 * own fresh local runtime, plus the correctness figures the load test checks (5xx, records, chains).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadSummary } from '../../test/load/load-report.js';
import type { BenchSectionRunner } from '../types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const LOADED = { requests: 1000, concurrency: 32 };
const SEQUENTIAL = { requests: 200, concurrency: 1 };

function runLoad(o: { requests: number; concurrency: number }): Promise<LoadSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-load-'));
  const out = join(dir, 'summary.json');
  const args = ['test/load/loadtest.ts', '--requests', String(o.requests), '--concurrency', String(o.concurrency), '--sessions', '50', '--deadline', '300', '--json', out];
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        resolve(JSON.parse(readFileSync(out, 'utf8')) as LoadSummary);
      } catch {
        reject(new Error(`loadtest wrote no summary:\n${err.slice(-2000)}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;

export const run: BenchSectionRunner = async () => {
  const seq = await runLoad(SEQUENTIAL);
  const load = await runLoad(LOADED);
  const rps = (s: LoadSummary): number => s.requests / s.wallSeconds;
  const mix = 'reads, approved/denied writes (signed Slack clicks), blocked, invalid SQL, bad tokens, session reads';
  return {
    title: 'load test (mixed, 50 sessions)',
    rows: [
      { metric: `throughput, concurrency ${LOADED.concurrency}`, value: `${rps(load).toFixed(0)} req/s`, baseline: `${rps(seq).toFixed(0)} req/s (concurrency 1)`, ratio: `${(rps(load) / rps(seq)).toFixed(2)}x`, note: `${load.requests} vs ${seq.requests} requests: ${mix}` },
      { metric: `latency p50, concurrency ${LOADED.concurrency}`, value: ms(load.latencyMs.p50), baseline: ms(seq.latencyMs.p50), ratio: `${(load.latencyMs.p50 / seq.latencyMs.p50).toFixed(2)}x`, note: 'queueing on a shared 2-core machine dominates' },
      { metric: `latency p99, concurrency ${LOADED.concurrency}`, value: ms(load.latencyMs.p99), baseline: ms(seq.latencyMs.p99), ratio: `${(load.latencyMs.p99 / seq.latencyMs.p99).toFixed(2)}x` },
      { metric: 'read p50 under load', value: ms(load.latencyMs.byKind['read']?.p50 ?? 0), baseline: ms(seq.latencyMs.byKind['read']?.p50 ?? 0), ratio: `${((load.latencyMs.byKind['read']?.p50 ?? 0) / (seq.latencyMs.byKind['read']?.p50 ?? 1)).toFixed(2)}x` },
      { metric: '5xx responses under load', value: String(load.fiveXx), baseline: `${seq.fiveXx} (concurrency 1)`, ratio: load.fiveXx === 0 ? 'target 0: met' : 'target 0: NOT met' },
      { metric: 'records written vs expected', value: String(load.records.written), baseline: String(load.records.expected), ratio: `${(load.records.written / Math.max(load.records.expected, 1)).toFixed(3)}x`, note: 'after airlock export' },
      { metric: 'peak RSS under load (runtime + client)', value: `${load.memoryMiB.peak} MiB`, baseline: `${seq.memoryMiB.peak} MiB (concurrency 1)`, ratio: `${(load.memoryMiB.peak / seq.memoryMiB.peak).toFixed(2)}x` },
      { metric: 'chains verified', value: String(load.chains.verified), baseline: String(load.chains.expected), ratio: `${(load.chains.verified / Math.max(load.chains.expected, 1)).toFixed(3)}x`, note: `airlock verify exit ${load.chains.verifyExit}; unexpected answers ${load.unexpected.length}` },
    ],
  };
};
