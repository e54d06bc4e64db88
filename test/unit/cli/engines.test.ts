import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const require = createRequire(new URL('package.json', root));

/** Dependencies that declare a newer Node than ours, each with why Node 20 still works (and the test that shows it). */
const KNOWN_NEWER: Record<string, string> = {
  'aws-local-stepfunctions': 'only 3.0.0 is published; it needs Promise.withResolvers, polyfilled (test/unit/approval/approval-promise-polyfill.test.ts)',
};

/** The lowest Node major a `>=X` / `^X` engines range admits (null when it sets no lower bound). */
function lowestMajor(range: string): number | null {
  const alternatives = range.split('||').map((alt) => /(?:>=|\^|~)?\s*v?(\d+)/.exec(alt.trim())?.[1]);
  const majors = alternatives.filter((m): m is string => m !== undefined).map(Number);
  return majors.length === 0 ? null : Math.min(...majors);
}

describe('engines agree with the dependencies and the README', () => {
  const ours = lowestMajor(pkg.engines.node);

  it('package.json declares Node 20, and the README says the same', () => {
    expect(ours).toBe(20);
    expect(readFileSync(new URL('README.md', root), 'utf8')).toMatch(/Node(?:\.js)? 20/);
  });

  it.each(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }))('%s admits our lowest Node', (name) => {
    let manifest: { engines?: { node?: string } };
    try {
      manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8'));
    } catch {
      // A package that does not export its package.json: read it from node_modules.
      manifest = JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, root), 'utf8'));
    }
    const range = manifest.engines?.node;
    const lowest = range === undefined ? null : lowestMajor(range);
    if (lowest !== null && lowest > (ours ?? 0)) expect(KNOWN_NEWER[name], `${name} wants Node ${range}`).toBeDefined();
    else expect(KNOWN_NEWER[name], `${name} no longer needs its exception`).toBeUndefined();
  });
});
