/**
 * `npm run loadtest [-- --requests 2000 --concurrency 32 --sessions 50 --json FILE --keep]`
 *
 * Starts its own local runtime (temp data folder, ephemeral loopback port), fires a deterministic
 * mix of reads, writes needing approval, blocked statements, invalid SQL, session reads and bad
 * tokens at it, clicks approvals and denials through the signed Slack interaction path while the
 * load runs, waits for every approval to finish, then exports everything with `airlock export`,
 * checks it with `airlock verify` and verifyChain per session, and prints the summary. Exit 0 only
 * when there were no 5xx, every answer was the expected one, every record is present and every
 * chain verifies. Bounded: at most 20,000 requests and --deadline seconds (default 600).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { main as cli } from '#cli/main.js';
import { UNPACED_IDENTITY, writeDefaultPolicyWith } from '#test/helpers/default-policy-file.js';
import { parseEnv } from '#shared/config/env.js';
import { approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { slackSignature } from '#shared/adapters/slack/slack-signature.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { createLogger } from '#local/logger.js';
import { startLocalRuntime } from '#local/runtime.js';
import { AGENTS, EXPECTED_RECORDS, EXPECTED_STATUS, FINAL_STATUS, plan, type LoadKind, type PlannedRequest } from './load-mix.js';
import { passed, percentile, render, type LoadSummary } from './load-report.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '32' },
    sessions: { type: 'string', default: '50' },
    deadline: { type: 'string', default: '600' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const bounded = (name: string, v: string, min: number, max: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
};
const TOTAL = bounded('requests', args.requests, 1, 20_000);
const CONCURRENCY = bounded('concurrency', args.concurrency, 1, 128);
const SESSIONS = bounded('sessions', args.sessions, 1, 1_000);
const DEADLINE_MS = bounded('deadline', args.deadline, 10, 3_600) * 1000;

// The run cannot outlive its deadline (plus time to report), whatever hangs.
const hardStop = setTimeout(() => {
  process.stderr.write(`loadtest: deadline of ${DEADLINE_MS / 1000} s passed; giving up\n`);
  process.exit(1);
}, DEADLINE_MS + 60_000);
hardStop.unref();

const dir = mkdtempSync(join(tmpdir(), 'airlock-load-'));
const runId = Date.now().toString(36);
const requests = plan(TOTAL, SESSIONS, runId);
// The default policy with the fair-use limits lifted to what the plan sends. Each agent's writes all
// wait for a click: more than the default 60 approval requests an hour (20 at once) once a run passes
// ~1,900 requests. And the final-status polls after the load come faster than the default pace's burst
// of 40. Past a limit a 429 (and its `query.throttled` record) is the right answer, but not what this
// run checks: fair use has its own tests and bench section (`fair-use`).
const writesPerAgent = Math.max(...Array.from({ length: AGENTS }, (_, a) => requests.filter((r) => r.agent === a && FINAL_STATUS[r.kind] !== undefined).length));
const policyFile = writeDefaultPolicyWith(join(dir, 'load-policy.yaml'), {
  approvalRequestsPerHour: Math.max(60, writesPerAgent),
  pendingApprovalsPerIdentity: Math.max(20, writesPerAgent),
  perIdentity: UNPACED_IDENTITY,
});
const rt = await startLocalRuntime({ env: parseEnv({ AIRLOCK_DATA_DIR: dir, AIRLOCK_PORT: '0', AIRLOCK_HOST: '127.0.0.1', AIRLOCK_POLICY: policyFile }), log: createLogger('silent') });
if (new URL(rt.url).hostname !== '127.0.0.1') throw new Error(`refusing to load anything but loopback: ${rt.url}`);
process.stderr.write(`loadtest: runtime at ${rt.url}, data in ${dir}\n`);

const tokens = await Promise.all(Array.from({ length: AGENTS }, (_, a) => rt.devIssuer!.issue({ sub: `load-agent-${a}`, email: `load-agent-${a}@example.com`, groups: [], ttlSeconds: 3600 })));
const badTokens = [undefined, 'not-a-jwt', `${tokens[0]!.slice(0, -6)}AAAAAA`, `${tokens[0]!.split('.')[0]}.e30.`, 'Bearer'];
const secret = rt.deps.approvals!.slackSigningSecret;

const byOutcome: Record<string, number> = {};
const unexpected: string[] = [];
let fiveXx = 0;
const latencies: Array<{ kind: LoadKind; ms: number }> = [];
const answered = new Map<number, { status: number; requestId?: string }>();
const clicks: Array<{ req: PlannedRequest; requestId: string }> = [];
const approvals = { clicked: 0, approved: 0, denied: 0, finalMismatch: 0 };
const deadline = Date.now() + DEADLINE_MS;

async function send(method: string, path: string, token: string | undefined, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${rt.url}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // kept as text for the report
  }
  return { status: res.status, json };
}

function note(kind: string, status: number, what: string, expected: number): void {
  const key = `${kind} → ${status}`;
  byOutcome[key] = (byOutcome[key] ?? 0) + 1;
  if (status >= 500) fiveXx++;
  if (status !== expected) unexpected.push(`${what}: ${status}`);
}

async function one(req: PlannedRequest): Promise<void> {
  const token = tokens[req.agent]!;
  const started = performance.now();
  let res: { status: number; json: any };
  if (req.kind === 'bad-token') {
    res = await send('POST', '/v1/queries', badTokens[req.index % badTokens.length], JSON.stringify({ prompt: 'load', sql: 'SELECT 1 AS one', sessionId: req.sessionId }));
  } else if (req.kind === 'poll-session') {
    res = await send('GET', `/v1/sessions/${req.sessionId}`, token);
    if (res.status === 404) res = { status: 200, json: null }; // a session not yet written to is not an error here
  } else {
    res = await send('POST', '/v1/queries', token, JSON.stringify({ prompt: `load ${req.kind} #${req.index}`, sql: req.sql, sessionId: req.sessionId, idempotencyKey: `load-${runId}-${req.index}` }));
  }
  latencies.push({ kind: req.kind, ms: performance.now() - started });
  note(req.kind, res.status, `#${req.index} ${req.kind} ${JSON.stringify(res.json?.error?.code ?? res.json?.status ?? '')}`, EXPECTED_STATUS[req.kind]);
  answered.set(req.index, { status: res.status, ...(typeof res.json?.requestId === 'string' ? { requestId: res.json.requestId } : {}) });
  if (res.status === 202 && typeof res.json?.requestId === 'string') clicks.push({ req, requestId: res.json.requestId });
}

/** An approver's click, exactly as Slack would post it (signed form body, fresh timestamp). */
async function click(c: { req: PlannedRequest; requestId: string }): Promise<void> {
  const approve = c.req.kind === 'write-approve';
  const body = approvalClickBody({ slackUserId: approve ? 'UAPPROVER1' : 'UAPPROVER2', vote: approve ? 'approve' : 'deny', requestId: c.requestId, ...(approve ? {} : { reason: 'load test denial' }) });
  const ts = String(Math.floor(Date.now() / 1000));
  const answer = await fetch(`${rt.url}/slack/interactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(secret, ts, body) },
    body,
  });
  const json = (await answer.json()) as { recorded?: boolean };
  approvals.clicked++;
  if (approve) approvals.approved++;
  else approvals.denied++;
  note(approve ? 'click approve' : 'click deny', answer.status, `click ${c.requestId}`, 200);
  if (answer.status === 200 && json.recorded !== true) unexpected.push(`click ${c.requestId}: not recorded`);
}

// The runtime serves in this process: its peak RSS under load is this process's.
let peakRss = process.memoryUsage().rss;
const rssStart = peakRss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
const t0 = performance.now();
let next = 0;
let loadDone = false;
const workers = Array.from({ length: CONCURRENCY }, async () => {
  while (next < requests.length && Date.now() < deadline) await one(requests[next++]!).catch((e: unknown) => unexpected.push(`transport: ${String(e)}`));
});
// Approvers click while the load runs: a few concurrent clickers drain the queue of pending requests.
const clickers = Array.from({ length: 4 }, async () => {
  while ((!loadDone || clicks.length > 0) && Date.now() < deadline) {
    const c = clicks.shift();
    if (c === undefined) await new Promise((r) => setTimeout(r, 20));
    else await click(c).catch((e: unknown) => unexpected.push(`click transport: ${String(e)}`));
  }
});
await Promise.all(workers);
loadDone = true;
await Promise.all(clickers);
const wallSeconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
if (next < requests.length) unexpected.push(`deadline passed after ${next} of ${requests.length} requests`);

// Every approval request must reach its final status (executed after approval, rejected after denial).
for (const req of requests) {
  const final = FINAL_STATUS[req.kind];
  const a = answered.get(req.index);
  if (final === undefined || a?.requestId === undefined) continue;
  let status = 'pending_approval';
  for (let i = 0; i < 10 && ['pending_approval', 'approved', 'running'].includes(status) && Date.now() < deadline; i++) {
    status = (await send('GET', `/v1/queries/${a.requestId}?waitSeconds=5`, tokens[req.agent])).json?.status;
  }
  if (status !== final) {
    approvals.finalMismatch++;
    unexpected.push(`#${req.index} ${req.kind} ended ${status}, expected ${final}`);
  }
}

