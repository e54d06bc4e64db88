import { writeCheckpoints } from '#shared/use-cases/write-checkpoints.js';
import { awsWiring, lambdaLog } from '#shared/wiring/aws.js';

/**
 * The EventBridge rule sends `{ time, intervalSeconds }` (infra/airlock-stack.ts); an export
 * sends `{ sessionIds: [...] }` (the auditor role may invoke this function).
 */
export interface CheckpointEvent {
  time?: unknown;
  intervalSeconds?: unknown;
  sessionIds?: unknown;
}

/**
 * Scheduled, and at each export: signs every changed session head with the records key and
 * appends it to the checkpoints table. The schedule covers the sessions changed since the
 * previous run (the use case adds its own look-back); an unreadable event checks every session.
 */
export async function handler(event: CheckpointEvent): Promise<{ checked: number; written: number }> {
  const aws = awsWiring(process.env);
  const { checked, written } = await writeCheckpoints(aws.checkpointDeps(), checkpointInput(event));
  lambdaLog('info', 'checkpoints written', { checked, written: written.length });
  return { checked, written: written.length };
}

export function checkpointInput(event: CheckpointEvent): { sessionIds: string[] } | { since: string } | Record<string, never> {
  const ids = event.sessionIds;
  if (Array.isArray(ids) && ids.length > 0 && ids.every((s) => typeof s === 'string')) return { sessionIds: ids as string[] };
  const fired = typeof event.time === 'string' ? Date.parse(event.time) : NaN;
  const interval = typeof event.intervalSeconds === 'number' && event.intervalSeconds > 0 ? event.intervalSeconds : NaN;
  // Without both, fall back to every session: slower, never a missed head.
  if (Number.isNaN(fired) || Number.isNaN(interval)) return {};
  return { since: new Date(fired - interval * 1000).toISOString() };
}
