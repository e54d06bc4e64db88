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

/** The default stack (cdk.json context), synthesized once per run by the `system` project's global setup. */
export function sharedSynth(): SharedSynth & { template: Template } {
  const shared = JSON.parse(readFileSync(inject('airlockSynthFile'), 'utf8')) as SharedSynth;
  return { ...shared, template: Template.fromJSON(shared.json) };
}
