import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jwksCheck } from '#cli/doctor/jwks-check.js';
import { snowflakeChecks } from '#cli/doctor/snowflake-checks.js';
import { formatCheck } from '#cli/doctor/doctor-check.js';
import { SnowflakeWarehouse } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import { fakeSnowflakeAccount } from '#test/helpers/fake-snowflake-account.js';
import { startFakeSnowflake, type FakeSnowflake } from '#test/helpers/fake-snowflake-server.js';
import { fakeSnowflakeEnv, testKeys } from '../snowflake/snowflake-fixture.js';
import { removeDir, startTestRuntime } from '#test/helpers/local-runtime.js';
import { runCli } from '#test/helpers/run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function airlock(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'airlock-doctor-'));
  dirs.push(cwd);
  return { ...(await runCli(argv, { env: { AIRLOCK_DATA_DIR: join(cwd, 'data'), ...env }, cwd })), cwd };
}

const account = fakeSnowflakeAccount({
  role: 'AIRLOCK_ROLE',
  warehouse: 'AIRLOCK_WH',
  warehouses: [{ name: 'AIRLOCK_WH', resourceMonitor: 'AIRLOCK_MONITOR' }, { name: 'COMPUTE_WH' }],
  monitors: [{ name: 'AIRLOCK_MONITOR', creditQuota: 100, notifyAt: [75], suspendAt: 90, suspendImmediateAt: 100 }],
  grants: { AIRLOCK_WH: [{ privilege: 'USAGE', role: 'AIRLOCK_ROLE' }], COMPUTE_WH: [{ privilege: 'USAGE', role: 'ANALYST' }] },
});
const pristine = structuredClone(account.state);
let sf: FakeSnowflake;

beforeAll(async () => {
  sf = await startFakeSnowflake({ publicKeyPem: testKeys().publicKeyPem, intercept: account.intercept });
});
afterAll(async () => {
  await sf.close();
});
afterEach(() => {
  Object.assign(account.state, structuredClone(pristine));
});

async function check(target: { warehouse?: string; role?: string } = {}, privateKeyPem = testKeys().privateKeyPem) {
  const w = new SnowflakeWarehouse({ account: 'testaccount', user: 'airlock_svc', auth: { kind: 'key-pair', privateKeyPem }, accessUrl: sf.url, ...target }, { loginRetries: 0 });
  try {
    return await snowflakeChecks(w, { user: 'airlock_svc', ...target });
  } finally {
    await w.close();
  }
}
const lines = (cs: Awaited<ReturnType<typeof check>>) => cs.map(formatCheck);

