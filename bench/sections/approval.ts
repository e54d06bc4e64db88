import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '#shared/config/env.js';
import { approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { slackSignature } from '#shared/adapters/slack/slack-signature.js';
import type { ExecuteInput } from '#shared/ports/warehouse.js';
import { createLogger } from '#local/logger.js';
import { startLocalRuntime } from '#local/runtime.js';
import type { BenchSection, BenchSectionRunner } from '../types.js';
import { percentile } from '../../test/load/load-report.js';

const APPROVALS = 40;
const READS = 200;
const GATED = 'SELECT id, name, salary FROM hr.employees ORDER BY id LIMIT 5'; // sensitive object: 2 approvals
const READ = 'SELECT id, name, email FROM customers WHERE id BETWEEN 1 AND 5 ORDER BY id';

const ms = (v: number) => `${v.toFixed(2)} ms`;

/**
 * Latency from the last approving click (a signed POST /slack/interactions) to the approved
 * statement starting on the warehouse, on the local runtime (LocalWorkflow resuming the shared
 * state machine), beside the plain read path (POST /v1/queries → 200) measured in the same run.
 */
export const run: BenchSectionRunner = async (): Promise<BenchSection> => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-approval-'));
  try {
    const rt = await startLocalRuntime({ env: parseEnv({ AIRLOCK_DATA_DIR: dir, AIRLOCK_PORT: '0', AIRLOCK_LOG_LEVEL: 'silent' }), log: createLogger('silent') });
    const secret = rt.deps.approvals!.slackSigningSecret;
    // When the warehouse is asked to run a statement: the end of the measured span.
    const startedAt = new Map<string, number>();
    const wh = rt.deps.warehouse;
    const execute = wh.execute.bind(wh);
    wh.execute = async (input: ExecuteInput) => {
      const requestId = (JSON.parse(input.queryTag) as { airlock: { requestId: string } }).airlock.requestId;
      startedAt.set(requestId, performance.now());
      return execute(input);
    };
    const token = await rt.devIssuer!.issue({ sub: 'bench', email: 'bench@example.com', groups: [], ttlSeconds: 3600 });
    const query = async (sql: string, expect: number): Promise<string> => {
      const res = await fetch(`${rt.url}/v1/queries`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ prompt: 'bench', sql, sessionId: 'bench-approval' }) });
      const body = (await res.json()) as { requestId: string };
      if (res.status !== expect) throw new Error(`POST /v1/queries answered ${res.status}`);
      return body.requestId;
    };
    const click = async (requestId: string, user: string): Promise<void> => {
      const body = approvalClickBody({ slackUserId: user, vote: 'approve', requestId });
      const ts = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`${rt.url}/slack/interactions`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': slackSignature(secret, ts, body) }, body });
      const answer = (await res.json()) as { recorded?: boolean };
      if (res.status !== 200 || answer.recorded !== true) throw new Error(`click answered ${res.status} ${JSON.stringify(answer)}`);
    };
    const waiting = async (requestId: string): Promise<void> => {
      while ((await rt.deps.requests.get(requestId))?.taskToken === undefined) await new Promise((r) => setImmediate(r));
    };
    const finished = async (requestId: string): Promise<void> => {
      const res = await fetch(`${rt.url}/v1/queries/${requestId}?waitSeconds=25`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as { status: string };
      if (body.status !== 'executed') throw new Error(`approved request ended ${body.status}`);
    };

    const resume: number[] = [];
    for (let i = 0; i < APPROVALS + 5; i++) {
      const id = await query(GATED, 202);
      await waiting(id);
      await click(id, 'UAPPROVER1');
      const t0 = performance.now();
      await click(id, 'UAPPROVER2');
      await finished(id);
      const t1 = startedAt.get(id);
      if (t1 === undefined) throw new Error('the approved statement never reached the warehouse');
      if (i >= 5) resume.push(t1 - t0); // the first few warm up
    }
    const reads: number[] = [];
    for (let i = 0; i < READS + 10; i++) {
      const t0 = performance.now();
      await query(READ, 200);
      if (i >= 10) reads.push(performance.now() - t0);
    }
    await rt.stop();
    resume.sort((a, b) => a - b);
    reads.sort((a, b) => a - b);
    return {
      title: 'approval (local runtime: LocalWorkflow + dynalite + DuckDB)',
      rows: [
        { metric: 'last approving click → statement starts on the warehouse, p50', value: ms(percentile(resume, 50)), baseline: ms(percentile(reads, 50)), ratio: `${(percentile(resume, 50) / percentile(reads, 50)).toFixed(2)}x the read`, note: `${APPROVALS} approvals, sequential; baseline = plain read POST /v1/queries → 200, ${READS} requests` },
        { metric: 'last approving click → statement starts on the warehouse, p99', value: ms(percentile(resume, 99)), baseline: ms(percentile(reads, 99)), ratio: `${(percentile(resume, 99) / percentile(reads, 99)).toFixed(2)}x the read` },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
