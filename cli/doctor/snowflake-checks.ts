import type { Warehouse, WarehouseResult } from '#shared/ports/warehouse.js';
import { fail, ok, reason, warn, type DoctorCheck } from './doctor-check.js';

/** What the Snowflake settings name (the warehouse and role may be the user's defaults instead). */
export interface SnowflakeTarget {
  user: string;
  warehouse?: string;
  role?: string;
}

const QUERY_TAG = JSON.stringify({ airlock: { doctor: true } });

async function run(w: Warehouse, sql: string): Promise<Array<Record<string, unknown>>> {
  const r: WarehouseResult = await w.execute({ sql, queryTag: QUERY_TAG, maxRows: 10_000, timeoutMs: 20_000 });
  // SHOW output columns are lower case; SELECT aliases upper case: look them up case-insensitively.
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name.toLowerCase(), row[i]])));
}

/** Snowflake prints a missing value in SHOW output as null, '' or the text 'null'. */
function present(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' || s.toLowerCase() === 'null' ? undefined : s;
}

/** An unquoted identifier as Snowflake stores it (upper case); a quoted one as written. */
function ident(name: string): string {
  return /^".*"$/.test(name) ? name.slice(1, -1) : name.toUpperCase();
}

function quoteIdent(name: string): string {
  return `"${ident(name).replace(/"/g, '""')}"`;
}

/**
 * Snowflake, end to end from the doctor's side: login and `SELECT 1`; the warehouse Airlock runs on
 * is visible to its role; it has a resource monitor that suspends (issue 15, docs/snowflake-cost.md);
 * the monitor and the warehouse are Airlock's alone (no other warehouse on the monitor, no other
 * role with USAGE on the warehouse). Cost findings are warnings: they do not stop a deployment.
 *
 * @example
 * const checks = await snowflakeChecks(new SnowflakeWarehouse(config, { loginRetries: 1 }), { user: config.user, warehouse: config.warehouse });
 */
