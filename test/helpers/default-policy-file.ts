import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DEFAULT_POLICY_PATH } from '#shared/policy/load-policy.js';

/** One identity's fair-use limits with the pace out of reach: for runs that send hundreds of requests a second on purpose. */
export const UNPACED_IDENTITY = { concurrentStatements: 32, requestsPerMinute: 1_000_000, warehouseSecondsPerHour: 1800 } as const;

/**
 * Writes the default policy to `path` with the given members of `limits` replaced, everything else
 * (column masking rules included) as shipped. A policy file is whole: one holding only `limits`
 * would have no column rules at all.
 *
 * @example
 * writeDefaultPolicyWith(join(dir, 'policy.yaml'), { perIdentity: UNPACED_IDENTITY });
 */
export function writeDefaultPolicyWith(path: string, limits: Record<string, unknown>): string {
  const policy = parseYaml(readFileSync(DEFAULT_POLICY_PATH, 'utf8')) as { limits: Record<string, unknown> };
  Object.assign(policy.limits, limits);
  writeFileSync(path, stringifyYaml(policy));
  return path;
}
