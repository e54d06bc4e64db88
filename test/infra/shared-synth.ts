import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import type { SharedSynth } from './synth-stack.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The file `synth-once.ts` wrote the default synth to (see vitest.config.ts, project `system`). */
    airlockSynthFile: string;
  }
}

/** What synth-once.ts writes: the synth, or why it failed. */
export type SharedSynthFile = { synth: SharedSynth } | { error: string };

/** The default stack (cdk.json context), synthesized once per run by the `system` project's global setup. */
export function sharedSynth(): SharedSynth & { template: Template } {
  const file = JSON.parse(readFileSync(inject('airlockSynthFile'), 'utf8')) as SharedSynthFile;
  if ('error' in file) throw new Error(`the shared synth (test/infra/synth-once.ts) failed:\n${file.error}`);
  return { ...file.synth, template: Template.fromJSON(file.synth.json) };
}
