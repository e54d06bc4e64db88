import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import type { Policy } from '#shared/policy/policy.js';
import { BUNDLED_POLICY_FILE } from '#shared/wiring/bundled-policy.js';
import { FUNCTIONS, type FunctionName, type FunctionSpec } from './function-catalog.js';
import { zodEnglishOnly } from './zod-english-only.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

// ESM output has no `require`, `__filename` or `__dirname`, which snowflake-sdk and some CommonJS
// dependencies use (docs/dependency-notes.md); defining them up front lets esbuild's ESM bundle load them.
const ESM_REQUIRE_BANNER = [
  "import { createRequire as __airlockCreateRequire } from 'node:module';",
  "import { fileURLToPath as __airlockFileUrlToPath } from 'node:url';",
  "import { dirname as __airlockDirname } from 'node:path';",
  'const require = __airlockCreateRequire(import.meta.url);',
  'const __filename = __airlockFileUrlToPath(import.meta.url);',
  'const __dirname = __airlockDirname(__filename);',
].join('\n');

export interface FunctionBundle {
  spec: FunctionSpec;
  /** Folder holding `index.mjs`, its source map and the policy: the Lambda asset. */
  dir: string;
  /** Bytes of `index.mjs`. */
  bytes: number;
}

export interface BundleOptions {
  /** Where bundles go: `<outDir>/<FunctionName>/index.mjs`. */
  outDir?: string;
  /**
   * The policy, read and validated from YAML with `loadPolicy` at synth time; every bundle gets
   * it as JSON (defaults filled), so the functions need no YAML parser.
   */
  policy: Policy;
  /** Bundle only these (the bench measures one at a time); default all. */
  only?: readonly FunctionName[];
  /** The function table; defaults to `FUNCTIONS` (tests pass their own entries). */
  functions?: readonly FunctionSpec[];
  /** Repo root the entries are relative to (tests point elsewhere). */
  root?: string;
}

/**
 * Bundles every Lambda entry point in ONE esbuild run (minified, ESM, Node 22, source maps),
 * which is much faster than one esbuild process per function, as `NodejsFunction` would do.
 * AWS SDK clients are bundled (pinned versions, no dependency on the runtime's copy).
 * Fails the build when a function that does not execute queries pulls in snowflake-sdk.
 *
 * @example
 * const bundles = await bundleFunctions({ policy: loadPolicy('policy/default.yaml') });
 * lambda.Code.fromAsset(bundles.get('GetQuery')!.dir);
 */
export async function bundleFunctions(options: BundleOptions): Promise<Map<FunctionName, FunctionBundle>> {
  const outDir = resolve(options.outDir ?? join(REPO_ROOT, 'cdk.out', '.bundles'));
  const root = options.root ?? REPO_ROOT;
  const specs = (options.functions ?? FUNCTIONS).filter((f) => options.only === undefined || options.only.includes(f.name as FunctionName));
  const missing = specs.filter((f) => !existsSync(join(root, f.entry)));
  if (missing.length > 0) throw new Error(`Lambda entry points missing: ${missing.map((f) => f.entry).join(', ')}`);
  for (const f of specs) rmSync(join(outDir, f.name), { recursive: true, force: true });

  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: specs.map((f) => ({ in: join(root, f.entry), out: `${f.name}/index` })),
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    // ESM builds first: the AWS SDK's dist-es tree-shakes far better than its CommonJS dist
    // (~25% smaller bundles, which is most of the cold start).
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
    banner: { js: ESM_REQUIRE_BANNER },
    plugins: [zodEnglishOnly],
  });

  const bundles = new Map<FunctionName, FunctionBundle>();
  for (const spec of specs) {
    const dir = join(outDir, spec.name);
    const file = join(dir, 'index.mjs');
    if (!spec.executesQueries && bundlesSnowflake(result.metafile, `${spec.name}/index.mjs`)) {
      throw new Error(`${spec.entry} pulls in snowflake-sdk but does not execute queries: keep the warehouse out of its imports`);
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, BUNDLED_POLICY_FILE), JSON.stringify(options.policy));
    bundles.set(spec.name as FunctionName, { spec, dir, bytes: statSync(file).size });
  }
  return bundles;
}

function bundlesSnowflake(meta: Metafile, outFile: string): boolean {
  const output = Object.entries(meta.outputs).find(([path]) => path.endsWith(outFile));
  if (output === undefined) throw new Error(`esbuild produced no ${outFile}`);
  return Object.keys(output[1].inputs).some((input) => input.includes('node_modules/snowflake-sdk/'));
}
