import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import type { RequestItem } from '#shared/ports/request-store.js';
import { RECOVERY_MARGIN_SECONDS } from '#shared/use-cases/recover-interrupted.js';
import { AWS_ENV } from '#shared/wiring/aws-env.js';

/** The scheduled Lambda entry point end to end, against DynamoDB's API (dynalite), with only the variables the stack gives it. */
let db: DynaliteServer;
let requests: DynamoDbRequestStore;
let handler: () => Promise<{ checked: number; recovered: number }>;
const policy = loadPolicy();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-recover-fn-'));
  db = await startDynalite({ dataDir: dir });
  requests = new DynamoDbRequestStore(db.client, db.tables.requests);
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(policy));
  Object.assign(process.env, {
    AIRLOCK_POLICY: join(dir, 'policy.json'),
    [AWS_ENV.requestsTable]: db.tables.requests,
    AWS_REGION: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  handler = ((await import('../../../functions/recover-interrupted.js')) as { handler: typeof handler }).handler;
}, 60_000);
afterAll(async () => {
  await db?.close();
});

function running(requestId: string, secondsAgo: number): RequestItem {
  const at = new Date(Date.now() - secondsAgo * 1000).toISOString();
  return { requestId, sessionId: 's', owner: 'iss#agent', status: 'running', risk: 'read', sql: 'SELECT 1', sqlHash: 'h', prompt: 'p', createdAt: at, approvalsRequired: 0, votes: [], requestedSeq: 1, runningSince: at };
}

describe('functions/recover-interrupted (the schedule)', () => {
  it('marks only the requests running past the statement timeout plus the margin', async () => {
    const stale = policy.limits.statementTimeoutSeconds + RECOVERY_MARGIN_SECONDS + 10;
    await requests.put(running('01JSTA1E000000000000000001', stale));
    await requests.put(running('01JFRESH000000000000000001', 1));
    expect(await handler()).toEqual({ checked: 2, recovered: 1 });
    expect((await requests.get('01JSTA1E000000000000000001'))?.status).toBe('outcome_unknown');
    expect((await requests.get('01JFRESH000000000000000001'))?.status).toBe('running');
  });
});
