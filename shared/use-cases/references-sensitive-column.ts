import type { ColumnRule } from '../masking/types.js';
import { lex } from '../sql/lexer.js';
import { normalizeIdent } from '../sql/names.js';

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
