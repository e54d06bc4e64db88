import type { Token } from './lexer.js';
import { isPunct, kw } from './names.js';
import { parseQuery } from './query-parser.js';

/**
 * First words of the SHOW commands Snowflake documents. Anything else after SHOW is prose or a typo
 * (`show me the sales numbers`) and fails closed to P-U.
 */
const SHOW_FIRST = new Set(
  ('ACCOUNTS AGGREGATION AGGREGATION_POLICIES ALERTS API APPLICATION APPLICATIONS AUTHENTICATION AVAILABLE BACKUP BRANCHES ' +
    'CATALOG CHANNELS CLASSES COLUMNS COMPUTE CONNECTIONS CONTACTS CORTEX DATA DATABASE DATABASES DATASETS DELEGATED DYNAMIC ' +
    'EVENT EXPORTED EXTERNAL FAILOVER FEATURE FILE FUNCTIONS FUTURE GIT GLOBAL GRANTS HYBRID ICEBERG IMAGE IMAGES IMPORTED INDEXES ' +
    'INSTANCES INTEGRATIONS JOIN LISTINGS LOCKS MANAGED MASKING MATERIALIZED MODELS MODEL NETWORK NOTEBOOKS NOTIFICATION OBJECTS ' +
    'OFFERS ONLINE ORGANIZATION PACKAGES PARAMETERS PASSWORD PIPES POLICIES PRIMARY PRIVACY PRIVILEGES PROCEDURES PROJECTION ' +
    'PROVISIONED REGIONS RELEASE REPLICATION REPOSITORIES RESOURCE ROLES ROW SCHEMAS SECRETS SECURITY SEMANTIC SEQUENCES ' +
    'SERVICES SESSION SHARES SNAPSHOTS SNOWFLAKE STAGES STORAGE STREAMLITS STREAMS TABLES TAGS TASKS TERSE TRANSACTIONS ' +
    'UNIQUE USER USERS VARIABLES VERSIONS VIEWS WAREHOUSES WORKSPACES AGENTS DBT EXPERIMENTS MCP TYPES SERVICE ENDPOINTS ' +
    'CURRENT OPENFLOW TELEMETRY SPECIFICATIONS SPECIFICATION')
    .split(' '),
);

const DESCRIBE_FIRST = new Set(
  ('ACCOUNT AGENT AGGREGATION ALERT API APPLICATION AUTHENTICATION CATALOG COMPUTE CONNECTION CORTEX DATABASE DATASET DBT DYNAMIC ' +
    'EVENT EXTERNAL FAILOVER FEATURE FILE FUNCTION GIT HYBRID ICEBERG IMAGE INTEGRATION JOIN LISTING MASKING MATERIALIZED MODEL ' +
    'NETWORK NOTEBOOK ONLINE ORGANIZATION PASSWORD PIPE PRIVACY PROCEDURE PROJECTION REPLICATION REPOSITORY RESULT ROLE ROW ' +
    'SCHEMA SEARCH SECRET SECURITY SEMANTIC SEQUENCE SERVICE SESSION SHARE STAGE STORAGE STREAM STREAMLIT TABLE TAG TASK ' +
    'TRANSACTION USER VIEW WAREHOUSE WORKSPACE APPLICATION BACKUP CONTACT EXPERIMENT MCP POLICY PACKAGES SNAPSHOT NOTIFICATION ' +
    'STORAGE OPENFLOW SPECIFICATION')
    .split(' '),
);

function balanced(toks: Token[]): boolean {
  let depth = 0;
  for (const t of toks) {
    if (t.kind !== 'punct') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Exactly one (possibly qualified) name from `from` to the end: `t`, `db.s."T"`. */
function isDottedName(toks: Token[], from: number): boolean {
  let k = from;
  for (;;) {
    const t = toks[k];
    if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) return false;
    k++;
    if (k === toks.length) return true;
    if (!isPunct(toks[k], '.')) return false;
    k++;
  }
}

function indexOfWord(toks: Token[], word: string, from = 0): number {
  for (let i = from; i < toks.length; i++) if (kw(toks[i]) === word) return i;
  return -1;
}

/** Index of the first SELECT/WITH at parenthesis depth 0 from `from`, or -1. */
function topLevelQuery(toks: Token[], from: number): number {
  let depth = 0;
  for (let i = from; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && (kw(t) === 'SELECT' || kw(t) === 'WITH')) return i;
  }
  return -1;
}

/**
 * Why a statement that would otherwise be `read` or `write` is not a complete Snowflake statement
 * (R1/P-U), or null when its shape is fine. Only the shape is checked, generously.
 * @example shapeProblem(lex('DELETE FROM').tokens, 'delete') // 'DELETE FROM needs a table'
 */
export function shapeProblem(toks: Token[], kind: string): string | null {
  if (!balanced(toks)) return 'unbalanced parentheses';
  const w1 = kw(toks[1]);
  switch (kind) {
    case 'show': {
      const first = w1 === 'TERSE' ? kw(toks[2]) : w1;
      if (SHOW_FIRST.has(first)) return null;
      // Class instances: SHOW SNOWFLAKE.CORE.BUDGET INSTANCES.
      if (isPunct(toks[2], '.')) return null;
      return toks.length === 1 ? 'SHOW needs an object type' : `SHOW ${toks[1]?.text ?? ''} is not a known SHOW command`;
    }
    case 'describe':
      if (DESCRIBE_FIRST.has(w1) && toks.length >= 3) return null;
      // DESCRIBE db.schema.table: an object name alone (no type) describes it.
      return isDottedName(toks, 1) ? null : 'DESCRIBE needs a known object type and a name';
    case 'explain': {
      const k = w1 === 'USING' ? 3 : 1;
      const target = kw(toks[k]);
      const rest = toks.slice(k);
      if (target === 'SELECT' || target === 'WITH' || isPunct(toks[k], '(')) {
        const parsed = parseQuery(rest);
        return parsed.ok ? null : `the explained query does not parse: ${parsed.error?.message ?? 'syntax error'}`;
      }
      return shapeProblem(rest, target.toLowerCase());
    }
    case 'delete':
      return w1 === 'FROM' && toks[2] !== undefined ? null : 'DELETE FROM needs a table';
    case 'update': {
      const set = indexOfWord(toks, 'SET', 2);
      return set > 1 && toks.slice(set).some((t) => isPunct(t, '=')) ? null : 'UPDATE needs SET column = value';
    }
    case 'merge': {
      const using = indexOfWord(toks, 'USING');
      const on = indexOfWord(toks, 'ON', using + 1);
      const when = indexOfWord(toks, 'WHEN', on + 1);
      return w1 === 'INTO' && using > 2 && on > using && when > on ? null : 'MERGE needs INTO … USING … ON … WHEN …';
    }
    case 'insert': {
      let q = topLevelQuery(toks, 2);
      // INSERT INTO t [(cols)] (SELECT …): the query may be parenthesised.
      for (let i = 2; q < 0 && i < toks.length; i++) {
        if (isPunct(toks[i], '(') && ['SELECT', 'WITH'].includes(kw(toks[i + 1]))) q = i;
      }
      if (q >= 0) {
        const parsed = parseQuery(toks.slice(q));
        return parsed.ok ? null : `the query part does not parse: ${parsed.error?.message ?? 'syntax error'}`;
      }
      return indexOfWord(toks, 'VALUES') > 2 ? null : 'INSERT needs VALUES or a query';
    }
    default:
      return null;
  }
}
