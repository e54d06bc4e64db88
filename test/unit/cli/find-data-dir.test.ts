import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliInvocation, findDataDir, writeRuntimeInfo } from '#local/runtime-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'airlock-find-'));
  dirs.push(root);
  mkdirSync(join(root, 'repo', 'a', 'b'), { recursive: true });
  return root;
}

describe('findDataDir: which data folder a CLI command uses', () => {
  it('AIRLOCK_DATA_DIR wins, relative to cwd', () => {
    const root = tree();
    expect(findDataDir(join(root, 'repo'), { AIRLOCK_DATA_DIR: 'state' })).toBe(join(root, 'repo', 'state'));
  });

  it('else the nearest .airlock with a running runtime, from cwd upward', () => {
    const root = tree();
    mkdirSync(join(root, 'repo', '.airlock'));
    writeRuntimeInfo(join(root, 'repo', '.airlock'), { pid: process.pid, url: 'http://127.0.0.1:1', dynamodbEndpoint: 'http://127.0.0.1:2', startedAt: new Date().toISOString() });
    expect(findDataDir(join(root, 'repo', 'a', 'b'), {})).toBe(join(root, 'repo', '.airlock'));
  });

  it('a stale runtime.json (dead pid) is not followed: ./.airlock', () => {
    const root = tree();
    mkdirSync(join(root, 'repo', '.airlock'));
    writeRuntimeInfo(join(root, 'repo', '.airlock'), { pid: 2 ** 22 + 7, url: 'http://127.0.0.1:1', dynamodbEndpoint: 'http://127.0.0.1:2', startedAt: new Date().toISOString() });
    expect(findDataDir(join(root, 'repo', 'a'), {})).toBe(join(root, 'repo', 'a', '.airlock'));
  });
});

describe('cliInvocation: the command prefix the runtime prints', () => {
  it('is bare for the default data folder, and carries a shell-quoted absolute AIRLOCK_DATA_DIR otherwise', () => {
    expect(cliInvocation('/srv/repo/.airlock', '/srv/repo')).toBe('npm run -s airlock --');
    expect(cliInvocation('/tmp/data', '/srv/repo')).toBe('AIRLOCK_DATA_DIR=/tmp/data npm run -s airlock --');
    expect(cliInvocation("/tmp/it's here", '/srv/repo')).toBe(`AIRLOCK_DATA_DIR='/tmp/it'\\''s here' npm run -s airlock --`);
    expect(cliInvocation('/tmp/$(rm -rf ~)', '/srv/repo')).toBe(`AIRLOCK_DATA_DIR='/tmp/$(rm -rf ~)' npm run -s airlock --`);
  });
});
