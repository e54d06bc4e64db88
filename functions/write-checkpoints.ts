import type { ScheduledEvent } from 'aws-lambda';
import { systemClock } from '#shared/ports/clock.js';
import { writeCheckpoints } from '#shared/use-cases/write-checkpoints.js';
import { awsWiring, lambdaLog } from '#shared/wiring/aws.js';

/** The schedule's period (infra/airlock-stack.ts CHECKPOINT_INTERVAL); the use case adds its own look-back. */
const INTERVAL_MS = 5 * 60_000;

/** An export asks for exactly its sessions: `{ "sessionIds": [...] }` (the auditor role invokes this function). */
type CheckpointEvent = Partial<ScheduledEvent> & { sessionIds?: unknown };

/**
 * Scheduled (EventBridge) and at each export: signs every changed session head with the
 * records key and appends it to the checkpoints table.
 */
export async function handler(event: CheckpointEvent): Promise<{ checked: number; written: number }> {
  const aws = awsWiring(process.env);
  const deps = { records: aws.records(), checkpoints: aws.checkpoints(), signer: aws.recordsSigner(), clock: systemClock };
  const sessionIds = Array.isArray(event.sessionIds) && event.sessionIds.every((s) => typeof s === 'string') ? (event.sessionIds as string[]) : undefined;
  const firedAt = typeof event.time === 'string' && !Number.isNaN(Date.parse(event.time)) ? Date.parse(event.time) : systemClock.now().getTime();
  const input = sessionIds !== undefined ? { sessionIds } : { since: new Date(firedAt - INTERVAL_MS).toISOString() };
  const { checked, written } = await writeCheckpoints(deps, input);
  lambdaLog('info', 'checkpoints written', { checked, written: written.length });
  return { checked, written: written.length };
}
