import { columnSensitivity } from '../masking/column-sensitivity.js';
import type { ColumnRule } from '../masking/types.js';
import type { Catalog } from '../ports/catalog.js';
import { analyzeColumnUses, type ColumnSensitivity, type InferenceUse, type OpaqueUse } from '../sql/column-uses.js';
import type { Classification } from '../sql/types.js';
import { lex } from '../sql/lexer.js';
import { normalizeIdent } from '../sql/names.js';
import { lowerBound } from '../sorted-search.js';

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * Whether any identifier in the text names a column that a masking rule covers (by the rule's
 * last name part). Over-inclusive on purpose: it only decides whether an output column whose
 * lineage is unknown must be masked whole, so a false positive costs readability, never data.
 */
export function referencesSensitiveColumn(sql: string, rules: readonly ColumnRule[]): boolean {
  if (rules.length === 0) return false;
  const names = rules.map((r) => globToRegExp(r.pattern.split('.').pop() ?? r.pattern));
  for (const t of lex(sql).tokens) {
    if (t.kind !== 'word' && t.kind !== 'quoted') continue;
    const name = normalizeIdent(t);
    if (names.some((re) => re.test(name))) return true;
  }
  return false;
}

/** What `analyzeInference` found in a whole text (every query statement). */
export interface InferenceAnalysis {
  inference: InferenceUse[];
  opaque: OpaqueUse[];
  /** Some statement reads a table with a sensitive column, an unknown table or an unknown table function. */
  touchesSensitive: boolean;
}

/**
 * Where each query statement of a classified text uses sensitive columns (docs/masking.md): the
 * catalog says which columns of its tables are sensitive, `analyzeColumnUses` where they are used.
 * Statements other than queries need approval by their class already. A catalog that cannot be
 * read counts every table as unknown, hence sensitive (fail closed).
 *
 * @example
 * const a = await analyzeInference(sql, classify(sql), masking.columns, catalog);
 * decide(policy, classification, principal, sql, a);
 */
export function analyzeInference(sql: string, classification: Classification, rules: readonly ColumnRule[], catalog: Catalog | undefined): Promise<InferenceAnalysis> {
  // A direct read asks twice for the same text: to decide, and to mask its result. The second asking
  // gets the first answer (same classification object, rules and catalog), not a second lex and walk.
  const known = analyses.get(classification);
  if (known !== undefined && known.sql === sql && known.rules === rules && known.catalog === catalog) return known.result;
  const result = analyze(sql, classification, rules, catalog);
  analyses.set(classification, { sql, rules, catalog, result });
  return result;
}

const analyses = new WeakMap<Classification, { sql: string; rules: readonly ColumnRule[]; catalog: Catalog | undefined; result: Promise<InferenceAnalysis> }>();

async function analyze(sql: string, classification: Classification, rules: readonly ColumnRule[], catalog: Catalog | undefined): Promise<InferenceAnalysis> {
  const out: InferenceAnalysis = { inference: [], opaque: [], touchesSensitive: false };
  const queries = classification.statements.filter((s) => s.kind === 'select');
  if (queries.length === 0) return out;
  const tokens = lex(sql).tokens;
  for (const st of queries) {
    let sensitivity: ColumnSensitivity;
    try {
      sensitivity = await columnSensitivity(st.objects, rules, catalog);
    } catch {
      const byName = await columnSensitivity([], rules, undefined);
      sensitivity = { ...byName, unknownTable: true };
    }
    const uses = analyzeColumnUses(tokensWithin(tokens, st.span), sensitivity);
    out.inference.push(...uses.inference);
    out.opaque.push(...uses.opaque);
    if (uses.touchesSensitive) out.touchesSensitive = true;
  }
  return out;
}

/**
 * The tokens that lie wholly inside `span`, found by binary search: tokens are in text order and do
 * not overlap, so they are one run. Filtering the whole text once per statement was quadratic in the
 * number of statements (a 200 KiB text of short statements took a second).
 */
function tokensWithin<T extends { start: number; end: number }>(tokens: readonly T[], span: { start: number; end: number }): T[] {
  const first = lowerBound(tokens, span.start, (t) => t.start);
  let end = first;
  while (end < tokens.length && tokens[end]!.end <= span.end) end++;
  return tokens.slice(first, end);
}
