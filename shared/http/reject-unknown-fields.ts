import { AirlockError } from '../errors.js';

/** Names people and agents send for a known field (`query` for `sql`): checked before spelling distance. */
const SYNONYMS: Record<string, string> = {
  query: 'sql',
  statement: 'sql',
  sqltext: 'sql',
  sql_text: 'sql',
  text: 'sql',
  question: 'prompt',
  reason: 'prompt',
  message: 'prompt',
  session: 'sessionId',
  session_id: 'sessionId',
  idempotency_key: 'idempotencyKey',
  idempotency: 'idempotencyKey',
  requestid: 'idempotencyKey',
};

/** Optimal string alignment distance (Damerau–Levenshtein with adjacent swaps), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/** The known field an unknown one most likely meant: a synonym, else the nearest spelling. */
export function closestField(unknown: string, known: readonly string[]): string {
  const synonym = SYNONYMS[unknown.toLowerCase()];
  if (synonym !== undefined && known.includes(synonym)) return synonym;
  let best = known[0] ?? '';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const dist = distance(unknown, k);
    if (dist < bestDistance) [best, bestDistance] = [k, dist];
  }
  return best;
}

/**
 * 400 ERR_VALIDATION `unknown field "query"; did you mean "sql"?` for the first field of a JSON
 * object body that the endpoint does not know, before the shape is checked (so a misnamed field is
 * not reported as the field it replaced being missing). Only the field name is echoed, quoted and
 * cut to 64 characters, never a value.
 *
 * @example
 * rejectUnknownFields(parseJsonBody(event.body, ct), ['prompt', 'sql', 'sessionId', 'idempotencyKey']);
 */
export function rejectUnknownFields(value: unknown, known: readonly string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const shown = JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
    throw new AirlockError('ERR_VALIDATION', `unknown field ${shown}; did you mean "${closestField(key, known)}"? expected ${known.join(', ')}`, { details: { field: key.slice(0, 64) } });
  }
}
