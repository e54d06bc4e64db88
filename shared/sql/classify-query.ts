import type { Finding } from './blocked-rules.js';
import type { Token } from './lexer.js';
import { isPunct, isStageString, kw, stringValue } from './names.js';
import { queryObjects } from './objects.js';
import { parseQuery } from './query-parser.js';
import type { ObjectRef, OutputColumn } from './types.js';
import type { StatementRisk } from './classify-statement.js';

/** Read-only SYSTEM$ functions (RISK-RULES §3); any other SYSTEM$ name is privileged. */
const SYSTEM_ALLOWLIST = new Set(
  [
    'TYPEOF', 'CLUSTERING_INFORMATION', 'CLUSTERING_DEPTH', 'CLUSTERING_RATIO', 'EXPLAIN_PLAN_JSON', 'EXPLAIN_JSON_TO_TEXT',
    'PIPE_STATUS', 'STREAM_HAS_DATA', 'GET_TAG', 'GET_TAG_ALLOWED_VALUES', 'GET_TAG_ON_CURRENT_COLUMN', 'GET_TAG_ON_CURRENT_TABLE',
    'ALLOWLIST', 'ALLOWLIST_PRIVATELINK', 'WHITELIST', 'WHITELIST_PRIVATELINK', 'BEHAVIOR_CHANGE_BUNDLE_STATUS',
    'ESTIMATE_QUERY_ACCELERATION', 'ESTIMATE_SEARCH_OPTIMIZATION_COSTS', 'LAST_CHANGE_COMMIT_TIME', 'CURRENT_USER_TASK_NAME',
    'TASK_RUNTIME_INFO', 'GET_PREDECESSOR_RETURN_VALUE', 'GET_SERVICE_STATUS', 'DATABASE_REFRESH_PROGRESS',
    'DATABASE_REFRESH_PROGRESS_BY_JOB',
  ].map((n) => `SYSTEM$${n}`),
);

const STAGE_FUNCTIONS = new Set([
  'INFER_SCHEMA', 'DIRECTORY', 'GET_PRESIGNED_URL', 'BUILD_SCOPED_FILE_URL', 'BUILD_STAGE_FILE_URL', 'GET_STAGE_LOCATION',
  'GET_RELATIVE_PATH', 'GET_ABSOLUTE_PATH', 'TO_FILE', 'TRY_TO_FILE',
]);


type RiskFinding = Finding & { risk: StatementRisk };

/**
 * Class-instance methods that are procedures changing the instance (`budget!SET_SPENDING_LIMIT(…)`,
 * `b!ADD_RESOURCE(…)`). Model methods such as `m!PREDICT(…)`, `m!FORECAST(…)`, `m!DETECT_ANOMALIES(…)` only compute.
 */
const MUTATING_METHOD = /^(SET|ADD|REMOVE|DROP|DELETE|UPDATE|CREATE|ALTER|ENABLE|DISABLE|RESET|CANCEL|SUSPEND|RESUME|TRAIN|REFRESH|INSERT|MERGE|TRUNCATE|GRANT|REVOKE|EXECUTE|CALL|RUN|SEND|PUT|UPLOAD|WRITE|START|STOP)($|_)/;

/**
 * P-S: unquoted SYSTEM$ names not on the allowlist (quoted identifiers are never calls), including a SYSTEM$ name
 * called through `IDENTIFIER('…')(…)`. A function called through `IDENTIFIER(<not a literal>)(…)` cannot be known
 * statically (E7), and a `x!SET_…(…)`-style instance method is a procedure that changes the instance (P-X).
 */
export function systemCallFindings(toks: Token[]): RiskFinding[] {
  const out: RiskFinding[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (kw(t) === 'IDENTIFIER' && isPunct(toks[i + 1], '(') && isPunct(toks[i + 3], ')') && isPunct(toks[i + 4], '(')) {
      const arg = toks[i + 2] as Token;
      if (arg.kind === 'string' || arg.kind === 'dollar') {
        const name = (stringValue(arg).trim().split('.').pop() ?? '').replace(/^"|"$/g, '').toUpperCase();
        if (name.startsWith('SYSTEM$') && !SYSTEM_ALLOWLIST.has(name)) {
          out.push({ risk: 'privileged', code: 'P-S', message: `calls ${name} through IDENTIFIER, which is not on the read-only allowlist`, token: arg });
        }
      } else out.push({ risk: 'privileged', code: 'E7', message: 'calls a function whose name is only known at run time (IDENTIFIER)', token: t });
    }
    if (isPunct(t, '!') && toks[i + 1]?.kind === 'word' && isPunct(toks[i + 2], '(') && MUTATING_METHOD.test(kw(toks[i + 1]))) {
      out.push({ risk: 'privileged', code: 'P-X', message: `calls the instance method !${kw(toks[i + 1])}, which changes state`, token: toks[i + 1] as Token });
    }
    // "SYSTEM$X"(…) may still resolve to the function: fail closed for quoted names that are called.
    const w = t.kind === 'quoted' && isPunct(toks[i + 1], '(') ? t.text.slice(1, -1).toUpperCase() : kw(t);
    if (w.startsWith('SYSTEM$') && !SYSTEM_ALLOWLIST.has(w)) {
      out.push({ risk: 'privileged', code: 'P-S', message: `calls ${w}, which is not on the read-only allowlist`, token: t });
    }
  }
  return out;
}

