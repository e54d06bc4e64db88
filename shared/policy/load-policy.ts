import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AirlockError } from '#shared/errors.js';
import type { Policy } from './policy.js';
import { parsePolicy } from './parse-policy.js';

/**
 * The repo's default policy (`policy/default.yaml`), found relative to this module so it
 * works from any working directory. A bundle (Lambda) must ship the file beside it or pass a path.
 */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../../policy/default.yaml', import.meta.url));

/**
 * Reads and validates a policy file (the only I/O in `shared/policy`). A missing or
 * unreadable file is `ERR_POLICY_INVALID` too: both are startup errors that must stop the process.
 *
 * @example
 * const policy = loadPolicy(env.AIRLOCK_POLICY); // undefined or '' → policy/default.yaml
 */
export function loadPolicy(path?: string): Policy {
  const file = path === undefined || path === '' ? DEFAULT_POLICY_PATH : path;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new AirlockError('ERR_POLICY_INVALID', `${file}: cannot read the policy file (${code})`, {
      cause: e,
      details: { file },
    });
  }
  return parsePolicy(text, file);
}
