import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Global setup of the whole run: one temp folder for everything the tests create in the temp folder
 * (`os.tmpdir()` reads TMPDIR), removed when the run ends. Test runtimes, key files, exports and CLI
 * children all land in it, so a test that does not clean up after itself (or a worker killed before
 * its hooks ran) no longer leaves folders behind for good: thousands piled up in /tmp before.
 */
export default function setup(): () => void {
  // Every project inherits this setup: the first one makes the folder, the others find it.
  if (process.env[ROOT_VARIABLE] !== undefined) return () => undefined;
  const root = mkdtempSync(join(tmpdir(), 'airlock-test-run-'));
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = root;
  process.env[ROOT_VARIABLE] = root;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    delete process.env[ROOT_VARIABLE];
    rmSync(root, { recursive: true, force: true });
  };
}

const ROOT_VARIABLE = 'AIRLOCK_TEST_RUN_TMP';
