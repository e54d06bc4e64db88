import type { Token } from './lexer.js';
import { grantFinding, isAdminRole, retentionFinding, roleName, userCredentialFinding } from './blocked-rules.js';
import type { Finding } from './blocked-rules.js';
import { kw } from './names.js';
import { collectObjects, ddlTarget } from './objects.js';
import { classifyQuery, systemCallFindings } from './classify-query.js';
import { nestedFindings } from './nested-execution.js';
import { shapeProblem } from './statement-shape.js';
import type { ObjectRef, OutputColumn, Risk } from './types.js';

export type StatementRisk = Exclude<Risk, 'invalid'>;

export interface StatementResult {
  kind: string;
  risk: StatementRisk;
  findings: Array<Finding & { risk: StatementRisk }>;
  objects: ObjectRef[];
  columns: OutputColumn[];
}

const TXN = new Set(['COMMIT', 'ROLLBACK', 'START']);
const STAGE_CMDS = new Set(['PUT', 'GET', 'LIST', 'LS', 'REMOVE', 'RM']);
const CREATE_MODS = new Set(['OR', 'REPLACE', 'ALTER', 'TEMPORARY', 'TEMP', 'TRANSIENT', 'VOLATILE', 'LOCAL', 'GLOBAL', 'SECURE', 'RECURSIVE', 'EXTERNAL', 'MATERIALIZED', 'DYNAMIC', 'HYBRID', 'ICEBERG', 'EVENT']);

/**
 * Classifies one statement's tokens. `depth` bounds nested EXECUTE IMMEDIATE literals.
 * @example classifyStatement(lex('DROP SCHEMA s').tokens, 0).risk // 'blocked'
 */
