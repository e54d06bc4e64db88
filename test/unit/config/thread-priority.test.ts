import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { lowerWorkerThreads } from '#local/thread-priority.js';

const others = (): number[] => readdirSync('/proc/self/task').map(Number).filter((tid) => tid !== process.pid);

describe.runIf(process.platform === 'linux')('lowerWorkerThreads (Linux: a nice value per thread)', () => {
  it('raises every thread but the event loop to the nice value, and catches a thread started later on its next pass', async () => {
    const mainBefore = getPriority(process.pid);
    const priority = lowerWorkerThreads(6, 3_600_000);
    try {
      for (const tid of others()) expect(getPriority(tid), `thread ${tid}`).toBeGreaterThanOrEqual(6);
      expect(getPriority(process.pid)).toBe(mainBefore);
      // A new thread starts at the nice value of the thread that made it (the main one): the next pass lowers it.
      const before = new Set(others());
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      await new Promise((r) => worker.once('online', r));
      try {
        const fresh = others().filter((tid) => !before.has(tid));
        expect(fresh.length).toBeGreaterThan(0);
        expect(fresh.some((tid) => getPriority(tid) < 6)).toBe(true);
        expect(priority.applyNow()).toBeGreaterThan(0);
        for (const tid of others()) expect(getPriority(tid), `thread ${tid}`).toBeGreaterThanOrEqual(6);
        expect(getPriority(process.pid)).toBe(mainBefore);
      } finally {
        await worker.terminate();
      }
    } finally {
      priority.stop();
    }
  });

  it('0 leaves every thread as it is', () => {
    expect(lowerWorkerThreads(0, 1000).applyNow()).toBe(0);
  });
});
