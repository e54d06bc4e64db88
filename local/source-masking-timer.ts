import { startPeriodic } from './periodic.js';
import { checkSourceMaskingHealth, SOURCE_MASKING_UNCHECKED, type CheckSourceMaskingHealthDeps, type SourceMaskingHealth } from '#shared/governance/source-masking-health.js';

/** How often the runtime re-checks masking at the source (besides once at start): a handful of LIMIT 1 reads. */
export const SOURCE_MASKING_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

export interface SourceMaskingTimer {
  /** The last check's result (`unchecked` until the first finishes): what `GET /v1/health` reports, read from memory. */
  current(): SourceMaskingHealth;
  /** One check now (also what each tick runs); checks never overlap. */
  runOnce(): Promise<SourceMaskingHealth>;
  /** Stops the timer and waits for a check in progress. */
  stop(): Promise<void>;
}

/**
 * Runs the source-masking check once now, in the background, and then every `intervalMs` (6 h in the runtime), keeping
 * the last result for health: a health call never queries the warehouse.
 *
 * @example
 * const timer = startSourceMaskingTimer({ warehouse, rules: policy.masking.columns, clock }, { intervalMs: SOURCE_MASKING_CHECK_INTERVAL_MS });
 * timer.current(); // { state: 'unchecked', … } until the first check ends
 */
export function startSourceMaskingTimer(deps: CheckSourceMaskingHealthDeps, opts: { intervalMs: number; onResult?(h: SourceMaskingHealth): void }): SourceMaskingTimer {
  let last: SourceMaskingHealth = SOURCE_MASKING_UNCHECKED;
  const job = startPeriodic(async () => {
    last = await checkSourceMaskingHealth(deps);
    opts.onResult?.(last);
    return last;
  }, opts.intervalMs);
  void job.runOnce();
  return { current: () => last, ...job };
}
