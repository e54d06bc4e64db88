import { renameSync, writeFileSync } from 'node:fs';
import type { SharedSynthFile } from './shared-synth.js';
import { describeSynth, synthStack } from './synth-stack.js';

/**
 * The shared synth's own process, started by synth-once.ts (`node --import tsx synth-process.ts <file>`):
 * synthesizes the default stack and writes the synth, or why it failed, to `<file>`. The file appears
 * whole (written beside it, then renamed), so a test that sees it can read it (shared-synth.ts).
 */
const file = process.argv[2];
if (file === undefined) throw new Error('usage: synth-process.ts <file>');
// The run that started this process is gone (its IPC channel closed): nobody will read the synth.
process.on('disconnect', () => process.exit(1));

let content: SharedSynthFile;
try {
  content = { synth: describeSynth(await synthStack()) };
} catch (e) {
  content = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
writeFileSync(`${file}.part`, JSON.stringify(content));
renameSync(`${file}.part`, file);
process.exit(0);
