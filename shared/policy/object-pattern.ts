/**
 * `DATABASE.SCHEMA.NAME` globs for `sensitive.objects`. Parts are split on `.` outside double
 * quotes, so a quoted identifier that contains a dot (`PROD.HR."a.b"`) stays one part; the
 * quotes themselves are dropped because ObjectRef.parts holds quoted parts without them.
 */

/** One compiled pattern: a case-sensitive regular expression per part. */
export type ObjectPattern = readonly [RegExp, RegExp, RegExp];

/** Splits a pattern into its parts, or returns why it is not a three-part glob. */
export function splitObjectPattern(pattern: string): string[] | { error: string } {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '"') {
      // `""` inside quotes is an escaped quote, as in Snowflake identifiers.
      if (quoted && pattern[i + 1] === '"') {
        current += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (ch === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (quoted) return { error: 'unterminated quoted identifier' };
  parts.push(current);
  if (parts.length !== 3 || parts.some((p) => p === '')) {
    return { error: 'expected a DATABASE.SCHEMA.NAME glob with three non-empty parts, e.g. PROD.HR.* or *.*.SALARIES' };
  }
  return parts;
}

/** `*` matches any run of characters within one part, `?` exactly one; everything else is literal. */
export function globToRegExp(glob: string, flags = ''): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, flags);
}

/** Compiles a pattern already accepted by the schema; throws on one that is not (a programming error). */
export function compileObjectPattern(pattern: string): ObjectPattern {
  const parts = splitObjectPattern(pattern);
  if (!Array.isArray(parts)) throw new Error(`invalid object pattern '${pattern}': ${parts.error}`);
  const [db, schema, name] = parts.map((p) => globToRegExp(p)) as [RegExp, RegExp, RegExp];
  return [db, schema, name];
}
