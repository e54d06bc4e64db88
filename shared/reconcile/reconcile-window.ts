import { AirlockError } from '../errors.js';
import type { ReconcileWindow } from './reconcile-queries.js';

/**
 * The EventBridge rule sends `{ time, windowSeconds }` (infra/airlock-stack.ts): the window is
 * the `windowSeconds` before `time`. An operator may invoke it with `{ from, to }` (ISO instants,
 * at most 7 days apart: the reach of INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER).
 */
export interface ReconcileEvent {
  time?: unknown;
  windowSeconds?: unknown;
  from?: unknown;
  to?: unknown;
}

/** The window when the event names none: the last hour. */
export const DEFAULT_WINDOW_SECONDS = 3600;
const MAX_WINDOW_MS = 7 * 86_400_000;

/**
 * The window of one scheduled run. Errors: ERR_VALIDATION for an explicit window that is not two
 * ISO instants in order at most 7 days apart.
 *
 * @example
 * reconcileWindow({ time: '2026-12-07T12:15:00Z', windowSeconds: 3600 }, new Date()); // 11:15 .. 12:15
 */
export function reconcileWindow(event: ReconcileEvent, now: Date): ReconcileWindow {
  if (event.from !== undefined || event.to !== undefined) {
    const from = typeof event.from === 'string' ? Date.parse(event.from) : NaN;
    const to = typeof event.to === 'string' ? Date.parse(event.to) : NaN;
    if (Number.isNaN(from) || Number.isNaN(to) || from > to || to - from > MAX_WINDOW_MS) {
      throw new AirlockError('ERR_VALIDATION', 'from and to must be ISO instants, from <= to, at most 7 days apart');
    }
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
  const fired = typeof event.time === 'string' ? Date.parse(event.time) : NaN;
  // A fire time in the future is not believed: the window ends now at the latest.
  const to = Number.isNaN(fired) ? now.getTime() : Math.min(fired, now.getTime());
  const seconds = typeof event.windowSeconds === 'number' && Number.isInteger(event.windowSeconds) && event.windowSeconds > 0 && event.windowSeconds <= 86_400 ? event.windowSeconds : DEFAULT_WINDOW_SECONDS;
  return { from: new Date(to - seconds * 1000).toISOString(), to: new Date(to).toISOString() };
}

