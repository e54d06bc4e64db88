import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundle of `cli/bin.js` that `cli-bundle.ts` built for this run (see vitest.config.ts, project `system`). */
    airlockCliBin: string;
  }
}

/** The shipped bin, `node cli/bin.js` (tsx compiles the CLI in the child). */
export const BIN = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));

/**
 * The script a test spawns as `airlock`: the run's bundle of `cli/bin.js` (the same source, compiled
 * once by the `system` project's global setup, test/helpers/cli-bundle.ts), or `cli/bin.js` itself when
 * no bundle was built (a project without that global setup).
 */
export function cliBin(): string {
  return inject('airlockCliBin') ?? BIN;
}
