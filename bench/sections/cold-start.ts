/**
 * Lambda cold start, as far as it can be measured here: each function's bundle size (the exact
 * esbuild output the stack deploys) and its module-load time in a fresh Node process (median of
 * several), beside an empty handler bundled the same way. Targets: functions that do
 * not touch Snowflake under 1 MiB and under 150 ms to load.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { bundleFunctions } from '../../infra/bundle-functions.js';
import { loadPolicy } from '../../shared/policy/load-policy.js';
import type { BenchRow, BenchSectionRunner } from '../types.js';

const RUNS = 7;
const MiB = 1024 * 1024;
const TARGET_BYTES = MiB;
const TARGET_MS = 150;

interface LoadTime {
  /** Wall-clock ms of the `import()`. */
  wall: number;
  /** CPU ms (user + system) of the `import()`: loading is synchronous work, and on a busy shared machine this is the steadier figure. */
  cpu: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Median time to `import()` the module in a new Node process (process start itself excluded). */
function loadTime(file: string, env: Record<string, string>): LoadTime {
  const script = [
    'const c = process.cpuUsage(); const t = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const wall = performance.now() - t; const u = process.cpuUsage(c);',
    'process.stdout.write(JSON.stringify({ wall, cpu: (u.user + u.system) / 1000 }));',
  ].join(' ');
  const runs: LoadTime[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
    runs.push(JSON.parse(out) as LoadTime);
  }
  return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)) };
}

const ms = (t: LoadTime): string => `${t.wall.toFixed(0)} ms wall / ${t.cpu.toFixed(0)} ms CPU`;

const size = (bytes: number): string =>
  bytes >= MiB ? `${(bytes / MiB).toFixed(2)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(0)} KiB` : `${bytes} B`;

export const run: BenchSectionRunner = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cold-start-'));
  try {
    const policy = loadPolicy();
    const bundles = await bundleFunctions({ policy, outDir: join(dir, 'functions') });
    // Baseline: an empty handler through the same esbuild settings (ESM, minified, Node 22).
    const emptyDir = join(dir, 'empty');
    mkdirSync(emptyDir);
    writeFileSync(join(emptyDir, 'entry.mjs'), 'export const handler = async () => ({ statusCode: 200 });\n');
    await build({ entryPoints: [join(emptyDir, 'entry.mjs')], outfile: join(emptyDir, 'index.mjs'), bundle: true, platform: 'node', target: 'node22', format: 'esm', minify: true, logLevel: 'error' });
    const emptyBytes = statSync(join(emptyDir, 'index.mjs')).size;
    const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_REGION: 'us-east-1' };
    const empty = loadTime(join(emptyDir, 'index.mjs'), env);
    const baseline = `${size(emptyBytes)} · ${ms(empty)}`;

    const rows: BenchRow[] = [];
    for (const [name, b] of bundles) {
      const t = loadTime(join(b.dir, 'index.mjs'), { ...env, AIRLOCK_POLICY: join(b.dir, 'policy.json') });
      const within = b.bytes < TARGET_BYTES && t.cpu < TARGET_MS;
      rows.push({
        metric: `${name}${b.spec.executesQueries ? ' (snowflake-sdk)' : ''}`,
        value: `${size(b.bytes)} · ${ms(t)}`,
        baseline: `empty ${baseline}`,
        ratio: `+${(t.wall - empty.wall).toFixed(0)} ms wall`,
        note: b.spec.executesQueries ? 'runs SQL: no size target' : within ? `within target (<1 MiB, <${TARGET_MS} ms)` : `OVER target (<1 MiB, <${TARGET_MS} ms)`,
      });
    }
    rows.push({ metric: 'how', value: `bundle bytes · median of ${RUNS} fresh node processes, import() only`, note: 'target judged on CPU ms (wall time swings with machine load)' });
    return { title: 'Lambda cold start (bundle size, module load)', rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
