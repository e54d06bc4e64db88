import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { SharedSynthFile } from './shared-synth.js';
import { describeSynth, synthStack } from './synth-stack.js';

/**
 * Global setup of the `system` project: synthesizes the default stack once per run and hands the
 * infra tests the file it wrote (`sharedSynth()`), instead of one synth per test file. A failed
 * synth is written to the file too, so it fails the infra tests that read it (and counts in the
 * closing line) rather than the whole run.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-synth-'));
  const file = join(dir, 'synth.json');
  let content: SharedSynthFile;
  try {
    content = { synth: describeSynth(await synthStack()) };
  } catch (e) {
    content = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  writeFileSync(file, JSON.stringify(content));
  project.provide('airlockSynthFile', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
