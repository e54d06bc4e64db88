import { describe, expect, it } from 'vitest';
import type { Principal } from '#shared/identity/principal.js';
import type { Policy } from '#shared/policy/policy.js';
import type { SessionRecord } from '#shared/records/types.js';
import { recordVote } from '#shared/use-cases/record-vote.js';
import { submitQuery } from '#shared/use-cases/submit-query.js';
import { approvalFixture, policyWith, untilWaiting, type ApprovalFixture } from './approval-fixture.js';

const DELETE = "DELETE FROM orders WHERE status = 'void'"; // write: one approval by default
const ISS = 'https://idp.example.com';

function policy(over: Partial<Policy['approval']> = {}): Policy {
  const p = policyWith(2);
  return {
    ...p,
    approvers: [
      { slackUserId: 'UAPPROVER1', email: 'approver1@example.com', idp: [{ iss: ISS, sub: '00u-approver1' }] },
      { slackUserId: 'UAPPROVER2', email: 'approver2@example.com' },
    ],
    approval: { ...p.approval, ...over },
  };
}

async function ask(f: ApprovalFixture, who: Principal): Promise<string> {
  const out = await submitQuery(f.deps, who, { prompt: 'clean up', sql: DELETE, sessionId: 's1' });
  expect(out.kind).toBe('pending');
  const id = out.body['requestId'] as string;
  await untilWaiting(f.deps, id);
  return id;
}

async function chain(f: ApprovalFixture): Promise<SessionRecord[]> {
  return (await f.deps.records.list('s1')).map((l) => JSON.parse(l) as SessionRecord);
}

const p = (over: Partial<Principal>): Principal => ({ iss: ISS, sub: 'agent-7', groups: [], ...over });

describe('self-approval: UAPPROVER1 (approver1@example.com, idp 00u-approver1) never approves their own request', () => {
  it.each<[string, Principal]>([
    ['email with +tag (issue)', p({ email: 'approver1+agent@example.com' })],
    ['email with a leading space (issue)', p({ email: ' approver1@example.com' })],
    ['opaque sub, no email: matched by the listed IdP account (issue)', p({ sub: '00u-approver1' })],
    ['upper-case email', p({ email: 'APPROVER1@EXAMPLE.COM' })],
    ['trailing dot on the domain', p({ email: 'approver1@example.com.' })],
    ['quoted local part', p({ email: '"approver1"@example.com' })],
    ['fullwidth letters (NFKC)', p({ email: 'ａｐｐｒｏｖｅｒ１@example.com' })],
    ['Cyrillic а look-alike', p({ email: '\u0430pprover1@example.com' })],
    ['zero-width space inside', p({ email: 'appro\u200bver1@example.com' })],
    ['RFC 5322 comment', p({ email: 'approver1(bot)@example.com' })],
    ['email in sub', p({ sub: 'Approver1+x@Example.com' })],
    ['agent acting for the human whose sub is their email (act)', p({ sub: 'claude', act: { sub: ' approver1@example.com ' } })],
    ['act names their IdP account', p({ sub: 'claude', email: 'bot@agents.example', act: { sub: '00u-approver1' } })],
    ['iss with a trailing slash', p({ iss: `${ISS}/`, sub: '00u-approver1' })],
    ['sub with surrounding space', p({ sub: ' 00u-approver1 ' })],
    ['the Slack id as sub, lower-case', p({ sub: 'uapprover1' })],
    ['the whole address quoted', p({ email: '"approver1@example.com"' })],
    ['display-name form', p({ email: 'Approver One <approver1@example.com>' })],
  ])('%s → self_approval, recorded as approval.refused, nothing runs', async (_name, who) => {
    const f = await approvalFixture({ policy: policy() });
    const id = await ask(f, who);
    const r = await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' });
    expect(r).toMatchObject({ recorded: false, code: 'self_approval' });
    const recs = await chain(f);
    expect(recs.map((x) => x.type)).toEqual(['query.requested', 'approval.requested', 'approval.refused']);
    expect(recs[2]?.actor.slackUserId).toBe('UAPPROVER1');
    expect(recs[2]?.body).toMatchObject({ code: 'self_approval' });
    expect((await f.deps.requests.get(id))?.status).toBe('pending_approval');
    expect(f.deps.warehouse.calls).toHaveLength(0);
    await f.deps.workflow.stop();
  });

  it('the +tag is kept for domains the policy does not list: then another person', async () => {
    const f = await approvalFixture({ policy: policy({ subaddressDomains: ['corp.example'] }) });
    const id = await ask(f, p({ email: 'approver1+agent@example.com' }));
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' })).toMatchObject({ recorded: true, code: 'approved' });
    await f.deps.workflow.settled();
  });

  it('a different person approves normally', async () => {
    const f = await approvalFixture({ policy: policy() });
    const id = await ask(f, p({ email: 'dev@example.com' }));
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' })).toMatchObject({ recorded: true, code: 'approved' });
    await f.deps.workflow.settled();
    expect(f.deps.warehouse.calls).toHaveLength(1);
  });
});

describe('requester_unlinked: no email claim and no listed sub', () => {
  it('an approver without a listed IdP account is refused with a reason that says what to add', async () => {
    const f = await approvalFixture({ policy: policy() });
    const id = await ask(f, p({ sub: 'opaque-123' }));
    const r = await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' });
    expect(r).toMatchObject({ recorded: false, code: 'requester_unlinked' });
    expect(r.message).toContain('idp: [{ iss, sub }]');
    expect((await chain(f)).at(-1)?.body).toMatchObject({ code: 'requester_unlinked' });
    expect(f.deps.warehouse.calls).toHaveLength(0);
    await f.deps.workflow.stop();
  });

  it('an approver whose IdP account is listed (and differs) may approve', async () => {
    const f = await approvalFixture({ policy: policy() });
    const id = await ask(f, p({ sub: 'opaque-123' }));
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER1', vote: 'approve' })).toMatchObject({ recorded: true, code: 'approved' });
    await f.deps.workflow.settled();
    expect(f.deps.warehouse.calls).toHaveLength(1);
  });

  it.each(['', '   ', 'not-an-email'])('an email claim %j that is no address counts as unlinked', async (email) => {
    const f = await approvalFixture({ policy: policy() });
    const id = await ask(f, p({ sub: 'opaque-9', email }));
    expect(await recordVote(f.deps, { requestId: id, slackUserId: 'UAPPROVER2', vote: 'approve' })).toMatchObject({ code: 'requester_unlinked' });
    await f.deps.workflow.stop();
  });
});
