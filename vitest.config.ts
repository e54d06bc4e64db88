import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects, one pool. `fast` (unit and contract tests: in-process, no servers or child
 * processes) is the inner loop, `npm run test:fast`; `system` (integration, e2e, faults, infra,
 * load, abuse) boots runtimes, spawns the CLI and synthesizes the stack. `npm test` runs both.
 *
 * Workers: one per core. vitest's default outside watch mode is cores - 1, which on a 2-core
 * machine is a single worker, i.e. one file at a time. VITEST_MAX_WORKERS overrides.
 */
const workers = Number(process.env['VITEST_MAX_WORKERS']) || availableParallelism();

const FAST = ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts'];

export default defineConfig({
  test: {
    maxWorkers: workers,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The AWS SDK warns once per process that Node 20 support ends in 2027; it is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      { extends: true, test: { name: 'fast', include: FAST } },
      {
        extends: true,
        test: {
          name: 'system',
          // Everything that is not fast, so a test in a new folder runs here rather than nowhere.
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...FAST],
          // The default stack is synthesized once here for every infra test (test/infra/shared-synth.ts).
          globalSetup: ['test/infra/synth-once.ts'],
        },
      },
    ],
  },
});
