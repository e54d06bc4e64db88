import type { Token } from './lexer.js';

/** Snowflake identifier normalisation: unquoted → upper case, quoted → exact text without quotes. */
export function normalizeIdent(t: Token): string {
  if (t.kind === 'quoted') return t.text.slice(1, t.text.endsWith('"') && t.text.length > 1 ? -1 : undefined).replace(/""/g, '"');
  return t.text.toUpperCase();
}

/** Upper-cased text of a word token, '' for anything else (quoted identifiers are never keywords). */
export function kw(t: Token | undefined): string {
  return t !== undefined && t.kind === 'word' ? t.text.toUpperCase() : '';
}

export function isPunct(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === text;
}

/** A string literal whose value names a stage (`'@st/x'`, `'@~/x'`, `'@%t'`, `'@db.s."St"'`), as TO_FILE and FROM accept. */
export function isStageString(t: Token | undefined): boolean {
  return t !== undefined && (t.kind === 'string' || t.kind === 'dollar') && /^\s*@(?:~|%|[A-Za-z_"])/.test(stringValue(t));
}

/** The value of a '…' literal with '' and backslash escapes resolved, or of a $$…$$ literal. */
export function stringValue(t: Token): string {
  if (t.kind === 'dollar') return t.text.slice(2, t.text.length >= 4 ? -2 : undefined);
  const body = t.text.slice(1, t.text.length >= 2 && t.text.endsWith("'") ? -1 : undefined);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\' && i + 1 < body.length) {
      const d = body[++i] as string;
      out += d === 'n' ? '\n' : d === 't' ? '\t' : d === 'r' ? '\r' : d === '0' ? '\0' : d;
    } else if (c === "'" && body[i + 1] === "'") {
      out += "'";
      i++;
    } else out += c;
  }
  return out;
}
