import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
