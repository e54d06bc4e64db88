import type { Clock } from '../ports/clock.js';
import type { SourceMaskingHealthStore } from '../ports/source-masking-health-store.js';
import type { SourceMaskingHealth } from './source-masking-health.js';

/** How long a container keeps the summary it read before reading it again: health stays one read a minute at most. */
export const SOURCE_MASKING_HEALTH_CACHE_MS = 60_000;

/** In AWS, before the scheduled reconcile has kept a first check: a warning, since nothing says source masking is in place. */
export const SOURCE_MASKING_UNCHECKED_AWS: SourceMaskingHealth = {
  state: 'unchecked',
  warning: 'source masking not verified yet: the scheduled ReconcileWarehouse has not run its first check (the gateway masks results either way)',
};

/**
 * The kept source-masking summary as `GET /v1/health` reports it where the health function cannot run the check
 * itself (AWS `Public`): read from `store`, kept for `ttlMs` (≤ 60 s), concurrent calls sharing one read. No summary
 * kept yet → `unchecked`; a failed or damaged read → `check_failed` with the error's code (never its message).
 * Never throws: health must answer either way.
 *
 * @example
 * const sourceMasking = cachedSourceMaskingHealth(store, systemClock);
 * await sourceMasking(); // { state: 'not_in_place', columns: { total: 9, unmasked: 9, … }, warning: '…' }
 */
export function cachedSourceMaskingHealth(store: SourceMaskingHealthStore, clock: Clock, ttlMs: number = SOURCE_MASKING_HEALTH_CACHE_MS): () => Promise<SourceMaskingHealth> {
  let kept: { at: number; value: Promise<SourceMaskingHealth> } | null = null;
  const read = async (): Promise<SourceMaskingHealth> => {
    try {
      return (await store.getSourceMaskingHealth()) ?? SOURCE_MASKING_UNCHECKED_AWS;
    } catch (e) {
      const raw = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
      const code = /^[A-Za-z0-9_]{1,40}$/.test(raw) ? raw : 'ERR_INTERNAL';
      return { state: 'check_failed', error: code, warning: `source masking state could not be read (${code}); the gateway masks results either way` };
    }
  };
  return () => {
    const now = clock.now().getTime();
    if (kept === null || now - kept.at >= ttlMs || now < kept.at) kept = { at: now, value: read() };
    return kept.value;
  };
}
