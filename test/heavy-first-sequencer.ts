import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (seconds each: child processes, a real runtime, loops over every byte),
 * in the order they should start. With two workers and files taken from one queue, a long file that
 * starts last keeps one worker busy while the other has nothing left: the run ends with it.
 * vitest's own order puts files it has timed before longest first, but a clean checkout (CI) has no
 * timings, and then it sorts by file size, which puts these small files (a 40-line test that spawns a
 * runtime twice) at the end. Projects still run in vitest's order (`fast` before `system`); within
 * each, these come first, the rest in vitest's order. A file missing from the list is only ordered
 * less well; a name here that no longer exists is ignored.
 */
const HEAVY = [
  // fast
  'test/unit/export/verify-tampering.test.ts',
  'test/unit/approval/approval-digest.test.ts',
  'test/unit/sql/adversarial.test.ts',
  'test/unit/sql/hostile-input.test.ts',
  // system
  'test/e2e/fair-use.test.ts',
  'test/e2e/fair-use-pace.test.ts',
  'test/load/loadtest.test.ts',
  'test/integration/approval/digest-across-processes.test.ts',
  'test/e2e/mcp-stdio.test.ts',
  'test/infra/bundle-functions.test.ts',
  'test/e2e/reconcile.test.ts',
  'test/e2e/restart.test.ts',
  'test/faults/crash-after-execute.test.ts',
  'test/infra/stack.test.ts',
  'test/e2e/printed-commands.test.ts',
  'test/e2e/sigterm-running.test.ts',
  'test/e2e/masking-attacks.test.ts',
  'test/integration/records/dynalite-close-in-flight.test.ts',
  'test/e2e/warehouse-boundary.test.ts',
  'test/faults/runtime-faults.test.ts',
];

export default class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = HEAVY.indexOf(relative(f.project.config.root, f.moduleId).split('\\').join('/'));
      return i === -1 ? HEAVY.length : i;
    };
    // Stable: within one project, listed files first in list order, then the rest as vitest sorted them.
    const position = new Map(sorted.map((f, i) => [f, i]));
    const projectStart = new Map<string, number>();
    sorted.forEach((f, i) => projectStart.set(f.project.name, Math.min(projectStart.get(f.project.name) ?? i, i)));
    return [...sorted].sort((a, b) => projectStart.get(a.project.name)! - projectStart.get(b.project.name)! || rank(a) - rank(b) || position.get(a)! - position.get(b)!);
  }
}
