import type { CannedResult } from './fake-snowflake-server.js';
import type { WireColumn, WireRow } from './fake-snowflake-wire.js';

type Answer = CannedResult | { error: { code: string; message: string; sqlState: string } } | undefined;

export interface FakeWarehouse {
  name: string;
  size?: string;
  maxClusterCount?: number;
  /** The monitor's name; undefined → Snowflake shows the text 'null'. */
  resourceMonitor?: string;
  comment?: string;
}

export interface FakeResourceMonitor {
  name: string;
  creditQuota?: number;
  frequency?: 'MONTHLY' | 'DAILY' | 'WEEKLY' | 'YEARLY' | 'NEVER';
  level?: 'ACCOUNT' | 'WAREHOUSE';
  notifyAt?: number[];
  suspendAt?: number;
  suspendImmediateAt?: number;
}

export interface FakeGrant {
  privilege: string;
  role: string;
}

/**
 * Account objects for the fake wire server (its `intercept` option), answered in the shapes
 * Snowflake documents (docs.snowflake.com/en/sql-reference/sql/show-warehouses,
 * …/show-resource-monitors, …/show-grants): lower-case SHOW column names, `Y`/`N`-style and
 * numeric cells as text or `fixed`, a missing monitor as the text `null`, triggers as `90%`.
 * Also `CURRENT_ROLE()` / `CURRENT_WAREHOUSE()` for the session. Mutable: tests change the
 * account between runs.
 *
 * @example
 * const account = fakeSnowflakeAccount({ role: 'AIRLOCK_ROLE', warehouse: 'AIRLOCK_WH', warehouses: [{ name: 'AIRLOCK_WH' }] });
 * const sf = await startFakeSnowflake({ publicKeyPem, intercept: account.intercept });
 */