export async function snowflakeChecks(w: Warehouse, target: SnowflakeTarget, label = 'Snowflake'): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  try {
    const rows = await run(w, 'SELECT 1 AS OK');
    if (String(Object.values(rows[0] ?? {})[0]) !== '1') throw new Error(`SELECT 1 answered ${JSON.stringify(rows).slice(0, 80)}`);
    out.push(ok(`${label} login`, `logged in as ${target.user} and ran SELECT 1`));
  } catch (e) {
    out.push(fail(`${label} login`, `as ${target.user}: ${reason(e)}`, "check SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and that the user's RSA_PUBLIC_KEY matches SNOWFLAKE_PRIVATE_KEY (docs/deploy.md §3)"));
    return out;
  }

  let warehouse = target.warehouse;
  let role = target.role;
  if (warehouse === undefined || role === undefined) {
    try {
      const [cur] = await run(w, 'SELECT CURRENT_ROLE() AS ROLE, CURRENT_WAREHOUSE() AS WAREHOUSE');
      warehouse ??= present(cur?.['warehouse']);
      role ??= present(cur?.['role']);
    } catch (e) {
      out.push(warn(`${label} session`, `cannot read CURRENT_ROLE() and CURRENT_WAREHOUSE(): ${reason(e)}`, 'set SNOWFLAKE_ROLE and SNOWFLAKE_WAREHOUSE explicitly'));
    }
  }
  if (warehouse === undefined) {
    out.push(fail(`${label} warehouse`, 'no warehouse: neither SNOWFLAKE_WAREHOUSE nor the user\'s DEFAULT_WAREHOUSE names one, so every query fails', 'set SNOWFLAKE_WAREHOUSE (e.g. AIRLOCK_WH) or ALTER USER … SET DEFAULT_WAREHOUSE = AIRLOCK_WH'));
    return out;
  }
  const whName = ident(warehouse);
  const roleName = role === undefined ? undefined : ident(role);

  let warehouses: Array<Record<string, unknown>>;
  try {
    warehouses = await run(w, 'SHOW WAREHOUSES');
  } catch (e) {
    out.push(warn(`${label} warehouse ${whName}`, `SHOW WAREHOUSES failed: ${reason(e)}; cannot check its resource monitor`, 'run doctor with a role that has USAGE or MONITOR on the warehouse'));
    return out;
  }
  const mine = warehouses.find((r) => String(r['name']) === whName);
  if (mine === undefined) {
    out.push(fail(`${label} warehouse ${whName}`, `not visible to role ${roleName ?? '(default)'}: queries will fail`, `GRANT USAGE ON WAREHOUSE ${whName} TO ROLE ${roleName ?? 'AIRLOCK_ROLE'}`));
    return out;
  }
  out.push(ok(`${label} warehouse ${whName}`, `visible to role ${roleName ?? '(default)'} (${String(mine['size'] ?? '?')}, max ${String(mine['max_cluster_count'] ?? '?')} cluster(s))`));

  const monitor = present(mine['resource_monitor']);
  if (monitor === undefined) {
    out.push(
      warn(
        `${label} resource monitor`,
        `warehouse ${whName} has no resource monitor: nothing caps the credits agents' queries spend`,
        `CREATE RESOURCE MONITOR AIRLOCK_MONITOR WITH CREDIT_QUOTA = 100 FREQUENCY = MONTHLY START_TIMESTAMP = IMMEDIATELY TRIGGERS ON 90 PERCENT DO SUSPEND ON 100 PERCENT DO SUSPEND_IMMEDIATE; ALTER WAREHOUSE ${whName} SET RESOURCE_MONITOR = AIRLOCK_MONITOR (docs/snowflake-cost.md)`,
      ),
    );
  } else {
    let row: Record<string, unknown> | undefined;
    try {
      row = (await run(w, 'SHOW RESOURCE MONITORS')).find((r) => String(r['name']) === monitor);
    } catch {
      row = undefined;
    }
    if (row === undefined) {
      out.push(ok(`${label} resource monitor`, `${monitor} is set on ${whName} (its quota and triggers are not visible to role ${roleName ?? '(default)'})`));
    } else if (present(row['suspend_at']) === undefined && present(row['suspend_immediately_at']) === undefined) {
      out.push(warn(`${label} resource monitor`, `${monitor} on ${whName} only notifies: nothing suspends the warehouse when the quota is spent`, `ALTER RESOURCE MONITOR ${monitor} SET TRIGGERS ON 90 PERCENT DO SUSPEND ON 100 PERCENT DO SUSPEND_IMMEDIATE`));
    } else if (present(row['credit_quota']) === undefined) {
      out.push(warn(`${label} resource monitor`, `${monitor} on ${whName} has no credit quota, so its triggers never fire`, `ALTER RESOURCE MONITOR ${monitor} SET CREDIT_QUOTA = 100`));
    } else {
      out.push(ok(`${label} resource monitor`, `${monitor} on ${whName}: ${String(row['credit_quota'])} credits ${String(present(row['frequency']) ?? '').toLowerCase() || 'per period'}, suspends at ${present(row['suspend_at']) ?? present(row['suspend_immediately_at'])}`));
    }
    const sharing = warehouses.filter((r) => String(r['name']) !== whName && present(r['resource_monitor']) === monitor).map((r) => String(r['name']));
    if (sharing.length > 0) {
      out.push(warn(`${label} warehouse dedicated`, `resource monitor ${monitor} also covers ${sharing.join(', ')}: their spend uses up Airlock's quota`, `give ${whName} a resource monitor of its own (docs/snowflake-cost.md)`));
    }
  }

  try {
    const grants = await run(w, `SHOW GRANTS ON WAREHOUSE ${quoteIdent(whName)}`);
    const others = [
      ...new Set(
        grants
          .filter((g) => ['USAGE', 'OPERATE'].includes(String(g['privilege']).toUpperCase()) && String(g['granted_to']).toUpperCase() === 'ROLE' && String(g['grantee_name']) !== roleName)
          .map((g) => String(g['grantee_name'])),
      ),
    ];
    if (others.length > 0) {
      out.push(warn(`${label} warehouse dedicated`, `${whName} is not dedicated to Airlock: role(s) ${others.join(', ')} can also run queries on it, so its queue and credits are shared`, `give Airlock its own warehouse (CREATE WAREHOUSE AIRLOCK_WH …, docs/snowflake-cost.md) or REVOKE USAGE ON WAREHOUSE ${whName} FROM ROLE ${others[0]}`));
    } else {
      out.push(ok(`${label} warehouse dedicated`, `only ${roleName ?? 'Airlock\'s role'} may use ${whName}`));
    }
  } catch (e) {
    out.push(warn(`${label} warehouse dedicated`, `cannot tell whether ${whName} is shared: SHOW GRANTS ON WAREHOUSE failed (${reason(e)})`, `check that only Airlock's role has USAGE on ${whName}`));
  }
  return out;
}
