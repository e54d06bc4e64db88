import type { MaskingConfig } from '#shared/masking/types.js';
import type { Policy } from './policy.js';

/**
 * The masking step's configuration from the policy, plus the pseudonym key (which comes
 * from the environment, never from the policy file). Copies, so the masker cannot alter the policy.
 *
 * @example
 * const masking = maskingConfigOf(policy, key); // key: AIRLOCK_MASKING_KEY bytes
 * masking.detectors.email; // 'pseudonym' by default
 */
export function maskingConfigOf(policy: Policy, key: Uint8Array): MaskingConfig {
  return {
    columns: policy.masking.columns.map((c) => ({ pattern: c.pattern, rule: c.rule })),
    detectors: { ...policy.masking.detectors },
    key,
  };
}

/**
 * The column-name globs whose values are sensitive (`masking.columns` patterns), for code
 * that needs to know a column is sensitive without masking it (e.g. lineage tainting).
 * Matched case-insensitively, like `ColumnRule.pattern`.
 */
export function sensitiveColumnPatterns(policy: Policy): string[] {
  return policy.masking.columns.map((c) => c.pattern);
}
