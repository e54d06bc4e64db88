/**
 * Writes a use case starts but does not await (a direct read's final request-item transition, off
 * its critical path). A runtime that shuts down awaits `settleBackgroundWrites()` after it stops
 * taking requests and before it closes its stores, so none is cut off; one that dies loses them,
 * and readers fall back to the records (`completeFromRecords`).
 *
 * @example
 * inBackground(requests.transition(id, ['running'], patch));
 * await settleBackgroundWrites(); // at shutdown
 */
const pending = new Set<Promise<unknown>>();

export function inBackground(write: Promise<unknown>): void {
  const p = write.catch(() => undefined).finally(() => pending.delete(p));
  pending.add(p);
}

export async function settleBackgroundWrites(): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending]);
}
