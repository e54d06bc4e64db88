import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * The event loop serves every identity; the other threads of the process run what one request asked
 * for: warehouse statements (DuckDB's threads and libuv's pool), LevelDB reads and writes, V8's
 * helpers. On a small machine one identity's long statements would otherwise take the CPU the event
 * loop needs to answer everybody else (issue 15: the other identity's reads 2–3× slower under a
 * flood). Raising the nice value of every thread but the main one lets a statement slow down other
 * statements, never the gateway itself.
 *
 * Linux keeps a nice value per thread (setpriority(2), "NOTES"), and `/proc/self/task` lists the
 * threads; elsewhere this does nothing. Raising a nice value needs no privilege. Threads started
 * later (a pool that grows) are caught by the next pass.
 *
 * @example
 * const priority = lowerWorkerThreads(10, 30_000); // …
 * priority.stop();
 */
export function lowerWorkerThreads(nice: number, intervalMs: number): { applyNow(): number; stop(): void } {
  const applyNow = (): number => {
    if (nice <= 0 || process.platform !== 'linux') return 0;
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return 0;
    }
    let lowered = 0;
    for (const name of tids) {
      const tid = Number(name);
      if (!Number.isSafeInteger(tid) || tid === process.pid) continue;
      try {
        if (getPriority(tid) < nice) {
          setPriority(tid, nice);
          lowered += 1;
        }
      } catch {
        // The thread ended between the listing and now.
      }
    }
    return lowered;
  };
  applyNow();
  const timer = nice > 0 && process.platform === 'linux' ? setInterval(applyNow, intervalMs) : undefined;
  timer?.unref();
  return { applyNow, stop: () => clearInterval(timer) };
}
