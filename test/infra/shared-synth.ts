import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import type { SharedSynth } from './synth-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The file `synth-once.ts` has the default synth written to (see vitest.config.ts, project `system`). */
    airlockSynthFile: string;
  }
}

/** What synth-process.ts (or synth-once.ts, for a synth process that died) writes: the synth, or why it failed. */
export type SharedSynthFile = { synth: SharedSynth } | { error: string };

/**
 * How long a test file waits for the shared synth. It takes 20 to 25 s of CPU, about a minute on a
 * loaded 2-core machine; a synth process that ends without a result is reported at once (synth-once.ts),
 * so this only ends a hung one.
 */
const WAIT_MS = 10 * 60_000;

/**
 * The synth runs in the background while other tests run (synth-once.ts); a file that imports this one
 * waits here, while it is collected, until the synth's file is there. The wait is outside every test and
 * hook, so vitest's testTimeout and hookTimeout (30 s and 60 s) do not count it; WAIT_MS does. It never
 * throws: a failure, or a synth that did not finish in time, is thrown by `sharedSynth()`, so it fails
 * the tests that read the synth, as before.
 */
const waited: string | undefined = await (async () => {
  const file = inject('airlockSynthFile');
  const started = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - started > WAIT_MS) return `no synth in ${WAIT_MS / 1000} s (test/infra/synth-process.ts writes ${file})`;
    await sleep(100);
  }
  return undefined;
})();

/** The default stack (cdk.json context), synthesized once per run by the `system` project's global setup. */
export function sharedSynth(): SharedSynth & { template: Template } {
  if (waited !== undefined) throw new Error(`the shared synth (test/infra/synth-once.ts) did not finish: ${waited}`);
  const file = JSON.parse(readFileSync(inject('airlockSynthFile'), 'utf8')) as SharedSynthFile;
  if ('error' in file) throw new Error(`the shared synth (test/infra/synth-once.ts) failed:\n${file.error}`);
  return { ...file.synth, template: Template.fromJSON(file.synth.json) };
}