// Export everything through the real CLI and verify it offline.
const out = join(dir, 'export');
const io = (stdout: Writable) => ({ stdin: process.stdin, stdout, stderr: sink(), env: { AIRLOCK_DATA_DIR: dir, AIRLOCK_URL: rt.url }, cwd: process.cwd() });
function sink(): Writable & { text: string } {
  const w = new Writable({ write: (c, _e, cb) => ((w.text += String(c)), cb()) }) as Writable & { text: string };
  w.text = '';
  return w;
}
const exportOut = sink();
const exportExit = await cli(['export', '--out', out], io(exportOut));
if (exportExit !== 0) unexpected.push(`airlock export exited ${exportExit}`);
const verifyOut = sink();
const verifyExit = exportExit === 0 ? await cli(['verify', out], io(verifyOut)) : -1;
const recordLines = exportExit === 0 ? readFileSync(join(out, 'records.jsonl'), 'utf8').split('\n').filter((l) => l !== '') : [];

const bySession = new Map<string, string[]>();
for (const line of recordLines) {
  const sessionId = (JSON.parse(line) as { sessionId: string }).sessionId;
  bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), line]);
}
const keysJson = (await send('GET', '/v1/keys', undefined)).json as { keys: Array<{ keyId: string; pem: string }>; certificates: string[] };
const keys = new Map(keysJson.keys.map((k) => [k.keyId, k.pem]));
const certificates = keysJson.certificates;
let verified = 0;
let findings = 0;
for (const lines of bySession.values()) {
  const v = verifyChain(lines, keys, { certificates });
  if (v.ok) verified++;
  findings += v.findings.length;
}
// A refusal over a quota or an approval cap (429) is still an answered request on record: one query.throttled.
const recordsOf = (r: (typeof requests)[number]): number => {
  const status = answered.get(r.index)?.status;
  if (status === EXPECTED_STATUS[r.kind]) return EXPECTED_RECORDS[r.kind];
  return status === 429 ? 1 : 0;
};
const expectedRecords = requests.reduce((n, r) => n + recordsOf(r), 0);
const expectedSessions = new Set(requests.filter((r) => recordsOf(r) > 0).map((r) => r.sessionId)).size;

