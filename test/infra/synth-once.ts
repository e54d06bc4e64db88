import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { describeSynth, synthStack } from './synth-stack.js';

/**
 * Global setup of the `system` project: synthesizes the default stack once per run and hands the
 * infra tests the file it wrote (`sharedSynth()`), instead of one synth per test file.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-synth-'));
  const file = join(dir, 'synth.json');
  writeFileSync(file, JSON.stringify(describeSynth(await synthStack())));
  project.provide('airlockSynthFile', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
