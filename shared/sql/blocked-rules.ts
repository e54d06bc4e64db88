import type { Token } from './lexer.js';
import { isPunct, kw, stringValue } from './names.js';

export interface Finding {
  code: string;
  message: string;
  token: Token;
  /** For P-U: what the grammar expected where it stopped at `token` (for `classify --explain`). */
  expected?: string;
  /** For P-U: the text ended before the statement was complete. */
  atEnd?: boolean;
}

const ADMIN_ROLES = new Set(['ACCOUNTADMIN', 'SECURITYADMIN', 'ORGADMIN']);

/** Role name as written: unquoted word, "QUOTED", IDENTIFIER('…'); null when it cannot be known statically. */
export function roleName(toks: Token[], i: number): { name: string | null; dynamic: boolean } {
  const t = toks[i];
  if (t === undefined) return { name: null, dynamic: false };
  if (t.kind === 'word' && kw(t) === 'IDENTIFIER' && isPunct(toks[i + 1], '(')) {
    const a = toks[i + 2];
    if (a !== undefined && (a.kind === 'string' || a.kind === 'dollar')) return { name: stringValue(a).replace(/^"|"$/g, ''), dynamic: false };
    return { name: null, dynamic: true };
  }
  if (t.kind === 'word' || t.kind === 'quoted') return { name: t.kind === 'quoted' ? t.text.slice(1, -1) : t.text, dynamic: false };
  if (t.kind === 'string') return { name: stringValue(t), dynamic: false };
  return { name: null, dynamic: t.kind === 'variable' };
}

/** Case-insensitive on purpose: fail closed for "accountadmin" spellings. */
export function isAdminRole(name: string | null): boolean {
  return name !== null && ADMIN_ROLES.has(name.toUpperCase());
}

function isZero(t: Token | undefined): boolean {
  if (t === undefined) return false;
  const text = t.kind === 'string' ? stringValue(t).trim() : t.kind === 'number' ? t.text : '';
  return text !== '' && /^[+-]?[0-9.eE+-]+$/.test(text) && Number(text) === 0;
}

/** B6: credential-setting properties of CREATE USER / ALTER USER. */
export function userCredentialFinding(toks: Token[], verb: string): Finding | null {
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    const w = kw(t);
    const eq = isPunct(toks[i + 1], '=');
    if ((w === 'PASSWORD' || w === 'RSA_PUBLIC_KEY' || w === 'RSA_PUBLIC_KEY_2') && eq) {
      return { code: 'B6', message: `${verb} USER sets ${w}, a user credential`, token: t };
    }
    if (w === 'ADD' && (kw(toks[i + 1]) === 'PAT' || (kw(toks[i + 1]) === 'PROGRAMMATIC' && kw(toks[i + 2]) === 'ACCESS'))) {
      return { code: 'B6', message: `${verb} USER adds a programmatic access token`, token: t };
    }
    if (w === 'DEFAULT_ROLE' && eq && isAdminRole(roleName(toks, i + 2).name)) {
      return { code: 'B6', message: `${verb} USER sets DEFAULT_ROLE to an admin role`, token: t };
    }
  }
  return null;
}

/** B7: ALTER … SET … DATA_RETENTION_TIME_IN_DAYS = 0 (any spelling of zero). */
export function retentionFinding(toks: Token[]): Finding | null {
  let sawSet = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    const w = kw(t);
    if (w === 'SET') sawSet = true;
    if (w === 'UNSET') sawSet = false;
    const signed = isPunct(toks[i + 2], '+') || isPunct(toks[i + 2], '-');
    if (sawSet && w === 'DATA_RETENTION_TIME_IN_DAYS' && isPunct(toks[i + 1], '=') && isZero(toks[signed ? i + 3 : i + 2])) {
      return { code: 'B7', message: 'ALTER sets DATA_RETENTION_TIME_IN_DAYS = 0, which disables Time Travel', token: t };
    }
  }
  return null;
}

/** B3/B4/B5 for GRANT statements. */
export function grantFinding(toks: Token[]): Finding | null {
  const first = toks[0] as Token;
  if (kw(toks[1]) === 'OWNERSHIP') return { code: 'B4', message: 'GRANT OWNERSHIP transfers ownership of an object', token: first };
  if (kw(toks[1]) === 'ROLE' && isAdminRole(roleName(toks, 2).name)) {
    return { code: 'B5', message: `GRANT ROLE ${roleName(toks, 2).name?.toUpperCase() ?? ''} hands out an admin role`, token: first };
  }
  for (let i = 1; i < toks.length; i++) {
    if (kw(toks[i]) !== 'TO') continue;
    let k = i + 1;
    if (kw(toks[k]) === 'ROLE') k++;
    const name = roleName(toks, k).name;
    if (name !== null && name.toUpperCase() === 'PUBLIC') {
      return { code: 'B3', message: 'GRANT … TO ROLE PUBLIC gives access to every user', token: toks[i] as Token };
    }
  }
  return null;
}
