import type { Finding } from './blocked-rules.js';
import { classifyStatement } from './classify-statement.js';
import type { StatementRisk } from './classify-statement.js';
import { lex } from './lexer.js';
import type { Token } from './lexer.js';
import { kw, stringValue } from './names.js';
import { splitStatements } from './split-statements.js';

/** Beyond this many nested EXECUTE IMMEDIATE literals the classifier stops looking and fails closed. */
export const MAX_NESTING = 8;

const STARTERS = new Set(['DROP', 'CREATE', 'ALTER', 'GRANT', 'USE', 'UNDROP', 'EXECUTE']);

type RiskFinding = Finding & { risk: StatementRisk };

function blockedIn(toks: Token[], depth: number, at: Token, where: string): RiskFinding | null {
  const inner = classifyStatement(toks, depth + 1);
  if (inner.risk !== 'blocked') return null;
  const cause = inner.findings.find((f) => f.risk === 'blocked');
  const detail = cause === undefined ? '' : cause.code === 'B-N' ? cause.message : `${cause.message} (${cause.code})`;
  return { risk: 'blocked', code: 'B-N', message: `${where} runs a blocked statement: ${detail}`, token: at };
}

/**
 * B-N: blocked statements that run immediately inside an anonymous block or an EXECUTE IMMEDIATE
 * literal. Procedure, function and task bodies are only defined, so they are not inspected.
 */
export function nestedFindings(toks: Token[], depth: number, kind: string): RiskFinding[] {
  const out: RiskFinding[] = [];
  if (depth >= MAX_NESTING) {
    return [{ risk: 'privileged', code: 'P-X', message: 'nested execution is too deep to inspect', token: toks[0] as Token }];
  }
  if (kind === 'block') {
    for (let i = 1; i < toks.length; i++) {
      const t = toks[i] as Token;
      if (!STARTERS.has(kw(t)) || toks[i - 1]?.text === '.') continue;
      let end = i;
      while (end < toks.length && toks[end]?.kind !== 'semicolon') end++;
      const f = blockedIn(toks.slice(i, end), depth, t, 'the anonymous block');
      if (f !== null) out.push(f);
    }
  }
  if (kind === 'execute' && kw(toks[1]) === 'IMMEDIATE') {
    const arg = toks[2];
    const literal = arg !== undefined && (arg.kind === 'string' || arg.kind === 'dollar');
    const dynamic = !literal || toks.slice(3).some((t) => t.text === '||');
    if (dynamic) {
      out.push({ risk: 'privileged', code: 'E7', message: 'EXECUTE IMMEDIATE runs SQL that cannot be known statically', token: toks[0] as Token });
    }
    if (literal) out.push(...blockedInText(stringValue(arg), depth, arg, 'EXECUTE IMMEDIATE'));
  }
  if (kind === 'call' && kw(toks[0]) === 'WITH') out.push(...procedureBodyFindings(toks, depth));
  return out;
}

function blockedInText(text: string, depth: number, at: Token, where: string): RiskFinding[] {
  const out: RiskFinding[] = [];
  for (const st of splitStatements(lex(text).tokens)) {
    const f = blockedIn(st.tokens, depth, at, where);
    if (f !== null) out.push(f);
  }
  return out;
}

/**
 * Blocked statements in a procedure or task body that also runs in the same text (`WITH p AS PROCEDURE … CALL p()`,
 * `CREATE PROCEDURE …; CALL …`, `CREATE TASK … AS …; EXECUTE TASK …`): the body then runs immediately,
 * so B-N applies (fail closed).
 */
export function procedureBodyFindings(toks: Token[], depth: number): RiskFinding[] {
  const out: RiskFinding[] = [];
  if (depth >= MAX_NESTING) return out;
  for (let i = 0; i < toks.length; i++) {
    if (kw(toks[i]) !== 'AS') continue;
    const body = toks[i + 1];
    if (body === undefined) continue;
    if (body.kind === 'string' || body.kind === 'dollar') out.push(...blockedInText(stringValue(body), depth, body, 'the procedure body'));
    else if (kw(body) === 'BEGIN' || kw(body) === 'DECLARE' || STARTERS.has(kw(body))) {
      const f = blockedIn(toks.slice(i + 1), depth, body, 'the procedure body');
      if (f !== null) out.push(f);
    }
  }
  return out;
}