/** Function-argument or FROM-source position: after `(`, `,`, `=>`, FROM or JOIN. */
function isArgument(prev: Token | undefined): boolean {
  if (prev !== undefined && prev.kind === 'word') return kw(prev) === 'FROM' || kw(prev) === 'JOIN';
  return prev !== undefined && prev.kind === 'punct' && (prev.text === '(' || prev.text === ',' || prev.text === '=>');
}

/** `seq.NEXTVAL` (any qualification) or a call `NEXTVAL(…)` / `GETNEXTVAL(…)`: these advance a sequence (§7). */
function isNextval(toks: Token[], i: number): boolean {
  const w = kw(toks[i]);
  if (w === 'NEXTVAL') return isPunct(toks[i - 1], '.') || isPunct(toks[i + 1], '(');
  return w === 'GETNEXTVAL' && isPunct(toks[i + 1], '(');
}

export interface QueryResult {
  findings: RiskFinding[];
  objects: ObjectRef[];
  columns: OutputColumn[];
}

/**
 * R1 for a query: read unless it calls a non-allowlisted SYSTEM$ function, touches a stage,
 * has a top-level INTO, advances a sequence, locks rows, or does not parse.
 * @example classifyQuery(lex('SELECT 1').tokens, 'R1').findings[0]?.risk // 'read'
 */
export function classifyQuery(toks: Token[], code: string): QueryResult {
  const findings: RiskFinding[] = systemCallFindings(toks);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (t.kind === 'stage') findings.push({ risk: 'privileged', code: 'P-F', message: `reads stage ${t.text}`, token: t });
    else if (STAGE_FUNCTIONS.has(kw(t)) && isPunct(toks[i + 1], '(')) {
      findings.push({ risk: 'privileged', code: 'P-F', message: `calls ${kw(t)}, which reads stage files`, token: t });
    } else if (isArgument(toks[i - 1]) && isStageString(t)) {
      findings.push({ risk: 'privileged', code: 'P-F', message: `names stage ${stringValue(t).trim().split('/')[0]?.slice(0, 60) ?? ''} in a string literal`, token: t });
    } else if (isNextval(toks, i)) {
      findings.push({ risk: 'privileged', code: 'E7', message: 'NEXTVAL advances a sequence', token: t });
    }
  }
  const parsed = parseQuery(toks);
  const first = toks[0] as Token;
  if (!parsed.ok) {
    const at = parsed.error?.token ?? first;
    const e = parsed.error;
    findings.push({
      risk: 'privileged',
      code: 'P-U',
      // A string literal's value never goes into a reason (it may be sensitive data).
      message: `the query does not parse: ${at.kind === 'string' || at.kind === 'dollar' ? 'unexpected string literal' : (e?.message ?? 'syntax error')}`,
      token: at,
      expected: e?.expected ?? 'a complete query',
      atEnd: e?.atEnd ?? false,
    });
  }
  if (parsed.topInto !== null) findings.push({ risk: 'privileged', code: 'R1', message: 'SELECT … INTO creates or fills an object', token: parsed.topInto });
  if (parsed.nextval !== null && !findings.some((f) => f.code === 'E7')) findings.push({ risk: 'privileged', code: 'E7', message: 'NEXTVAL advances a sequence', token: parsed.nextval });
  if (parsed.forUpdate !== null) findings.push({ risk: 'privileged', code: 'E7', message: 'SELECT … FOR UPDATE locks rows', token: parsed.forUpdate });
  if (findings.length === 0) findings.push({ risk: 'read', code, message: 'read-only query', token: first });
  return {
    findings,
    objects: queryObjects(parsed.nodes, toks),
    columns: parsed.root?.columns ?? [],
  };
}
