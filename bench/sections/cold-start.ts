/**
 * Lambda cold start, as far as it can be measured here: each function's bundle size (the exact
 * esbuild output the stack deploys) and its module-load time in a fresh Node process (median of
 * several), beside an empty handler bundled the same way. Targets (issue 6): functions that do
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

const RUNS = 5;
const MiB = 1024 * 1024;
const TARGET_BYTES = MiB;
const TARGET_MS = 150;

/** Median ms to `import()` the module in a new Node process (process start itself excluded). */
function loadMs(file: string, env: Record<string, string>): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
    times.push(Number(out));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? NaN;
}

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
    const emptyMs = loadMs(join(emptyDir, 'index.mjs'), env);
    const baseline = `${size(emptyBytes)} · ${emptyMs.toFixed(1)} ms`;

    const rows: BenchRow[] = [];
    for (const [name, b] of bundles) {
      const ms = loadMs(join(b.dir, 'index.mjs'), { ...env, AIRLOCK_POLICY: join(b.dir, 'policy.json') });
      const within = b.bytes < TARGET_BYTES && ms < TARGET_MS;
      rows.push({
        metric: `${name}${b.spec.executesQueries ? ' (snowflake-sdk)' : ''}: bundle · load`,
        value: `${size(b.bytes)} · ${ms.toFixed(1)} ms`,
        baseline: `empty ${baseline}`,
        ratio: `+${(ms - emptyMs).toFixed(1)} ms`,
        note: b.spec.executesQueries ? 'runs SQL: no size target' : within ? `within target (<1 MiB, <${TARGET_MS} ms)` : `OVER target (<1 MiB, <${TARGET_MS} ms)`,
      });
    }
    rows.push({ metric: 'load time', value: `median of ${RUNS} fresh \`node\` processes, import() only`, note: 'on a shared machine; Lambda adds its own init' });
    return { title: 'Lambda cold start (bundle size, module load)', rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
