import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withResolvers } from '#shared/workflow/promise-with-resolvers.js';

describe('Promise.withResolvers polyfill', () => {
  it('exists because aws-local-stepfunctions 3.0.0 calls Promise.withResolvers in every Task state, and Node 20 lacks it', () => {
    const entry = createRequire(import.meta.url).resolve('aws-local-stepfunctions'); // build/main.node.cjs
    const build = readFileSync(join(dirname(entry), 'main.node.esm.js'), 'utf8');
    expect(build).toContain('Promise.withResolvers()');
    const major = Number(process.versions.node.split('.')[0]);
    const installed = Object.getOwnPropertyDescriptor(Promise, 'withResolvers')?.value;
    // Node 22+ has it natively (kept); on Node 20 ours is installed.
    if (major < 22) expect(installed).toBe(withResolvers);
    expect(typeof installed).toBe('function');
  });

  it('behaves like the ES2024 one: resolve and reject settle the promise', async () => {
    const a = (Promise as unknown as { withResolvers: typeof withResolvers }).withResolvers<number>();
    a.resolve(42);
    await expect(a.promise).resolves.toBe(42);
    const b = withResolvers<number>();
    b.reject(new Error('boom'));
    await expect(b.promise).rejects.toThrow('boom');
  });
});
