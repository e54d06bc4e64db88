import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { DynamoDbRequestStore } from '#shared/adapters/aws/dynamodb-request-store.js';
import { createTableInputs, tableNames } from '#shared/adapters/aws/tables.js';
import { SlackNotifier } from '#shared/adapters/slack/slack-notifier.js';
import { slackClient } from '#shared/wiring/slack-client.js';
import { recordVote } from '#shared/use-cases/record-vote.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { ensureTables, localDynamoDbClient, startDynalite, type DynaliteServer } from '#local/dynalite-server.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';
import { FakeSlackServer, type FakeSlackMessage } from '#test/helpers/fake-slack-server.js';
import { agent, approvalFixture, policyWith, shareTaskTokens, until, type ApprovalFixture } from '#test/unit/approval/approval-fixture.js';

/**
 * AWS shape: NotifyApprovers runs in several Lambda containers at once. Two wirings, each with
 * its own DynamoDB client, request store, workflow runner and Slack client (real @slack/web-api
 * against the fake Slack server), notify one identity's requests concurrently against one
 * dynalite: the burst and the digest are kept in the requests table, so the channel still gets
 * at most the burst as messages of their own plus one digest.
 */
describe('the Slack burst and digest across two processes on one requests table', () => {
  const t = tempDir('airlock-digest-');
  let db: DynaliteServer;
  let slack: FakeSlackServer;
  let a: ApprovalFixture;
  let b: ApprovalFixture;
  const clients: ReturnType<typeof localDynamoDbClient>[] = [];

  async function wiring(names: ReturnType<typeof tableNames>): Promise<ApprovalFixture> {
    const f = await approvalFixture({ policy: policyWith(2), notifier: new SlackNotifier(slackClient(slack.token, slack.apiUrl), 'C0APPROVALS') });
    const client = localDynamoDbClient(db.endpoint);
    clients.push(client);
    Object.assign(f.deps, { requests: new DynamoDbRequestStore(client, names.requests), records: new DynamoDbRecordStore(client, names.records) });
    return f;
  }

  beforeAll(async () => {
    slack = await new FakeSlackServer().start();
    db = await startDynalite({ dataDir: t.dir });
    const names = tableNames('digest');
    await ensureTables(db.client, createTableInputs(names));
    a = await wiring(names);
    b = await wiring(names);
    b.deps.clock = a.deps.clock;
    // One Step Functions service behind both: a vote in either process resumes the wait wherever it is parked.
    shareTaskTokens(a, b);
  });
  afterAll(async () => {
    await a.deps.workflow.stop();
    await b.deps.workflow.stop();
    clients.forEach((c) => c.destroy());
    await db.close();
    await slack.close();
    t.cleanup();
  });

  const isDigest = (m: FakeSlackMessage): boolean => /approval requests? from one requester/.test(m.text);
  const listing = (m: FakeSlackMessage, id: string): boolean => JSON.stringify(m.blocks).includes(`request \`${id}\``);

  it('12 requests notified from two processes at once: 3 messages of their own, one digest listing the other 9, decidable from either process', async () => {
    const out = await Promise.all(
      Array.from({ length: 12 }, (_, i) => submitQuery((i % 2 === 0 ? a : b).deps, agent, { prompt: 'p', sql: `DELETE FROM orders WHERE id = ${i}` })),
    );
    const ids = out.map((o) => o.body['requestId'] as string);
    await until(async () => (await Promise.all(ids.map((id) => a.deps.requests.get(id)))).every((r) => r?.taskToken !== undefined));
    await until(() => ids.every((id) => [...slack.messages.values()].some((m) => listing(m, id))));
    const messages = [...slack.messages.values()];
    expect(messages.filter((m) => !isDigest(m))).toHaveLength(policyWith(2).approval.slackBurst);
    expect(messages.filter(isDigest)).toHaveLength(1);
    for (const id of ids) expect(messages.filter((m) => listing(m, id))).toHaveLength(1);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(4);

    // A vote in process B on an entry process A listed (submitted, so notified, through A: an even
    // index): the digest shows it. Which requests won the burst varies from run to run; the target
    // is picked by the process that listed it, so every run crosses processes.
    const digest = messages.find(isDigest)!;
    const inDigest = ids.filter((id) => listing(digest, id));
    expect(inDigest).toHaveLength(9);
    const listedByA = inDigest.filter((id) => ids.indexOf(id) % 2 === 0);
    const item = await b.deps.requests.get(listedByA[listedByA.length - 1]!);
    expect(await recordVote(b.deps, { requestId: item!.requestId, slackUserId: 'UAPPROVER2', vote: 'deny', sqlHash: item!.sqlHash, reason: 'no' })).toMatchObject({ code: 'rejected' });
    await until(() => JSON.stringify([...slack.messages.values()].find(isDigest)!.blocks).includes('Rejected by <@UAPPROVER2>'));
    // The rejected request's execution goes on to its finish task (which re-renders the digest):
    // it ends before the store closes, so no task reads a closed table.
    await until(() => ![a, b].some((f) => f.deps.workflow.running().includes(item!.requestId)));
  }, 60_000);
});
