import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { SharedSynthFile } from './shared-synth.js';

const SCRIPT = fileURLToPath(new URL('./synth-process.ts', import.meta.url));

/**
 * Global setup of the `system` project: synthesizes the default stack once per run for the infra tests
 * (`sharedSynth()`), instead of one synth per test file. The synth (20 to 25 s of CPU, a minute on a
 * loaded machine) runs in a process of its own, synth-process.ts, started here and not awaited: vitest
 * runs every project's global setups before the first test of any project, so awaiting it held back
 * the `fast` tests too. The infra tests wait for the file it writes (shared-synth.ts). A failed synth is
 * written to the file too, and so is a synth process that ended without writing it, so it fails the
 * infra tests that read it (and counts in the closing line) rather than the whole run.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-synth-'));
  const file = join(dir, 'synth.json');
  let finished = false;
  let stderr = '';
  const fail = (why: string) => {
    if (finished || existsSync(file)) return;
    const content: SharedSynthFile = { error: `${why}${stderr === '' ? '' : `\n${stderr}`}` };
    writeFileSync(`${file}.part`, JSON.stringify(content));
    renameSync(`${file}.part`, file);
  };
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, file], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  child.on('error', (e) => fail(`the synth process (${SCRIPT}) did not start: ${e.message}`));
  child.on('exit', (code, signal) => {
    fail(`the synth process (${SCRIPT}) ended (${signal ?? `exit code ${code}`}) without writing the synth`);
    finished = true;
  });
  // Neither the process nor its channel keeps the run alive; the teardown ends it if it is still going.
  child.unref();
  child.channel?.unref();
  project.provide('airlockSynthFile', file);
  return () => {
    finished = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
}
