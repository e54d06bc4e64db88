import type { Warehouse } from '../ports/warehouse.js';
import { columnName, TAG_NAME, type GovernancePlan, type GovernanceStatement, type MaskedColumn, ident } from './governance-plan.js';

/** What is in place on one table's columns, as POLICY_REFERENCES / TAG_REFERENCES_ALL_COLUMNS report it. */
export interface GovernanceState {
  /** DB.SCHEMA.TABLE.COLUMN → AIRLOCK_MASK value (only tags named AIRLOCK_MASK in the governance schema). */
  tags: Map<string, string>;
  /** DB.SCHEMA.TABLE.COLUMN → policy names (DB.SCHEMA.NAME) in effect on it, masking and projection. */
  policies: Map<string, Set<string>>;
  /** Masking policies (DB.SCHEMA.NAME) set on the AIRLOCK_MASK tag. */
  tagPolicies: Set<string>;
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function tableKey(c: { database: string; schema: string; table: string }): string {
  return `${ident(c.database)}.${ident(c.schema)}.${ident(c.table)}`;
}

/** The two table-function queries for one table (docs: POLICY_REFERENCES, TAG_REFERENCES_ALL_COLUMNS). */
export function stateQueries(database: string, table: string): { tags: string; policies: string } {
  const db = ident(database);
  return {
    tags: `SELECT tag_database, tag_schema, tag_name, tag_value, column_name FROM TABLE(${db}.INFORMATION_SCHEMA.TAG_REFERENCES_ALL_COLUMNS(${quoteLiteral(table)}, 'table'))`,
    policies: `SELECT policy_db, policy_schema, policy_name, policy_kind, ref_column_name, tag_name FROM TABLE(${db}.INFORMATION_SCHEMA.POLICY_REFERENCES(REF_ENTITY_NAME => ${quoteLiteral(table)}, REF_ENTITY_DOMAIN => 'table'))`,
  };
}

/** Which objects (a tag among them) a policy is set on: POLICY_REFERENCES(POLICY_NAME => …). */
export function policyBindingQuery(database: string, policyName: string): string {
  return `SELECT ref_database_name, ref_schema_name, ref_entity_name, ref_entity_domain FROM TABLE(${ident(database)}.INFORMATION_SCHEMA.POLICY_REFERENCES(POLICY_NAME => ${quoteLiteral(policyName)}))`;
}

/**
 * Reads what is in place for every table that has (or had) a column the policy masks. `tables` are the masked
 * columns' tables; read with the governance role, which can see the references.
 */
export async function readGovernanceState(warehouse: Warehouse, plan: GovernancePlan, tagSchema: string): Promise<GovernanceState> {
  const state: GovernanceState = { tags: new Map(), policies: new Map(), tagPolicies: new Set() };
  const tables = new Map<string, MaskedColumn>();
  for (const c of plan.masked) tables.set(tableKey(c), c);
  const queryTag = JSON.stringify({ airlock: { governance: 'diff' } });
  const [db] = tagSchema.split('.');
  for (const s of plan.statements) {
    if (s.step !== 'tag-policy') continue;
    const name = plan.names.policyFor(s.policyType!);
    try {
      const r = await warehouse.execute({ sql: policyBindingQuery(db as string, name), queryTag, maxRows: 100_000, timeoutMs: 60_000 });
      for (const [rdb, rschema, rname, domain] of r.rows.map((x) => x.map((v) => String(v ?? '')))) {
        if (domain?.toUpperCase() === 'TAG' && `${rdb}.${rschema}.${rname}` === plan.names.tag) state.tagPolicies.add(name);
      }
    } catch {
      // The policy does not exist (or cannot be seen): not bound, so its statements stay in the diff.
    }
  }
  for (const [key, c] of tables) {
    const q = stateQueries(c.database, key);
    const prefix = `${c.database}.${c.schema}.${c.table}`;
    const tags = await warehouse.execute({ sql: q.tags, queryTag, maxRows: 100_000, timeoutMs: 60_000 });
    for (const [tdb, tschema, tname, value, column] of tags.rows.map((r) => r.map((v) => String(v ?? '')))) {
      if (`${tdb}.${tschema}` !== tagSchema || tname !== TAG_NAME) continue;
      state.tags.set(`${prefix}.${column}`, value ?? '');
    }
    const policies = await warehouse.execute({ sql: q.policies, queryTag, maxRows: 100_000, timeoutMs: 60_000 });
    for (const [pdb, pschema, pname, , column] of policies.rows.map((r) => r.map((v) => String(v ?? '')))) {
      const k = `${prefix}.${column}`;
      const set = state.policies.get(k) ?? new Set<string>();
      set.add(`${pdb}.${pschema}.${pname}`);
      state.policies.set(k, set);
    }
  }
  return state;
}

/**
 * Only the changes: a column tag whose value is missing or different, a projection policy not yet on its column, and
 * the definitions those need (schema, tag, function, policies and the tag → policy binding of a type) unless
 * POLICY_REFERENCES(POLICY_NAME => …) shows the type's policy set on the tag. A changed policy body (another Airlock
 * role) is not visible in the references: run the full plan after changing `--role`. A column still tagged
 * AIRLOCK_MASK that the policy no longer masks gets `UNSET TAG` (it would otherwise stay masked at the source).
 */
export function diffGovernance(plan: GovernancePlan, state: GovernanceState): GovernanceStatement[] {
  const byColumn = new Map(plan.masked.map((c) => [columnName(c), c]));
  const typesMissing = new Set<string>();
  for (const c of plan.masked) if (!state.tagPolicies.has(plan.names.policyFor(c.policyType!))) typesMissing.add(c.policyType!);
  const anyMissing = typesMissing.size > 0;
  const out: GovernanceStatement[] = [];
  for (const s of plan.statements) {
    switch (s.step) {
      case 'schema':
      case 'tag':
      case 'pseudonym-function':
        if (anyMissing) out.push(s);
        break;
      case 'masking-policy':
      case 'tag-policy':
        if (typesMissing.has(s.policyType!)) out.push(s);
        break;
      case 'projection-policy':
        if (plan.statements.some((x) => x.step === 'column-projection' && state.policies.get(x.column!)?.has(plan.names.projectionPolicy) !== true)) out.push(s);
        break;
      case 'column-tag':
        if (state.tags.get(s.column!) !== s.rule) out.push(s);
        break;
      case 'column-projection':
        if (state.policies.get(s.column!)?.has(plan.names.projectionPolicy) !== true) out.push(s);
        break;
      default:
        break;
    }
  }
  for (const [column] of state.tags) {
    if (byColumn.has(column)) continue;
    const parts = column.split('.');
    const col = parts.pop() as string;
    out.push({ step: 'column-untag', column, sql: `ALTER TABLE ${parts.map(ident).join('.')} MODIFY COLUMN ${ident(col)} UNSET TAG ${plan.names.tag}` });
  }
  return out;
}
