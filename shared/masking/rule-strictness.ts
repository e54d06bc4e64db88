import type { MaskRule } from './types.js';

/**
 * Strictest first. `redact` reveals nothing; `pseudonym` reveals only equality between
 * values (no character of any value); `partial` reveals up to 4 characters. When several
 * column rules match one output column, the strictest wins.
 */
export const RULE_STRICTNESS: readonly MaskRule[] = ['redact', 'pseudonym', 'partial'];

/** The stricter of two rules; `null` means "no rule". */
export function stricterRule(a: MaskRule | null, b: MaskRule | null): MaskRule | null {
  if (a === null) return b;
  if (b === null) return a;
  return RULE_STRICTNESS.indexOf(a) <= RULE_STRICTNESS.indexOf(b) ? a : b;
}
