import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { seedDemo } from '#local/seed/seed-demo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The demo database this run seeded once (`startTestRuntime` copies it into each fresh data folder). */
    airlockDemoTemplate: string;
  }
}

/**
 * Global setup of the `system` project: seeds the demo database once per run, for every test runtime
 * to start from a copy (test/helpers/local-runtime.ts), and removes it when the run ends. (Seeded per
 * worker process instead, the copies were never removed: a worker ends without running its exit hooks.)
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const folder = mkdtempSync(join(tmpdir(), 'airlock-demo-template-'));
  const path = join(folder, 'demo.duckdb');
  await seedDemo(path);
  // One file: a clean close leaves no write-ahead log beside it.
  if (readdirSync(folder).length !== 1) throw new Error(`seeding left more than the database in ${folder}: ${readdirSync(folder).join(', ')}`);
  project.provide('airlockDemoTemplate', path);
  return () => rmSync(folder, { recursive: true, force: true });
}
