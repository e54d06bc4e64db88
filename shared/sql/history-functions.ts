import type { Token } from './lexer.js';
import { isPunct, normalizeIdent } from './names.js';
import type { ObjectRef } from './types.js';

/**
 * Functions that read other queries' text or results (docs/risk-rules.md §8): `RESULT_SCAN` returns the
 * raw result of any earlier query of the service user, `QUERY_HISTORY*` lists query texts and ids,
 * `LAST_QUERY_ID` hands out ids for RESULT_SCAN. They are reported as objects so the policy's
 * `sensitive.objects` can require approval for them like for a table.
 */
export const HISTORY_FUNCTIONS = new Set([
  'RESULT_SCAN', 'LAST_QUERY_ID', 'QUERY_HISTORY', 'QUERY_HISTORY_BY_SESSION', 'QUERY_HISTORY_BY_USER',
  'QUERY_HISTORY_BY_WAREHOUSE', 'GET_QUERY_OPERATOR_STATS',
]);

/**
 * Every call of a history function, as an object named as written: `RESULT_SCAN`,
 * `INFORMATION_SCHEMA.QUERY_HISTORY`, `DB.INFORMATION_SCHEMA.QUERY_HISTORY_BY_USER`.
 * @example historyFunctionObjects(lex("SELECT * FROM TABLE(RESULT_SCAN('x'))").tokens)[0]?.name // 'RESULT_SCAN'
 */
export function historyFunctionObjects(toks: Token[]): ObjectRef[] {
  const out: ObjectRef[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    if ((t.kind !== 'word' && t.kind !== 'quoted') || !isPunct(toks[i + 1], '(')) continue;
    const name = normalizeIdent(t).toUpperCase();
    if (!HISTORY_FUNCTIONS.has(name)) continue;
    const parts = [normalizeIdent(t)];
    for (let k = i - 1; k >= 1 && isPunct(toks[k], '.') && parts.length < 3; k -= 2) {
      const q = toks[k - 1] as Token;
      if (q.kind !== 'word' && q.kind !== 'quoted') break;
      parts.unshift(normalizeIdent(q));
    }
    const ref: ObjectRef = { name: parts.join('.'), parts, kind: 'table', access: 'read' };
    if (!out.some((o) => o.name === ref.name)) out.push(ref);
  }
  return out;
}