export function fakeSnowflakeAccount(init: { role: string; warehouse: string | null; warehouses: FakeWarehouse[]; monitors?: FakeResourceMonitor[]; grants?: Record<string, FakeGrant[]>; refuse?: RegExp }) {
  const state = { ...init, monitors: init.monitors ?? [], grants: init.grants ?? {} };
  const col = (name: string, type = 'text'): WireColumn => ({ name, type, scale: type === 'fixed' ? 0 : type.startsWith('timestamp') ? 9 : null, precision: type === 'fixed' ? 38 : type.startsWith('timestamp') ? 0 : null, length: type === 'text' ? 16_777_216 : null, nullable: true, byteLength: null });
  const created = '1764547200.000000000'; // 2025-12-01T00:00:00Z, as Snowflake's epoch text
  const like = (sql: string): RegExp | null => {
    const m = /\bLIKE\s+'((?:[^']|'')*)'/i.exec(sql);
    if (m === null) return null;
    const pattern = m[1]!.replace(/''/g, "'").replace(/[.+^${}()|[\]\\*?]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
    return new RegExp(`^${pattern}$`, 'i');
  };
  const table = (cols: WireColumn[], rows: WireRow[]): CannedResult => ({ rowtype: cols, rowset: rows });

  function showWarehouses(sql: string): CannedResult {
    const cols = [
      col('name'), col('state'), col('type'), col('size'), col('min_cluster_count', 'fixed'), col('max_cluster_count', 'fixed'), col('started_clusters', 'fixed'),
      col('running', 'fixed'), col('queued', 'fixed'), col('is_default'), col('is_current'), col('auto_suspend', 'fixed'), col('auto_resume'), col('available'),
      col('provisioning'), col('quiescing'), col('other'), col('created_on', 'timestamp_ltz'), col('resumed_on', 'timestamp_ltz'), col('updated_on', 'timestamp_ltz'),
      col('owner'), col('comment'), col('enable_query_acceleration'), col('query_acceleration_max_scale_factor', 'fixed'), col('resource_monitor'),
      col('actives', 'fixed'), col('pendings', 'fixed'), col('failed', 'fixed'), col('suspended', 'fixed'), col('uuid'), col('scaling_policy'),
    ];
    const re = like(sql);
    const rows = state.warehouses
      .filter((w) => re === null || re.test(w.name))
      .map((w): WireRow => {
        const current = w.name === state.warehouse;
        return [
          w.name, 'SUSPENDED', 'STANDARD', w.size ?? 'X-Small', '1', String(w.maxClusterCount ?? 1), '0', '0', '0', current ? 'Y' : 'N', current ? 'Y' : 'N', '60', 'true', '', '', '', '',
          created, created, created, 'SYSADMIN', w.comment ?? '', 'false', '8', w.resourceMonitor ?? 'null', '0', '0', '0', '1', '7b2f0000-0000-0000-0000-000000000001', 'STANDARD',
        ];
      });
    return table(cols, rows);
  }

  function showMonitors(sql: string): CannedResult {
    const cols = [
      col('name'), col('credit_quota'), col('used_credits'), col('remaining_credits'), col('level'), col('frequency'), col('start_time', 'timestamp_ltz'), col('end_time', 'timestamp_ltz'),
      col('notify_at'), col('suspend_at'), col('suspend_immediately_at'), col('created_on', 'timestamp_ltz'), col('owner'), col('comment'), col('notify_users'),
    ];
    const re = like(sql);
    const pct = (n: number | undefined) => (n === undefined ? null : `${n}%`);
    const rows = state.monitors
      .filter((m) => re === null || re.test(m.name))
      .map((m): WireRow => {
        const assigned = state.warehouses.some((w) => w.resourceMonitor === m.name);
        const quota = m.creditQuota === undefined ? null : m.creditQuota.toFixed(2);
        return [
          m.name, quota, '0.00', quota, m.level ?? (assigned ? 'WAREHOUSE' : null), m.frequency ?? 'MONTHLY', created, null,
          m.notifyAt === undefined ? null : m.notifyAt.map((n) => `${n}%`).join(','), pct(m.suspendAt), pct(m.suspendImmediateAt), created, 'ACCOUNTADMIN', null, '',
        ];
      });
    return table(cols, rows);
  }

  function showGrants(name: string): CannedResult {
    const cols = [col('created_on', 'timestamp_ltz'), col('privilege'), col('granted_on'), col('name'), col('granted_to'), col('grantee_name'), col('grant_option'), col('granted_by')];
    const rows = (state.grants[name] ?? []).map((g): WireRow => [created, g.privilege, 'WAREHOUSE', name, 'ROLE', g.role, 'false', 'SYSADMIN']);
    return table(cols, [[created, 'OWNERSHIP', 'WAREHOUSE', name, 'ROLE', 'SYSADMIN', 'true', 'SYSADMIN'], ...rows]);
  }

  async function intercept(sqlText: string): Promise<Answer> {
    const sql = sqlText.trim().replace(/;$/, '');
    if (state.refuse?.test(sql)) return { error: { code: '003001', message: 'SQL access control error:\nInsufficient privileges to operate on account', sqlState: '42501' } };
    if (/^SELECT\s+CURRENT_ROLE\(\)/i.test(sql)) {
      return table([col('ROLE'), col('WAREHOUSE')], [[state.role, state.warehouse]]);
    }
    if (/^SHOW\s+WAREHOUSES\b/i.test(sql)) return showWarehouses(sql);
    if (/^SHOW\s+RESOURCE\s+MONITORS\b/i.test(sql)) return showMonitors(sql);
    const grants = /^SHOW\s+GRANTS\s+ON\s+WAREHOUSE\s+("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)$/i.exec(sql);
    if (grants) {
      const raw = grants[1]!;
      const name = raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toUpperCase();
      if (!state.warehouses.some((w) => w.name === name)) return { error: { code: '002003', message: `SQL compilation error:\nWarehouse '${name}' does not exist or not authorized.`, sqlState: '02000' } };
      return showGrants(name);
    }
    return undefined;
  }

  return { state, intercept };
}
