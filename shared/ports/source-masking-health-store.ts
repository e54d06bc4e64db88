import type { SourceMaskingHealth } from '../governance/source-masking-health.js';

/**
 * Where the last source-masking check's summary is kept between functions (AWS: the scheduled reconcile writes it,
 * the `Public` function's health reads it). Counts and a state only, never a column name or value.
 */
export interface SourceMaskingHealthStore {
  /** Replaces the kept summary (one plain write: the latest check wins). */
  putSourceMaskingHealth(health: SourceMaskingHealth): Promise<void>;
  /** The kept summary, or null when no check has been kept yet. */
  getSourceMaskingHealth(): Promise<SourceMaskingHealth | null>;
}
