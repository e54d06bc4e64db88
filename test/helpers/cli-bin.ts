import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bundle of `cli/bin.js` that `cli-bundle.ts` built for this run (see vitest.config.ts, project `system`). */
    airlockCliBin: string;
    /** The bundle of test/load/loadtest.ts (`npm run loadtest`), built alongside. */
    airlockLoadtestScript: string;
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

/** `npm run loadtest`'s script: the run's bundle of test/load/loadtest.ts, or the script itself (run it with tsx). */
export function loadtestScript(): { bundled: boolean; path: string } {
  const bundle = inject('airlockLoadtestScript');
  return bundle === undefined ? { bundled: false, path: fileURLToPath(new URL('../load/loadtest.ts', import.meta.url)) } : { bundled: true, path: bundle };
}
