import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './test/heavy-first-sequencer.js';

/**
 * Two projects, one pool. `fast` (unit and contract tests: in-process, no servers or child
 * processes) is the inner loop, `npm run test:fast`; `system` (integration, e2e, faults, infra,
 * load, abuse) boots runtimes, spawns the CLI and synthesizes the stack. `npm test` runs both.
 *
 * Workers: one more than the cores. vitest's default outside watch mode is cores - 1, which on a
 * 2-core machine is a single worker, i.e. one file at a time. With one per core the cores were idle
 * an eighth of the run: many files wait on child processes, sockets and timers, and a third worker
 * runs a file meanwhile (on this 2-core machine: 177 s with two workers, 158 s with three, same
 * tests). VITEST_MAX_WORKERS overrides.
 */
const workers = Number(process.env['VITEST_MAX_WORKERS']) || availableParallelism() + 1;

const FAST = ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts'];

/**
 * Test files share their worker process (`isolate: false`): in a new process per file, each file paid
 * about a second importing the AWS SDK, DuckDB, the CDK and the parser again, more than most files take
 * to run. What a file may change in the process is put back after it (test/helpers/shared-process.ts).
 * These files get a process of their own (project `fast-own-process`): they load a Lambda entry point,
 * whose wiring is built from `process.env` on first use and kept for the life of the process.
 */
const OWN_PROCESS = ['test/unit/aws/lambda-handlers.test.ts', 'test/unit/aws/recover-interrupted-function.test.ts'];

export default defineConfig({
  test: {
    maxWorkers: workers,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    isolate: false,
    setupFiles: ['test/helpers/shared-process.ts'],
    // The run's own temp folder (TMPDIR), removed when it ends (test/helpers/temp-root.ts).
    globalSetup: ['test/helpers/temp-root.ts'],
    // The longest files start first, with or without timings from an earlier run (test/heavy-first-sequencer.ts).
    sequence: { sequencer: HeavyFirstSequencer },
    // The AWS SDK warns once per process that Node 20 support ends in 2027; it is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      { extends: true, test: { name: 'fast', include: FAST, exclude: [...configDefaults.exclude, ...OWN_PROCESS] } },
      { extends: true, test: { name: 'fast-own-process', include: OWN_PROCESS, isolate: true } },
      {
        extends: true,
        test: {
          name: 'system',
          // Everything that is not fast, so a test in a new folder runs here rather than nowhere.
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...FAST],
          // The default stack is synthesized once per run, in the background, for every infra test (test/infra/shared-synth.ts),
          // cli/bin.js is bundled once for the tests that spawn `airlock` (test/helpers/cli-bundle.ts), and the demo
          // database is seeded once for every test runtime to copy (test/helpers/demo-template.ts).
          globalSetup: ['test/infra/synth-once.ts', 'test/helpers/cli-bundle.ts', 'test/helpers/demo-template.ts'],
        },
      },
    ],
  },
});
