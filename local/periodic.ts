/**
 * Runs `task` every `intervalMs`, one run at a time: a tick (or a `runOnce` call) while a run is in
 * progress joins that run. The timer alone never keeps a process alive (tests, a CLI that embeds the
 * runtime). `task` handles its own errors: what it rejects with reaches the caller of `runOnce`.
 *
 * @example
 * const job = startPeriodic(() => writeCheckpoints(deps), 60_000);
 * await job.stop(); // stops the timer and waits for a run in progress
 */
export function startPeriodic<T>(task: () => Promise<T>, intervalMs: number): { runOnce(): Promise<T>; stop(): Promise<void> } {
  let running: Promise<T> | null = null;
  const runOnce = (): Promise<T> => {
    running ??= task().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return {
    runOnce,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
