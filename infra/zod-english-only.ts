import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * zod 4.6 re-exports every locale (`export * as locales`, ~50 languages, ~300 KB minified)
 * from its entry, and esbuild cannot drop a namespace re-export, which alone would push every
 * Lambda bundle past the 1 MiB cold-start target. Airlock's messages are English only
 * (zod configures `en` itself), so in bundles the locales module exports `en` alone.
 * Local runs and tests use zod unmodified; test/infra/bundle-functions.test.ts checks a
 * bundled schema still reports English messages.
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: join(dirname(args.importer), '..', 'locales', 'index.js'), namespace: 'zod-english-only' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};
