import type { Clock } from '#shared/ports/clock.js';
import { writeCheckpoints, type WriteCheckpointsDeps } from '#shared/use-cases/write-checkpoints.js';
import { startPeriodic } from './periodic.js';

export interface CheckpointTimer {
  /** One pass now (also what each tick runs); passes never overlap. */
  runOnce(): Promise<void>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `writeCheckpoints` every `intervalMs` (60 s in the runtime): the first pass covers every
 * session, later ones the sessions changed since the previous pass began.
 *
 * @example
 * const timer = startCheckpointTimer(deps, { intervalMs: 60_000, onError: (e) => log.error(e) });
 * await timer.stop();
 */
export function startCheckpointTimer(
  deps: WriteCheckpointsDeps & { clock: Clock },
  opts: { intervalMs: number; onError(e: unknown): void; onWritten?(n: number): void },
): CheckpointTimer {
  let since: string | undefined;
  return startPeriodic(async () => {
    const started = deps.clock.now().toISOString();
    try {
      const { written } = await writeCheckpoints(deps, since === undefined ? {} : { since });
      since = started;
      if (written.length > 0) opts.onWritten?.(written.length);
    } catch (e) {
      opts.onError(e);
    }
  }, opts.intervalMs);
}