describe('doctor: Snowflake login and cost guards, against the wire-level fake', () => {
  it('a dedicated warehouse with a suspending monitor: every check ok, after SELECT 1 and the SHOW commands on the wire', async () => {
    const cs = await check();
    expect(cs.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(lines(cs).join('\n')).toMatch(/ok {3}Snowflake login: logged in as airlock_svc and ran SELECT 1/);
    expect(lines(cs).join('\n')).toMatch(/AIRLOCK_MONITOR on AIRLOCK_WH: 100.00 credits monthly, suspends at 90%/);
    const sent = sf.queries.map((q) => q.sqlText);
    expect(sent).toEqual(expect.arrayContaining(['SELECT 1 AS OK', 'SHOW WAREHOUSES', 'SHOW RESOURCE MONITORS', 'SHOW GRANTS ON WAREHOUSE "AIRLOCK_WH"']));
  });

  it('no resource monitor on the warehouse: WARN naming the warehouse and the SQL that fixes it', async () => {
    account.state.warehouses[0]!.resourceMonitor = undefined;
    const cs = await check();
    const m = cs.find((c) => c.name === 'Snowflake resource monitor')!;
    expect(m.status).toBe('warn');
    expect(formatCheck(m)).toMatch(/^WARN Snowflake resource monitor: warehouse AIRLOCK_WH has no resource monitor.*ALTER WAREHOUSE AIRLOCK_WH SET RESOURCE_MONITOR/);
    expect(cs.some((c) => c.status === 'fail')).toBe(false);
  });

  it('a monitor that only notifies, or has no quota: WARN', async () => {
    account.state.monitors[0] = { name: 'AIRLOCK_MONITOR', creditQuota: 100, notifyAt: [50, 75] };
    expect((await check()).find((c) => c.name === 'Snowflake resource monitor')!.detail).toMatch(/only notifies/);
    account.state.monitors[0] = { name: 'AIRLOCK_MONITOR', suspendAt: 90 };
    expect((await check()).find((c) => c.name === 'Snowflake resource monitor')!.detail).toMatch(/no credit quota/);
  });

  it('a warehouse other roles use, or a monitor other warehouses share: WARN "not dedicated"', async () => {
    account.state.grants['AIRLOCK_WH'] = [{ privilege: 'USAGE', role: 'AIRLOCK_ROLE' }, { privilege: 'USAGE', role: 'ANALYST' }, { privilege: 'OPERATE', role: 'ETL' }];
    let ded = (await check()).filter((c) => c.name === 'Snowflake warehouse dedicated');
    expect(ded.map((c) => c.status)).toEqual(['warn']);
    expect(ded[0]!.detail).toBe('AIRLOCK_WH is not dedicated to Airlock: role(s) ANALYST, ETL can also run queries on it, so its queue and credits are shared');
    Object.assign(account.state, structuredClone(pristine));
    account.state.warehouses[1]!.resourceMonitor = 'AIRLOCK_MONITOR';
    ded = (await check()).filter((c) => c.name === 'Snowflake warehouse dedicated');
    expect(ded[0]!.status).toBe('warn');
    expect(ded[0]!.detail).toMatch(/resource monitor AIRLOCK_MONITOR also covers COMPUTE_WH/);
  });

  it('the warehouse and role from the settings win over the session defaults; a warehouse the role cannot see FAILs', async () => {
    const cs = await check({ warehouse: 'compute_wh', role: 'ANALYST' });
    expect(cs.find((c) => c.name.startsWith('Snowflake warehouse C'))!.name).toBe('Snowflake warehouse COMPUTE_WH');
    // COMPUTE_WH has no monitor: warned.
    expect(cs.find((c) => c.name === 'Snowflake resource monitor')!.status).toBe('warn');
    const missing = await check({ warehouse: 'NOPE_WH' });
    expect(missing.at(-1)!.status).toBe('fail');
    expect(formatCheck(missing.at(-1)!)).toMatch(/FAIL Snowflake warehouse NOPE_WH: not visible to role AIRLOCK_ROLE.*GRANT USAGE ON WAREHOUSE NOPE_WH TO ROLE AIRLOCK_ROLE/);
  });

  it('no warehouse anywhere: FAIL; SHOW commands refused by the role: WARN, never ok', async () => {
    account.state.warehouse = null;
    expect((await check()).at(-1)!.detail).toMatch(/no warehouse/);
    account.state.warehouse = 'AIRLOCK_WH';
    account.state.refuse = /^SHOW GRANTS/i;
    const cs = await check();
    expect(cs.find((c) => c.name === 'Snowflake warehouse dedicated')!.status).toBe('warn');
    expect(cs.find((c) => c.name === 'Snowflake warehouse dedicated')!.detail).toMatch(/cannot tell/);
  });

  it('a key the user does not hold: FAIL on login, no private key material in the line', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cs = await check({}, other);
    expect(cs).toHaveLength(1);
    expect(cs[0]!.status).toBe('fail');
    expect(formatCheck(cs[0]!)).not.toContain('PRIVATE KEY');
    expect(formatCheck(cs[0]!)).not.toContain(sf.url);
  });
});

describe('doctor: OIDC JWKS', () => {
  let server: Server;
  let base = '';
  const bodies: Record<string, [number, string]> = {
    '/good': [200, JSON.stringify({ keys: [{ kty: 'RSA', kid: 'a', n: 'x', e: 'AQAB', use: 'sig' }] })],
    '/empty': [200, JSON.stringify({ keys: [] })],
    '/enc': [200, JSON.stringify({ keys: [{ kty: 'RSA', use: 'enc' }] })],
    '/html': [200, '<html>login</html>'],
    '/gone': [404, 'not found'],
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const [status, body] = bodies[req.url ?? ''] ?? [500, ''];
      res.writeHead(status).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers with a signing key: ok; empty, encryption-only, not JSON, 404, nobody listening: FAIL', async () => {
    expect((await jwksCheck(`${base}/good`)).status).toBe('ok');
    for (const [path, words] of [['/empty', /no keys/], ['/enc', /signing key/], ['/html', /not JSON/], ['/gone', /HTTP 404/]] as const) {
      const c = await jwksCheck(`${base}${path}`);
      expect([c.status, c.detail]).toEqual(['fail', expect.stringMatching(words)]);
    }
    expect((await jwksCheck('http://127.0.0.1:1/keys', 1000)).detail).toMatch(/no answer/);
  });
});

