import { AirlockError } from '../../errors.js';
import { json, type ApiResult } from '../api-event.js';
import type { ApiDeps } from '../api-deps.js';

/**
 * GET /v1/health: 200 once every part is ready, else 503 naming what is not. `details.sourceMasking` is the last
 * source-masking check the runtime ran (from memory, or in AWS the item the scheduled reconcile keeps, read at most once a
 * minute: never a warehouse query per call); a state worth a warning
 * adds a line to `warnings` but never changes the status: the gateway masks results either way.
 */
export async function getHealth(deps: Pick<ApiDeps, 'notReady' | 'sourceMasking'>): Promise<ApiResult> {
  const missing = deps.notReady();
  const sourceMasking = await deps.sourceMasking?.();
  const details = sourceMasking === undefined ? {} : { details: { sourceMasking }, ...(sourceMasking.warning === undefined ? {} : { warnings: [sourceMasking.warning] }) };
  return missing.length === 0
    ? json(200, { status: 'ok', ...details })
    : json(503, { status: 'starting', notReady: missing, ...details, error: { code: 'ERR_NOT_READY', message: `not ready: ${missing.join(', ')}` } });
}

/**
 * GET /v1/keys: every root public key that ever signed, and the certificates of the in-memory keys
 * records are signed with (docs/record-format.md 6a), answered only once the runtime is ready.
 */
export async function getKeys(deps: Pick<ApiDeps, 'notReady' | 'keys' | 'certificates'>): Promise<ApiResult> {
  const missing = deps.notReady();
  if (missing.length > 0) return json(503, { error: { code: 'ERR_NOT_READY', message: `not ready: ${missing.join(', ')}` } });
  const keys = await deps.keys();
  if (deps.certificates === undefined) return json(200, { keys });
  let certificates: string[];
  try {
    certificates = await deps.certificates();
  } catch (e) {
    // A function deployed without the records table lists its keys; the certificates live with the records.
    if (e instanceof AirlockError && e.code === 'ERR_CONFIG') return json(200, { keys });
    throw e;
  }
  return json(200, { keys, certificates });
}
