import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';
import { cliBin } from '../helpers/cli-bin.js';
import { REPO_ROOT, startMcp, textOf, type McpUnderTest } from '../helpers/mcp-client.js';

const run = promisify(execFile);

let t: TestRuntime;
let mcp: McpUnderTest;
let agentToken: string;

beforeAll(async () => {
  t = await startTestRuntime();
  agentToken = await t.token({ ttlSeconds: 3600 });
  mcp = await startMcp({ AIRLOCK_URL: t.rt.url, AIRLOCK_TOKEN: agentToken });
});
afterAll(async () => {
  await mcp?.close();
  await t?.close();
  if (t) removeDir(t.dir);
});

const call = (name: string, args: Record<string, unknown>) => mcp.client.callTool({ name, arguments: args });
const requestIdIn = (text: string): string => /request_id: ([0-9A-Z]{26})/.exec(text)?.[1] ?? '';
const sessionIn = (text: string): string => /session ([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? '';

async function recordsOf(sessionId: string): Promise<Array<{ type: string; body: Record<string, unknown> }>> {
  const res = await t.get(`/v1/sessions/${sessionId}`, await t.token());
  expect(res.status).toBe(200);
  return res.json.records;
}

describe('airlock mcp: tools', () => {
  it('lists the five tools, with reason required and described as the user request', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual(['describe_table', 'explain_policy', 'get_query_result', 'list_tables', 'run_query']);
    const runQuery = tools.find((x) => x.name === 'run_query')!;
    expect(runQuery.inputSchema.required).toEqual(expect.arrayContaining(['sql', 'reason']));
    expect(JSON.stringify(runQuery.inputSchema.properties)).toMatch(/user request/);
    expect(runQuery.description).toMatch(/get_query_result/);
  });

  it('matches the Messages-API tool definitions in examples/ (same arguments, same required ones)', async () => {
    const { tools } = await mcp.client.listTools();
    const definitions = JSON.parse(readFileSync(new URL('../../examples/claude-tools.json', import.meta.url), 'utf8')) as Array<{ name: string; input_schema: { properties: object; required: string[] } }>;
    for (const def of definitions) {
      const tool = tools.find((x) => x.name === def.name)!;
      expect(Object.keys(tool.inputSchema.properties ?? {}).sort(), def.name).toEqual(Object.keys(def.input_schema.properties).sort());
      expect([...(tool.inputSchema.required ?? [])].sort(), def.name).toEqual([...def.input_schema.required].sort());
    }
  });
});

describe('airlock mcp: run_query', () => {
  it('runs a read and returns a masked table with masking and truncation stated, recorded with the reason as prompt', async () => {
    const result = await call('run_query', { sql: 'SELECT id, name, email, phone FROM customers ORDER BY id LIMIT 3', reason: 'show me three customers' });
    const text = textOf(result);
    expect(result.isError).toBeFalsy();
    expect(text).toMatch(/^Executed \(risk: read\)/);
    expect(text).toContain('| id | name | email | phone |');
    expect(text.split('\n').filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(3);
    expect(text).not.toMatch(/@example\./);
    expect(text).toMatch(/Masking: .*email → pseudonym \(3 cells\)/);
    expect(text).toContain('Truncated: no');

    const records = await recordsOf(sessionIn(text));
    expect(records.map((r) => r.type)).toEqual(['query.requested', 'query.executed']);
    expect(records[0]!.body['prompt']).toBe('show me three customers');
  });

  it('keeps one Airlock session per connection, and uses session_id when the model passes one', async () => {
    const a = textOf(await call('run_query', { sql: 'SELECT 1 AS one', reason: 'check the connection' }));
    const b = textOf(await call('run_query', { sql: 'SELECT 2 AS two', reason: 'check the connection' }));
    expect(sessionIn(a)).toMatch(/^[0-9A-Z]{26}$/);
    expect(sessionIn(b)).toBe(sessionIn(a));
    const c = textOf(await call('run_query', { sql: 'SELECT 3 AS three', reason: 'separate task', session_id: 'mcp-own-session' }));
    expect(sessionIn(c)).toBe('mcp-own-session');
    expect((await recordsOf('mcp-own-session')).map((r) => r.type)).toEqual(['query.requested', 'query.executed']);
  });

  it('answers a DELETE with a pending approval: request id, approvers, expiry and what to call next; it stays pending', async () => {
    const result = await call('run_query', { sql: 'DELETE FROM orders WHERE id = 1', reason: 'remove the duplicate order 1' });
    const text = textOf(result);
    expect(result.isError).toBeFalsy();
    expect(text).toMatch(/^Pending approval — the statement has NOT run \(risk: write\)/);
    const requestId = requestIdIn(text);
    expect(requestId).toMatch(/^[0-9A-Z]{26}$/);
    expect(text).toMatch(/Needs 1 approval from distinct approvers among: UAPPROVER1, UAPPROVER2/);
    expect(text).toMatch(/Expires at: \d{4}-\d\d-\d\dT/);
    expect(text).toContain(`get_query_result with {"request_id": "${requestId}"`);

    const again = textOf(await call('get_query_result', { request_id: requestId, wait_seconds: 0 }));
    expect(again).toMatch(/^Still pending approval/);
    expect(again).toContain('Votes: none yet (0 of 1 required)');
  });

  it('after an approval through the CLI, get_query_result returns executed', async () => {
    const text = textOf(await call('run_query', { sql: "UPDATE orders SET status = 'cancelled' WHERE id = 2", reason: 'cancel order 2' }));
    const requestId = requestIdIn(text);
    expect(requestId).not.toBe('');
    await run(process.execPath, [cliBin(), 'approve', requestId, '--as', 'UAPPROVER1'], {
      cwd: REPO_ROOT,
      env: { ...process.env, AIRLOCK_URL: t.rt.url, AIRLOCK_DATA_DIR: t.dir },
    });
    const result = await call('get_query_result', { request_id: requestId, wait_seconds: 25 });
    expect(textOf(result)).toMatch(/^Executed \(risk: write\)/);
    expect(result.isError).toBeFalsy();
  });

  it('returns a forbidden statement as a tool error with the code and the reasons', async () => {
    const result = await call('run_query', { sql: 'DROP DATABASE demo', reason: 'clean up' });
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toMatch(/^ERR_POLICY_DENIED: Airlock refused this statement and did not run it \(risk: blocked/);
    expect(text).toMatch(/Reasons:\n- B\d/);
    expect(text).toContain('POL-BLOCKED');
    expect(text).toMatch(/What to do: Do not retry/);
  });

  it('returns gateway errors as tool errors that lead with the gateway code', async () => {
    const invalid = await call('run_query', { sql: '   ;  ', reason: 'nothing' });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toMatch(/^ERR_SQL_INVALID: /);
    const unknown = await call('get_query_result', { request_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', wait_seconds: 0 });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(/^ERR_NOT_FOUND: .*\nWhat to do: /);
    const failed = await call('run_query', { sql: 'SELECT nope FROM no_such_table', reason: 'typo' });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(/^ERR_WAREHOUSE: the warehouse did not complete the statement \(request [0-9A-Z]{26}, recorded as failed, sqlState \w+\):\nCatalog Error/);
  });

  it('turns bad arguments into validation errors, not a crash, and keeps serving', async () => {
    for (const [name, args] of [
      ['run_query', { sql: 'SELECT 1' }],
      ['run_query', { sql: 42, reason: 'x' }],
      ['run_query', { sql: 'SELECT 1', reason: 'x', session_id: 'bad id!' }],
      ['get_query_result', { request_id: 'nope' }],
      ['get_query_result', { request_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', wait_seconds: 99 }],
      ['describe_table', { table: "customers'; DROP TABLE x; --" }],
    ] as const) {
      const result = await call(name, args);
      expect(result.isError, `${name} ${JSON.stringify(args)}`).toBe(true);
      expect(textOf(result)).toMatch(/validation|ERR_VALIDATION|Invalid/i);
    }
    expect(textOf(await call('run_query', { sql: 'SELECT 1 AS still_here', reason: 'after bad input' }))).toContain('still_here');
  });
});

describe('airlock mcp: discovery and policy', () => {
  it('lists tables and describes one through the gateway, recorded as ordinary read queries', async () => {
    const tables = await call('list_tables', { session_id: 'mcp-discovery' });
    expect(tables.isError).toBeFalsy();
    expect(textOf(tables)).toMatch(/\| customers \|/);
    const columns = await call('describe_table', { table: 'customers', session_id: 'mcp-discovery' });
    const text = textOf(columns);
    expect(text).toMatch(/\| email \|/);
    expect(text).toMatch(/\| ssn \|/);
    const records = await recordsOf('mcp-discovery');
    const requested = records.filter((r) => r.type === 'query.requested');
    expect(requested.map((r) => r.body['risk'])).toEqual(['read', 'read']);
    expect(String(requested[0]!.body['sql'])).toMatch(/information_schema\.tables/);
    expect(String(requested[1]!.body['sql'])).toMatch(/information_schema\.columns/);
    expect(records.filter((r) => r.type === 'query.executed')).toHaveLength(2);
  });

  it('explains the policy for this identity and why a statement is classified as it is', async () => {
    const result = await call('explain_policy', { sql: 'DELETE FROM orders' });
    expect(result.isError).toBeFalsy();
    const text = textOf(result);
    expect(text).toMatch(/^Identity: agent \(agent@example\.com\), groups: none\./);
    expect(text).toContain('Runs without approval: read SQL.');
    expect(text).toContain('Needs approval: write SQL (1 approval; policy rules.write), privileged SQL (2 approvals; policy rules.privileged).');
    expect(text).toContain('Always refused: blocked SQL');
    expect(text).toMatch(/Sensitive objects .*\*\.HR\.\* → 2 approvals/);
    expect(text).toMatch(/Masked columns: .*SSN \(redact\)/);
    expect(text).toContain('This SQL: risk write → needs 1 approval before it runs. Nothing was run or recorded.');
    expect(text).toMatch(/- delete \(write\): write ORDERS/);
    expect(text).toMatch(/Reasons:\n- W1 /);
    const bare = textOf(await call('explain_policy', {}));
    expect(bare).toContain('Runs without approval: read SQL.');
    expect(bare).not.toContain('This SQL');
  });
});

describe('airlock mcp: stdio hygiene', () => {
  it('writes nothing but protocol to stdout: the client saw no unparseable line, and the logs went to stderr', async () => {
    expect(mcp.protocolErrors).toEqual([]);
    expect(mcp.stderr()).toMatch(/"msg":"MCP server ready"/);
    // The token's signature part never reaches a log line.
    expect(mcp.stderr()).not.toContain(agentToken.split('.')[2]!);
  });
});
