import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import { ConsoleNotifier } from '#shared/adapters/console/console-notifier.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import { MemoryRecordStore } from '#test/doubles/memory-record-store.js';
import { MemoryRequestStore } from '#test/doubles/memory-request-store.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { maskingConfigOf } from '#shared/policy/masking-config.js';
import { NO_APPROVER_DIRECTORY } from '#shared/ports/approver-directory.js';
import { systemClock } from '#shared/ports/clock.js';
import type { Warehouse } from '#shared/ports/warehouse.js';
import type { Workflow } from '#shared/ports/workflow.js';
import { compose, type Adapters } from '#shared/wiring/compose.js';

async function adapters(extra: Partial<Adapters> = {}): Promise<Adapters> {
  const policy = loadPolicy();
  const warehouse: Warehouse = { name: 'duckdb', execute: async () => { throw new Error('not here'); }, close: async () => undefined };
  const workflow = { start: async () => undefined, sendTaskSuccess: async () => undefined } as unknown as Workflow;
  return {
    records: new MemoryRecordStore(),
    requests: new MemoryRequestStore(),
    signer: await LocalKeySigner.open(join(mkdtempSync(join(tmpdir(), 'airlock-compose-')), 'records.pem')),
    warehouse,
    workflow,
    notifier: new ConsoleNotifier(() => undefined),
    directory: NO_APPROVER_DIRECTORY,
    clock: systemClock,
    policy,
    masking: maskingConfigOf(policy, Buffer.from('k'.repeat(32))),
    newId: ulid,
    verifier: { verify: async () => { throw new Error('not here'); } },
    notReady: () => [],
    keys: async () => [],
    log: () => undefined,
    ...extra,
  };
}

describe('compose: one assembly from one set of adapters', () => {
  it('every use case\'s deps hold the same adapter instances (nothing constructed twice)', async () => {
    const a = await adapters({ slackSigningSecret: 's'.repeat(32) });
    const c = compose(a);
    for (const deps of [c.api, c.approval, c.recovery]) expect(deps.requests).toBe(a.requests);
    expect(c.api.records).toBe(a.records);
    expect(c.approval.records).toBe(a.records);
    expect(c.api.workflow).toBe(a.workflow);
    // The interactions handler votes with the very ApprovalDeps the workflow tasks get.
    expect(c.api.approvals?.deps).toBe(c.approval);
    expect(c.api.approvals?.slackSigningSecret).toBe('s'.repeat(32));
  });

  it('no Slack secret: POST /slack/interactions is not served; no checkpoints table: no checkpoint deps', async () => {
    const c = compose(await adapters());
    expect(c.api.approvals).toBeUndefined();
    expect(c.checkpoints).toBeNull();
  });
});
