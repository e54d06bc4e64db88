import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import type { TestProject } from 'vitest/node';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'cli/bin.js');

/**
 * Global setup of the `system` project: bundles the shipped bin, `cli/bin.js` and everything it imports
 * from this repository, once per run, so the tests that need a real `airlock` process (exit codes,
 * signals, stdio framing, kill -9) spawn it without tsx compiling the CLI again in every child (about a
 * second of CPU per spawn). The child runs the same source: the entry point is `cli/bin.js` itself,
 * esbuild compiles the TypeScript as tsx does, packages stay external (loaded from node_modules as
 * before), and each file's `import.meta.url` is its own path in the repository, so `new URL('../x',
 * import.meta.url)` finds the same files. The only difference: `tsx/esm/api`'s `register()` is a no-op,
 * there being no TypeScript left to load. Tests read the path with `cliBin()` (serve-process.ts,
 * mcp-client.ts); some tests still spawn `cli/bin.js` itself (mcp-stdio.test.ts, classify.test.ts),
 * so the shipped bin stays covered. `npm run loadtest`'s script, test/load/loadtest.ts, is bundled the
 * same way for loadtest.test.ts (`loadtestScript()`).
 *
 * The bundle goes in node_modules/.cache (ignored by git), so the packages it imports resolve from the
 * repository's node_modules; each run gets a folder of its own and removes it at the end.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const cache = join(REPO, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'airlock-cli-bundle-'));
  await build({
    entryPoints: { bin: BIN, loadtest: join(REPO, 'test/load/loadtest.ts') },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Dynamic imports stay chunks of their own, loaded when reached, as they are under tsx.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    plugins: [sameSource],
  });
  project.provide('airlockCliBin', join(dir, 'bin.mjs'));
  project.provide('airlockLoadtestScript', join(dir, 'loadtest.mjs'));
  return () => rmSync(dir, { recursive: true, force: true });
}

const sameSource: Plugin = {
  name: 'airlock-same-source',
  setup(b) {
    // A package is imported from node_modules at run time, as under tsx (its JSON data files, imported
    // with `with { type: 'json' }`, are inlined: esbuild drops the import attribute of an external import).
    b.onResolve({ filter: /^[^./#]/ }, (a) => (a.path === 'tsx/esm/api' || a.path.endsWith('.json') ? undefined : { external: true }));
    b.onResolve({ filter: /^tsx\/esm\/api$/ }, () => ({ path: 'tsx/esm/api', namespace: 'no-loader' }));
    b.onLoad({ filter: /.*/, namespace: 'no-loader' }, () => ({ contents: 'export function register() {}', loader: 'js' }));
    // Each source file keeps its own import.meta.url (its path in the repository, not the bundle's).
    b.onLoad({ filter: /\.ts$/ }, async (a) => {
      if (a.path.includes('/node_modules/')) return undefined;
      const source = await readFile(a.path, 'utf8');
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)), loader: 'ts' };
    });
  },
};
