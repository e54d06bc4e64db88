import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { snowflakeConfigOf, type SnowflakeConfig } from '#shared/adapters/snowflake/snowflake-config.js';
import { parseEnv, type AirlockEnv } from '#shared/config/env.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import { readRuntimeInfo } from '#local/runtime-file.js';
import { fail, ok, reason, warn, type DoctorCheck } from './doctor-check.js';
import { jwksCheck } from './jwks-check.js';
import { snowflakeChecks } from './snowflake-checks.js';

export interface LocalDoctorInput {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** `--policy`, else AIRLOCK_POLICY, else policy/default.yaml. */
  policyFile?: string;
  openWarehouse: (config: SnowflakeConfig) => Promise<Warehouse>;
}

/**
 * `airlock doctor` (no --aws): the environment parses; the policy file loads; the data folder and
 * its keys; the running runtime answers `/v1/health`; with SNOWFLAKE_* set, the Snowflake login
 * and cost guards; with OIDC_JWKS_URL set, the IdP's keys.
 */
export async function localChecks(input: LocalDoctorInput): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  let env: AirlockEnv | undefined;
  try {
    env = parseEnv(input.env);
    out.push(ok('environment', 'AIRLOCK_*, OIDC_*, SLACK_* and SNOWFLAKE_* variables parse'));
  } catch (e) {
    const snowflake = /SNOWFLAKE_/.test(reason(e));
    out.push(fail(snowflake ? 'Snowflake settings' : 'environment', reason(e), snowflake ? 'fix the SNOWFLAKE_* variables (docs/snowflake.md)' : 'fix or unset that variable (docs/configuration.md)'));
  }

  const policyFile = input.policyFile ?? (input.env['AIRLOCK_POLICY'] || undefined);
  try {
    const policy = loadPolicy(policyFile);
    out.push(ok(`policy ${policyFile ?? 'policy/default.yaml'}`, `valid (${policy.approvers.length} approver(s), approval timeout ${policy.approval.timeoutSeconds} s)`));
  } catch (e) {
    out.push(fail(`policy ${policyFile ?? 'policy/default.yaml'}`, reason(e), 'fix the policy (airlock classify --policy FILE shows the same error; airlock init policy prints a commented one)'));
  }

  const dir = input.dataDir;
  if (!existsSync(dir)) {
    out.push(warn(`data folder ${dir}`, 'does not exist yet', 'start the runtime once (npm start) to create it, or set AIRLOCK_DATA_DIR'));
  } else if (!statSync(dir).isDirectory()) {
    out.push(fail(`data folder ${dir}`, 'is not a folder', 'set AIRLOCK_DATA_DIR to a folder'));
  } else {
    const bad: string[] = [];
    for (const f of ['records.pem', 'exports.pem']) {
      const p = join(dir, 'keys', f);
      if (!existsSync(p)) continue;
      try {
        createPrivateKey(readFileSync(p, 'utf8'));
      } catch {
        bad.push(`keys/${f} is not a private key`);
      }
    }
    const missing = ['records.pem', 'exports.pem'].filter((f) => !existsSync(join(dir, 'keys', f)));
    if (bad.length > 0) out.push(fail(`data folder ${dir}`, bad.join('; '), 'restore the key from a backup; a new key cannot verify old records'));
    else if (missing.length > 0) out.push(warn(`data folder ${dir}`, `no ${missing.map((f) => `keys/${f}`).join(', ')} yet`, 'start the runtime once (npm start) to create the signing keys'));
    else out.push(ok(`data folder ${dir}`, 'signing keys present (keys/records.pem, keys/exports.pem)'));

    const info = readRuntimeInfo(dir);
    if (info === null) {
      out.push(warn('local runtime', `not running on this data folder`, 'npm start (or AIRLOCK_DATA_DIR=… npm start)'));
    } else {
      try {
        const r = await fetch(new URL('/v1/health', info.url), { signal: AbortSignal.timeout(3_000) });
        if (r.ok) out.push(ok('local runtime', `pid ${info.pid} answers ${info.url}/v1/health`));
        else out.push(fail('local runtime', `pid ${info.pid} answers /v1/health with HTTP ${r.status}`, 'read the runtime\'s log; restart it'));
      } catch (e) {
        out.push(fail('local runtime', `pid ${info.pid} does not answer ${info.url}: ${reason((e as { cause?: unknown }).cause ?? e)}`, 'restart it (npm start)'));
      }
    }
  }

  if (env?.SNOWFLAKE_ACCOUNT === undefined) {
    if (env !== undefined) out.push(ok('Snowflake', 'not configured: the local runtime runs queries on DuckDB'));
  } else {
    let config: SnowflakeConfig | null = null;
    try {
      config = snowflakeConfigOf(env);
    } catch (e) {
      out.push(fail('Snowflake settings', reason(e), 'fix the SNOWFLAKE_* variables (docs/snowflake.md)'));
    }
    if (config !== null) {
      let w: Warehouse | undefined;
      try {
        w = await input.openWarehouse(config);
        out.push(...(await snowflakeChecks(w, { user: config.user, ...(config.warehouse === undefined ? {} : { warehouse: config.warehouse }), ...(config.role === undefined ? {} : { role: config.role }) })));
      } finally {
        await w?.close().catch(() => undefined);
      }
    }
  }
  if (env?.OIDC_JWKS_URL !== undefined) out.push(await jwksCheck(env.OIDC_JWKS_URL));
  return out;
}
