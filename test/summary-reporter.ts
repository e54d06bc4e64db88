import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';

const TSC = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const TSCONFIG = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
// tsc's incremental state between runs (in node_modules, which git ignores): an unchanged file is not
// checked again, so the check takes a third of the CPU it otherwise would, which on 2 cores is CPU the
// tests get. tsc reads every file's content to decide what changed, so a type error is still found.
const TSBUILDINFO = fileURLToPath(new URL('../node_modules/.cache/airlock-typecheck.tsbuildinfo', import.meta.url));

interface Typecheck {
  ok: boolean;
  output: string;
  seconds: number;
}

/** `tsc --noEmit` in a child process, started now and awaited at the end of the run. */
function startTypecheck(): Promise<Typecheck> {
  const started = performance.now();
  const seconds = () => Math.round((performance.now() - started) / 100) / 10;
  const child = spawn(process.execPath, [TSC, '--noEmit', '-p', TSCONFIG, '--incremental', '--tsBuildInfoFile', TSBUILDINFO], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () => child.kill();
  process.once('exit', stop);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => {
    child.on('error', (e) => resolve({ ok: false, output: `${output}${e.message}\n`, seconds: seconds() }));
    child.on('close', (code) => {
      process.off('exit', stop);
      resolve({ ok: code === 0, output, seconds: seconds() });
    });
  });
}

/**
 * Prints the plain closing line `Tests: N passed, N failed[, N skipped][, N unhandled errors]` that CI reads, after vitest's own summary.
 *
 * With AIRLOCK_TYPECHECK=1 (set by `npm test`) it also runs `tsc --noEmit` alongside the tests rather
 * than before them (the two overlap on a 2-core machine: many test files wait on child processes and
 * sockets). A type error fails the run: tsc's output is printed and counted as one failed test, so the
 * closing line still tells the whole story.
 */
export default class SummaryReporter implements Reporter {
  #typecheck: Promise<Typecheck> | undefined;

  onInit(): void {
    if (process.env['AIRLOCK_TYPECHECK'] === '1') this.#typecheck = startTypecheck();
  }

  async onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown> = []): Promise<void> {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A file that failed with no failed test (an import error, a beforeAll hook that threw and left
      // its tests skipped) is one failure, so the closing line never reads "0 failed" for a red run.
      failed += failedHere || (mod.state() === 'failed' ? 1 : 0);
    }
    if (this.#typecheck) {
      const tsc = await this.#typecheck;
      this.#typecheck = undefined;
      if (tsc.ok) process.stdout.write(`\ntsc --noEmit (alongside the tests): no type errors, ${tsc.seconds} s\n`);
      else {
        process.stdout.write(`\ntsc --noEmit (alongside the tests) failed after ${tsc.seconds} s:\n${tsc.output}`);
        failed++;
        process.exitCode = 1;
      }
    }
    // vitest fails the run on an error no test caught (a stream erroring after its test ended, say): the
    // closing line says so, so it never reads as a clean run when the exit code is 1.
    const errors = unhandledErrors.length;
    process.stdout.write(`\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}${errors ? `, ${errors} unhandled error${errors === 1 ? '' : 's'} (the run fails)` : ''}\n`);
  }
}
