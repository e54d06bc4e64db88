import { classifyStatement, rank } from './classify-statement.js';
import type { StatementResult, StatementRisk } from './classify-statement.js';
import type { Token } from './lexer.js';
import { kw } from './names.js';
import { procedureBodyFindings } from './nested-execution.js';
import { lex } from './lexer.js';
import { splitStatements } from './split-statements.js';
import type { Classification, Reason, StatementInfo } from './types.js';
import { lowerBound } from '../sorted-search.js';

interface Ranked {
  risk: StatementRisk;
  reason: Reason;
}

function reason(code: string, message: string, line: number, column: number, offset: number): Reason {
  return { code, message: `line ${line}: ${message} (${code})`, at: { line, column, offset } };
}

/**
 * Classifies a Snowflake SQL text exactly as submitted (docs/risk-rules.md). Never throws; anything it
 * does not understand is `privileged` (fail closed).
 * @example
 * classify('SELECT email FROM customers').risk  // 'read'
 * classify('SELECT 1; DROP SCHEMA s').risk      // 'blocked'
 * classify('DROP TABLE t').reasons[0]?.message  // 'line 1: DROP TABLE removes an object (P-D)'
 */
export function classify(sql: string): Classification {
  const { tokens, errors } = lex(sql);
  const raw = splitStatements(tokens);
  const ranked: Ranked[] = [];
  // The first MAX_LEX_REASONS lexer errors are reasons of their own, the rest one more reason: a text
  // with an error every other character would otherwise carry as many reasons into its record.
  for (const e of errors.slice(0, MAX_LEX_REASONS)) {
    ranked.push({ risk: 'privileged', reason: reason('P-U', e.message, e.line, e.column, e.offset) });
  }
  const unlisted = errors[MAX_LEX_REASONS];
  if (unlisted !== undefined) {
    const more = errors.length - MAX_LEX_REASONS;
    ranked.push({ risk: 'privileged', reason: reason('P-U', `and ${more} more place${more === 1 ? '' : 's'} the text cannot be read (not listed)`, unlisted.line, unlisted.column, unlisted.offset) });
  }
  const errorOffsets = errors.map((e) => e.offset).sort((a, b) => a - b);
  if (raw.length === 0) {
    if (ranked.length === 0 && tokens.every((t) => t.kind === 'semicolon')) {
      return { risk: 'invalid', statements: [], reasons: [reason('I1', 'the text holds no SQL statement', 1, 1, 0)] };
    }
    const first = tokens.find((t) => t.kind !== 'semicolon');
    if (first !== undefined) ranked.push({ risk: 'privileged', reason: reason('P-U', `'${first.text}' is not a statement`, first.line, first.column, first.start) });
    return {
      risk: 'privileged',
      statements: [{ kind: 'unknown', risk: 'privileged', span: { start: 0, end: sql.length }, objects: [], columns: [] }],
      reasons: sortReasons(ranked),
    };
  }
  const statements: StatementInfo[] = [];
  let overall: StatementRisk = ranked.length > 0 ? 'privileged' : 'read';
  const results = raw.map((st) => classifyStatement(st.tokens, 0));
  const callsSomething = results.some((r, i) => r.kind === 'call' || (r.kind === 'execute' && kw(raw[i]?.tokens[1]) === 'TASK'));
  raw.forEach((st, index) => {
    const r = results[index] as StatementResult;
    if (callsSomething && isCreateRoutine(st.tokens)) r.findings.push(...procedureBodyFindings(st.tokens, 0));
    if (r.findings.some((f) => f.risk === 'blocked')) r.risk = 'blocked';
    let risk = r.risk;
    const hasBad = st.tokens.some((t) => t.kind === 'bad') || anyWithin(errorOffsets, st.start, st.end);
    if (hasBad && rank(risk) < rank('privileged')) risk = 'privileged';
    if (st.unterminatedBlock) {
      const t = st.tokens[0];
      if (t !== undefined) ranked.push({ risk: 'privileged', reason: reason('P-U', 'the block has no matching END', t.line, t.column, t.start) });
      if (rank(risk) < rank('privileged')) risk = 'privileged';
    }
    for (const f of r.findings) {
      ranked.push({ risk: f.risk, reason: reason(f.code, f.message, f.token.line, f.token.column, f.token.start) });
    }
    statements.push({ kind: r.kind, risk, span: { start: st.start, end: st.end }, objects: r.objects, columns: r.columns });
    if (rank(risk) > rank(overall)) overall = risk;
  });
  const flow = tokens.find((t) => t.kind === 'punct' && t.text === '->>');
  if (flow !== undefined && raw.length < 2) {
    // `->>` always chains statements; with an empty side the text is incomplete.
    ranked.push({ risk: 'privileged', reason: reason('P-U', 'the ->> flow operator needs a statement on both sides', flow.line, flow.column, flow.start) });
    if (rank(overall) < rank('privileged')) overall = 'privileged';
  }
  if (raw.length > 1) {
    const second = raw[1]?.tokens[0];
    if (second !== undefined) {
      ranked.push({
        risk: 'privileged',
        reason: reason('M1', `the text holds ${raw.length} statements; only a single statement can be read-only`, second.line, second.column, second.start),
      });
    }
    if (rank(overall) < rank('privileged')) overall = 'privileged';
  }
  return { risk: overall, statements, reasons: sortReasons(ranked) };
}

function sortReasons(ranked: Ranked[]): Reason[] {
  return [...ranked].sort((a, b) => rank(b.risk) - rank(a.risk) || a.reason.at.offset - b.reason.at.offset).map((r) => r.reason);
}

function isCreateRoutine(toks: Token[]): boolean {
  if (kw(toks[0]) !== 'CREATE') return false;
  for (let i = 1; i < Math.min(toks.length, 8); i++) if (kw(toks[i]) === 'PROCEDURE' || kw(toks[i]) === 'TASK') return true;
  return false;
}

/** Lexer errors listed as reasons one by one; the rest are summed up in one more. */
export const MAX_LEX_REASONS = 20;

/** Whether some offset of the ascending `offsets` lies in [start, end): binary search, not a scan per statement. */
function anyWithin(offsets: readonly number[], start: number, end: number): boolean {
  const first = lowerBound(offsets, start, (o) => o);
  return first < offsets.length && offsets[first]! < end;
}
