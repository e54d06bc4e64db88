import { isWholeEmail } from './detectors/email.js';
import { partialMask } from './partial-mask.js';
import type { Pseudonymizer } from './pseudonymizer.js';
import type { MaskRule } from './types.js';

export const REDACTED = '[REDACTED]';

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Masks a whole non-null cell under a column rule. Numbers, booleans and JSON values
 * become a masked string (a masked number is no longer a number). `partial` keeps at most
 * the last 4 characters of number-like values and nothing of anything else (emails
 * included, domain too). A pseudonym of a value that is exactly one email uses the email
 * detector's prefix and normalisation, so `email_…` tokens match between an EMAIL column
 * and emails found in free text; other values get `tok_…` of the trimmed text.
 *
 * @example
 * maskWithColumnRule('partial', 4242424242424242, p) // '************4242'
 */
export function maskWithColumnRule(rule: MaskRule, value: unknown, pseudonyms: Pseudonymizer): string {
  if (rule === 'redact') return REDACTED;
  const text = asText(value);
  if (rule === 'partial') return partialMask(text) ?? REDACTED;
  if (isWholeEmail(text)) return pseudonyms.token('email', text.trim().toLowerCase());
  return pseudonyms.token('tok', text.trim());
}
