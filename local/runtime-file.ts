import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** `<data dir>/runtime.json` (docs/interfaces.md): how CLI commands reach a running local runtime's store. */
export interface RuntimeInfo {
  pid: number;
  url: string;
  dynamodbEndpoint: string;
  startedAt: string;
}

export function runtimeFilePath(dataDir: string): string {
  return join(dataDir, 'runtime.json');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running runtime's info, or null when none runs (no file, unreadable, or a stale file whose pid is dead). */
export function readRuntimeInfo(dataDir: string): RuntimeInfo | null {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')) as RuntimeInfo;
  } catch {
    return null;
  }
  if (typeof info.pid !== 'number' || typeof info.dynamodbEndpoint !== 'string') return null;
  return alive(info.pid) ? info : null;
}

export function writeRuntimeInfo(dataDir: string, info: RuntimeInfo): void {
  writeFileSync(runtimeFilePath(dataDir), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export function removeRuntimeInfo(dataDir: string, pid: number): void {
  try {
    const info = JSON.parse(readFileSync(runtimeFilePath(dataDir), 'utf8')) as RuntimeInfo;
    if (info.pid === pid) rmSync(runtimeFilePath(dataDir), { force: true });
  } catch {
    // already gone
  }
}

/** The data folder's name when AIRLOCK_DATA_DIR is not set. */
export const DEFAULT_DATA_DIR = '.airlock';

/**
 * The data folder a CLI command should use: AIRLOCK_DATA_DIR when set (relative to cwd); else the
 * nearest `.airlock` with a running runtime's runtime.json, from cwd upward (so a command pasted in a
 * subfolder reaches the runtime started at the repo root); else `./.airlock`.
 */
export function findDataDir(cwd: string, env: NodeJS.ProcessEnv): string {
  const set = env['AIRLOCK_DATA_DIR'];
  if (set !== undefined && set !== '') return resolve(cwd, set);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_DATA_DIR);
    if (readRuntimeInfo(candidate) !== null) return candidate;
    if (dirname(dir) === dir) break;
  }
  return resolve(cwd, DEFAULT_DATA_DIR);
}

/**
 * How to run the CLI against this runtime, as printed in the banner and the approval notices:
 * `npm run -s airlock --`, with `AIRLOCK_DATA_DIR=…` in front when the data folder is not the
 * default one of the folder the runtime was started from, so a pasted command reaches it.
 */
export function cliInvocation(dataDir: string, cwd: string): string {
  const base = 'npm run -s airlock --';
  return resolve(dataDir) === resolve(cwd, DEFAULT_DATA_DIR) ? base : `AIRLOCK_DATA_DIR=${shellQuote(resolve(dataDir))} ${base}`;
}

/** A word the shell passes through unchanged: bare when it is plainly safe, else single-quoted. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
