import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXPECTED_RECORDS, MIX, plan } from './load-mix.js';
import { passed, percentile, type LoadSummary } from './load-report.js';
import { withRatio } from '../../bench/report-file.js';
import { loadtestScript } from '../helpers/cli-bin.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the load plan', () => {
  it('covers every kind in its share, spreads requests over the sessions, and is deterministic', () => {
    expect(MIX.reduce((n, [, share]) => n + share, 0)).toBe(100);
    const requests = plan(2000, 50, 'x');
    for (const [kind, share] of MIX) expect(requests.filter((r) => r.kind === kind)).toHaveLength(share * 20);
    expect(new Set(requests.map((r) => r.sessionId)).size).toBe(50);
    expect(plan(2000, 50, 'x')).toEqual(requests);
    expect(requests.filter((r) => EXPECTED_RECORDS[r.kind] > 0).every((r) => typeof r.sql === 'string')).toBe(true);
  });

  it('percentiles are nearest-rank', () => {
    const ms = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(ms, 50), percentile(ms, 99), percentile([], 50)]).toEqual([50, 99, 0]);
  });

  it('bench rows with a baseline and no ratio get value ÷ baseline; rows without a baseline are marked as context', () => {
    expect(withRatio({ metric: 'm', value: '1,200 req/s', baseline: '400 req/s' }).ratio).toBe('3.00x');
    expect(withRatio({ metric: 'm', value: '12 ms', baseline: '12 ms', ratio: 'kept' }).ratio).toBe('kept');
    expect(withRatio({ metric: 'm', value: '48 MB' })).toMatchObject({ ratio: '—', note: 'context (no baseline)' });
  });
});

describe('npm run loadtest (small run, real runtime, real export and verify)', () => {
  it('passes with zero 5xx, every record present and every chain verified', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-loadtest-'));
    try {
      const out = join(dir, 'summary.json');
      // test/load/loadtest.ts as the run bundled it (test/helpers/cli-bundle.ts), or through tsx as `npm run loadtest` does.
      const script = loadtestScript();
      const command = script.bundled ? process.execPath : join(ROOT, 'node_modules', '.bin', 'tsx');
      const run = spawnSync(command, [script.path, '--requests', '150', '--concurrency', '8', '--sessions', '10', '--json', out], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        timeout: 240_000,
      });
      expect(run.stdout).toContain('PASS: zero 5xx');
      expect(run.status).toBe(0);
      const summary = JSON.parse(readFileSync(out, 'utf8')) as LoadSummary;
      expect(passed(summary)).toBe(true);
      expect(summary.records.written).toBe(summary.records.expected);
      expect(summary.records.expected).toBeGreaterThan(150);
      expect(summary.approvals.clicked).toBeGreaterThan(0);
      expect(summary.chains.verified).toBe(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