describe('airlock doctor (local)', () => {
  it('a fresh checkout: policy valid, no data folder yet (WARN), Snowflake not configured; exit 0', async () => {
    const r = await airlock(['doctor']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {3}environment: /m);
    expect(r.out).toMatch(/^ok {3}policy policy\/default\.yaml: valid/m);
    expect(r.out).toMatch(/^WARN data folder .*: does not exist yet — start the runtime once/m);
    expect(r.out).toMatch(/^ok {3}Snowflake: not configured/m);
    expect(r.out).toMatch(/^doctor: \d+ ok, 1 warning\(s\), 0 failed$/m);
  });

  it('a running runtime: its data folder, keys and /v1/health are ok; a stale runtime.json whose process answers nothing FAILs', async () => {
    const t = await startTestRuntime();
    try {
      const r = await airlock(['doctor'], { AIRLOCK_DATA_DIR: t.dir });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/^ok {3}data folder .*: signing keys present/m);
      expect(r.out).toMatch(new RegExp(`^ok {3}local runtime: pid ${process.pid} answers http://127\\.0\\.0\\.1:\\d+/v1/health$`, 'm'));
      // The runtime.json of a live process (this one) that no longer serves: the URL points nowhere.
      const { writeRuntimeInfo, readRuntimeInfo } = await import('#local/runtime-file.js');
      const info = readRuntimeInfo(t.dir)!;
      await t.close();
      writeRuntimeInfo(t.dir, { ...info, url: 'http://127.0.0.1:1' });
      const dead = await airlock(['doctor'], { AIRLOCK_DATA_DIR: t.dir });
      expect(dead.code).toBe(1);
      expect(dead.out).toMatch(/^FAIL local runtime: pid \d+ does not answer http:\/\/127\.0\.0\.1:1: .* — restart it/m);
    } finally {
      await t.close().catch(() => undefined);
      removeDir(t.dir);
    }
  });

  it('a broken policy, a bad variable: FAIL and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-doctor-policy-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'bad.yaml'), 'version: 1\nrules: [nonsense\n');
    const r = await airlock(['doctor', '--policy', join(dir, 'bad.yaml')], { AIRLOCK_PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL policy .*bad\.yaml: /m);
    expect(r.out).toMatch(/^FAIL environment: ERR_CONFIG: AIRLOCK_PORT: /m);
  });

  it('Snowflake settings in the environment: the same login and cost checks; a half-set Snowflake FAILs', async () => {
    const r = await airlock(['doctor'], fakeSnowflakeEnv(sf));
    expect(r.out).toMatch(/^ok {3}Snowflake login: logged in as airlock_svc/m);
    expect(r.out).toMatch(/^ok {3}Snowflake resource monitor: AIRLOCK_MONITOR/m);
    expect(r.out).not.toContain('PRIVATE KEY');
    const half = await airlock(['doctor'], { SNOWFLAKE_ACCOUNT: 'testaccount', SNOWFLAKE_USER: 'airlock_svc' });
    expect(half.code).toBe(1);
    expect(half.out).toMatch(/^FAIL Snowflake settings: ERR_CONFIG: SNOWFLAKE_PRIVATE_KEY .*— fix the SNOWFLAKE_\* variables/m);
  });

  it('usage: AWS names without --aws, --policy with --aws, a bad prefix or endpoint: exit 2', async () => {
    expect((await airlock(['doctor', '--table-prefix', 'x'])).err).toMatch(/--table-prefix is for a deployed stack: add --aws/);
    expect((await airlock(['doctor', '--aws', '--policy', 'p.yaml'])).code).toBe(2);
    expect((await airlock(['doctor', '--aws', '--table-prefix', 'Bad_Prefix'])).code).toBe(2);
    expect((await airlock(['doctor', '--endpoint', 'file:///etc/passwd'])).code).toBe(2);
    expect((await airlock(['doctor', '--aws', '--slack-secret', 'a b'])).code).toBe(2);
  });
});
