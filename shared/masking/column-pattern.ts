import { AirlockError } from '../errors.js';
import type { ColumnRule, MaskRule } from './types.js';

/** One dot-separated part of a pattern: an exact upper-cased name, or a glob compiled once. */
type PartMatcher = string | RegExp;

export interface CompiledColumnRule {
  rule: MaskRule;
  /** Pattern parts, right-aligned: the last one is the column. */
  parts: PartMatcher[];
}

function compilePart(part: string, pattern: string): PartMatcher {
  if (part === '') throw new AirlockError('ERR_MASKING_CONFIG', `masking pattern "${pattern}" has an empty name part`);
  const upper = part.toUpperCase();
  if (!upper.includes('*')) return upper;
  // Only `*` is special; everything else is literal. `[^]*` inside one part cannot cross
  // a dot, because parts are matched separately.
  const source = upper.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${source}$`);
}

/**
 * Compiles `ColumnRule.pattern`: a case-insensitive glob on `COLUMN`, `TABLE.COLUMN`,
 * `SCHEMA.TABLE.COLUMN` or `DB.SCHEMA.TABLE.COLUMN`, with `*` matching any run of
 * characters inside one part. Patterns come from configuration, never from data, so they
 * may appear in errors.
 */
export function compileColumnRule(rule: ColumnRule): CompiledColumnRule {
  const parts = rule.pattern.trim().split('.');
  if (parts.length > 4) throw new AirlockError('ERR_MASKING_CONFIG', `masking pattern "${rule.pattern}" has more than 4 parts`);
  return { rule: rule.rule, parts: parts.map((p) => compilePart(p, rule.pattern)) };
}

function partMatches(matcher: PartMatcher, name: string): boolean {
  return typeof matcher === 'string' ? matcher === name : matcher.test(name);
}

/**
 * Whether a column matches, parts aligned from the right (column with column, table with
 * table …). `objectParts` are the upper-cased parts of the column's table as written in
 * the query, or null when unknown. Parts the query did not write (an unqualified
 * `customers` has no database or schema) or could not resolve count as matching: masking
 * fails closed, so `PROD.PUBLIC.CUSTOMERS.EMAIL` covers `SELECT email FROM customers`.
 * `bareOnly` restricts matching to single-part patterns (used for output names whose
 * lineage is known, where a qualified pattern must match the lineage instead).
 */
export function columnRuleMatches(
  compiled: CompiledColumnRule,
  objectParts: readonly string[] | null,
  column: string,
  bareOnly: boolean,
): boolean {
  const { parts } = compiled;
  if (bareOnly && parts.length > 1) return false;
  const last = parts[parts.length - 1];
  if (last === undefined || !partMatches(last, column)) return false;
  if (objectParts === null) return true;
  for (let i = 2; i <= parts.length; i++) {
    const matcher = parts[parts.length - i];
    const name = objectParts[objectParts.length - i + 1];
    if (matcher === undefined || name === undefined) continue;
    if (!partMatches(matcher, name)) return false;
  }
  return true;
}