const sorted = latencies.map((l) => l.ms).sort((a, b) => a - b);
const byKind: Record<string, { p50: number; p99: number }> = {};
for (const kind of new Set(latencies.map((l) => l.kind))) {
  const ms = latencies.filter((l) => l.kind === kind).map((l) => l.ms).sort((a, b) => a - b);
  byKind[kind] = { p50: percentile(ms, 50), p99: percentile(ms, 99) };
}
const summary: LoadSummary = {
  requests: answered.size,
  concurrency: CONCURRENCY,
  sessions: SESSIONS,
  wallSeconds,
  byOutcome,
  unexpected,
  fiveXx,
  approvals,
  records: { written: recordLines.length, expected: expectedRecords },
  chains: { verified, expected: expectedSessions, verifyExit, verifyLine: verifyOut.text.split('\n').find((l) => /^(OK|FAILED)/.test(l)) ?? '(no verify output)', findings },
  latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0, byKind },
  memoryMiB: { atStart: Math.round(rssStart / 2 ** 20), peak: Math.round(peakRss / 2 ** 20) },
};
process.stdout.write(`${render(summary)}\n`);
if (args.json !== undefined) {
  writeFileSync(resolve(args.json), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`summary written to ${resolve(args.json)}\n`);
}
await rt.stop();
if (args.keep) process.stdout.write(`data folder kept: ${dir}\n`);
else rmSync(dir, { recursive: true, force: true });
process.exitCode = passed(summary) ? 0 : 1;