export function classifyStatement(toks: Token[], depth: number): StatementResult {
  const r: StatementResult = { kind: 'unknown', risk: 'privileged', findings: [], objects: [], columns: [] };
  const first = toks[0] as Token;
  const add = (risk: StatementRisk, code: string, message: string, token: Token = first): void => {
    r.findings.push({ risk, code, message, token });
  };
  const w0 = kw(first);
  const w1 = kw(toks[1]);
  const words = (from: number, n: number): string => toks.slice(from, from + n).map((t) => kw(t)).join(' ');
  if (w0 === 'SELECT' || (w0 === 'WITH' && !isWithDml(toks)) || (first.kind === 'punct' && first.text === '(')) {
    if (w0 === 'WITH' && isAnonymousProcedure(toks)) {
      r.kind = 'call';
      add('privileged', 'P-X', 'WITH … AS PROCEDURE defines and runs an anonymous procedure');
      return finish(r, toks, depth);
    }
    const q = classifyQuery(toks, 'R1');
    r.kind = 'select';
    r.findings.push(...q.findings);
    r.objects = q.objects;
    r.columns = q.columns;
    return finish(r, toks, depth);
  }
  r.objects = collectObjects(toks);
  switch (w0) {
    case 'WITH':
      r.kind = 'with_dml';
      add('privileged', 'E7', 'WITH … followed by a data change is not a read query; treated as privileged');
      break;
    case 'SHOW':
      r.kind = 'show';
      add('read', 'R2', 'SHOW lists metadata');
      break;
    case 'DESCRIBE':
    case 'DESC':
      r.kind = 'describe';
      add('read', 'R3', 'DESCRIBE shows metadata');
      break;
    case 'EXPLAIN': {
      r.kind = 'explain';
      let k = 1;
      if (w1 === 'USING') k = 3;
      const target = kw(toks[k]);
      if (['SELECT', 'WITH', 'INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(target) || toks[k]?.text === '(') {
        add('read', 'R4', `EXPLAIN only compiles the ${target || 'query'}; nothing runs`);
        r.objects = [];
        const shape = shapeProblem(toks, 'explain');
        if (shape !== null) add('privileged', 'P-U', `malformed EXPLAIN: ${shape}`);
        return r.findings.some((f) => f.risk === 'privileged') ? ((r.risk = 'privileged'), r) : ((r.risk = 'read'), r);
      }
      add('privileged', 'P-U', 'EXPLAIN of something that is not a query or DML statement');
      break;
    }
    case 'INSERT':
      r.kind = 'insert';
      if (w1 === 'OVERWRITE') add('privileged', 'W2', 'INSERT OVERWRITE truncates the target table before inserting');
      else if (w1 === 'INTO' || w1 === 'ALL' || w1 === 'FIRST') add('write', 'W1', 'INSERT adds rows');
      else add('privileged', 'P-U', 'malformed INSERT');
      break;
    case 'UPDATE':
    case 'DELETE':
    case 'MERGE':
      r.kind = w0.toLowerCase();
      add('write', 'W1', `${w0} changes rows`);
      break;
    case 'COPY':
      copyRules(toks, add, r);
      break;
    case 'CREATE':
      createRules(toks, add, r);
      break;
    case 'ALTER':
      r.kind = 'alter';
      if (w1 === 'ACCOUNT') add('blocked', 'B2', 'ALTER ACCOUNT changes the account itself');
      else {
        const f = (w1 === 'USER' ? userCredentialFinding(toks, 'ALTER') : null) ?? retentionFinding(toks);
        if (f !== null) r.findings.push({ ...f, risk: 'blocked' });
        else if (w1 === 'SESSION') add('privileged', 'P-D', 'ALTER SESSION changes session settings');
        else add('privileged', 'P-D', `ALTER ${w1} changes an object definition`);
      }
      break;
    case 'DROP':
      r.kind = 'drop';
      if ((w1 === 'DATABASE' && kw(toks[2]) !== 'ROLE') || w1 === 'SCHEMA') add('blocked', 'B1', `DROP ${w1} destroys a ${w1.toLowerCase()}`);
      else if (w1 === 'ACCOUNT') add('blocked', 'B2', 'DROP ACCOUNT deletes the account');
      else add('privileged', 'P-D', `DROP ${words(1, w1 === 'DATABASE' ? 2 : 1)} removes an object`);
      break;
    case 'UNDROP':
      r.kind = 'undrop';
      if (w1 === 'ACCOUNT') add('blocked', 'B2', 'UNDROP ACCOUNT changes the account lifecycle');
      else add('privileged', 'P-D', `UNDROP ${w1} restores an object`);
      break;
    case 'GRANT': {
      r.kind = 'grant';
      const f = grantFinding(toks);
      if (f !== null) r.findings.push({ ...f, risk: 'blocked' });
      else add('privileged', 'P-D', 'GRANT changes access rights');
      break;
    }
    case 'REVOKE':
    case 'TRUNCATE':
    case 'COMMENT':
      r.kind = w0.toLowerCase();
      add('privileged', 'P-D', `${w0} changes data or metadata`);
      break;
    case 'USE':
      useRules(toks, add, r);
      break;
    case 'CALL':
      r.kind = 'call';
      add('privileged', 'P-X', `CALL runs a stored procedure${toks[1] ? ` (${toks[1].text})` : ''}`);
      break;
    case 'EXECUTE':
      r.kind = 'execute';
      if (w1 === 'TASK') add('privileged', 'P-X', 'EXECUTE TASK runs a task');
      else if (w1 === 'IMMEDIATE') add('privileged', 'P-X', 'EXECUTE IMMEDIATE runs dynamic SQL');
      else add('privileged', 'P-U', 'unknown EXECUTE statement');
      break;
    case 'BEGIN':
    case 'DECLARE':
      if (w0 === 'BEGIN' && (toks.length === 1 || ['TRANSACTION', 'WORK', 'NAME'].includes(w1))) {
        r.kind = 'transaction';
        add('privileged', 'E7', 'BEGIN starts a transaction (transaction control is privileged)');
      } else {
        r.kind = 'block';
        add('privileged', 'P-X', 'anonymous Snowflake Scripting block runs code');
      }
      break;
    case 'SET':
    case 'UNSET':
      r.kind = 'session_variable';
      add('privileged', 'E7', `${w0} changes a session variable`);
      break;
    default:
      if (TXN.has(w0) && (w0 !== 'START' || w1 === 'TRANSACTION')) {
        r.kind = 'transaction';
        add('privileged', 'E7', `${w0} is transaction control`);
      } else if (STAGE_CMDS.has(w0)) {
        r.kind = w0.toLowerCase();
        add('privileged', 'P-F', `${w0} accesses files on a stage`);
      } else {
        add('privileged', 'P-U', `'${first.text.slice(0, 40)}' does not start a statement Airlock recognises`);
        const last = r.findings[r.findings.length - 1];
        if (last !== undefined) last.expected = 'a statement keyword (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, INSERT, UPDATE, DELETE, MERGE, COPY, CREATE, …)';
      }
  }
  return finish(r, toks, depth);
}

function finish(r: StatementResult, toks: Token[], depth: number): StatementResult {
  const shape = r.findings.some((f) => f.risk === 'read' || f.risk === 'write') ? shapeProblem(toks, r.kind) : null;
  if (shape !== null) {
    r.findings.push({ risk: 'privileged', code: 'P-U', message: `incomplete or malformed statement: ${shape}`, token: shapeToken(toks, r.kind), expected: shapeExpected(r.kind) });
  }
  if (r.kind !== 'select') r.findings.push(...nestedFindings(toks, depth, r.kind));
  if (['insert', 'update', 'delete', 'merge', 'copy_into_table'].includes(r.kind)) r.findings.push(...systemCallFindings(toks));
  r.risk = r.findings.length === 0 ? 'privileged' : maxRisk(r.findings);
  return r;
}

/** Where a shape problem is: the object-type word of SHOW / DESCRIBE, else the first token. */
function shapeToken(toks: Token[], kind: string): Token {
  if (kind === 'show') return (kw(toks[1]) === 'TERSE' ? toks[2] : toks[1]) ?? (toks[0] as Token);
  if (kind === 'describe') return toks[1] ?? (toks[0] as Token);
  return toks[0] as Token;
}

function shapeExpected(kind: string): string {
  if (kind === 'show') return 'a documented SHOW object type (TABLES, VIEWS, GRANTS, …)';
  if (kind === 'describe') return 'a documented object type (TABLE, VIEW, FUNCTION, …) followed by a name';
  return `a complete ${kind.toUpperCase().replace(/_/g, ' ')} statement`;
}

const ORDER: StatementRisk[] = ['read', 'write', 'privileged', 'blocked'];
export function rank(r: StatementRisk): number {
  return ORDER.indexOf(r);
}
function maxRisk(fs: Array<{ risk: StatementRisk }>): StatementRisk {
  let best: StatementRisk = 'read';
  for (const f of fs) if (rank(f.risk) > rank(best)) best = f.risk;
  return best;
}

type Add = (risk: StatementRisk, code: string, message: string, token?: Token) => void;

function copyRules(toks: Token[], add: Add, r: StatementResult): void {
  r.kind = 'copy';
  const w1 = kw(toks[1]);
  const target = toks[2];
  if (w1 === 'FILES') return add('privileged', 'P-F', 'COPY FILES copies files between stages');
  if (w1 !== 'INTO' || target === undefined) return add('privileged', 'P-U', 'malformed COPY statement');
  if (target.kind === 'stage' || target.kind === 'string') {
    r.kind = 'copy_into_location';
    return add('privileged', 'P-F', `COPY INTO ${target.text} unloads data to files (possible exfiltration)`, target);
  }
  r.kind = 'copy_into_table';
  for (let i = 3; i < toks.length; i++) {
    if (kw(toks[i]) === 'PURGE' && toks[i + 1]?.text === '=' && kw(toks[i + 2]) !== 'FALSE' && toks[i + 2]?.text.toUpperCase() !== "'FALSE'") {
      return add('privileged', 'E7', 'COPY INTO … PURGE = TRUE deletes the staged files after loading', toks[i]);
    }
  }
  add('write', 'W3', 'COPY INTO loads files into a table');
}

function createRules(toks: Token[], add: Add, r: StatementResult): void {
  r.kind = 'create';
  let k = 1;
  let replace = false;
  while (CREATE_MODS.has(kw(toks[k]))) {
    if (kw(toks[k]) === 'REPLACE') replace = true;
    k++;
  }
  const type = kw(toks[k]);
  const role = kw(toks[k + 1]) === 'ROLE';
  if (replace && (type === 'DATABASE' || type === 'SCHEMA') && !role) {
    return add('blocked', 'B1', `CREATE OR REPLACE ${type} drops the existing ${type.toLowerCase()}`);
  }
  if (type === 'ACCOUNT') return add('blocked', 'B2', 'CREATE ACCOUNT creates a Snowflake account');
  if (type === 'USER') {
    const f = userCredentialFinding(toks, 'CREATE');
    if (f !== null) return add('blocked', f.code, f.message, f.token);
    const idx = toks.findIndex((t, i) => kw(t) === 'IDENTIFIED' && kw(toks[i + 1]) === 'BY');
    if (idx >= 0) return add('privileged', 'E7', 'CREATE USER … IDENTIFIED BY sets a password', toks[idx]);
  }
  const target = ddlTarget(toks, k + 1);
  if (target !== null) r.objects.unshift(target);
  add('privileged', 'P-D', `CREATE ${type} changes the schema`);
}

function useRules(toks: Token[], add: Add, r: StatementResult): void {
  r.kind = 'use';
  const w1 = kw(toks[1]);
  if (w1 === 'ROLE') {
    const role = roleName(toks, 2);
    if (isAdminRole(role.name)) return add('blocked', 'B5', `USE ROLE ${role.name?.toUpperCase() ?? ''} switches to an admin role`);
    if (role.dynamic || role.name === null) return add('privileged', 'E7', 'USE ROLE with a role that cannot be known statically');
    return add('privileged', 'P-D', `USE ROLE ${role.name} switches role`);
  }
  if (w1 === 'SECONDARY') return add('privileged', 'P-D', 'USE SECONDARY ROLES changes active roles');
  add('privileged', 'E7', 'USE switches database, schema or warehouse; the gateway sets these');
}

function isWithDml(toks: Token[]): boolean {
  let depth = 0;
  for (const t of toks) {
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && ['DELETE', 'UPDATE', 'MERGE', 'INSERT'].includes(kw(t))) return true;
  }
  return false;
}

function isAnonymousProcedure(toks: Token[]): boolean {
  return toks.some((t, i) => kw(t) === 'AS' && kw(toks[i + 1]) === 'PROCEDURE');
}
