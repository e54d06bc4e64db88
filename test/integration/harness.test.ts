import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runAgent, type ContentBlock, type MessagesRequest, type MessagesResponse } from '../../examples/claude-harness.js';
import { removeDir, startTestRuntime, type TestRuntime } from '../helpers/local-runtime.js';

let t: TestRuntime;
let token: string;

beforeAll(async () => {
  t = await startTestRuntime();
  token = await t.token();
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dir);
});

/** A stubbed model: each turn is a function of the request it receives; no network. */
function scripted(turns: Array<(req: MessagesRequest) => MessagesResponse>) {
  const seen: MessagesRequest[] = [];
  const model = async (req: MessagesRequest): Promise<MessagesResponse> => {
    seen.push(structuredClone(req));
    const next = turns[seen.length - 1];
    if (next === undefined) throw new Error(`unexpected turn ${seen.length}`);
    return next(req);
  };
  return { model, seen };
}

const toolUse = (id: string, name: string, input: Record<string, unknown>): MessagesResponse => ({
  content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id, name, input }],
  stop_reason: 'tool_use',
});
const finalText = (text: string): MessagesResponse => ({ content: [{ type: 'text', text }], stop_reason: 'end_turn' });

function lastToolResult(req: MessagesRequest): Extract<ContentBlock, { type: 'tool_result' }> {
  const last = req.messages[req.messages.length - 1];
  const block = Array.isArray(last?.content) ? last.content.find((b) => b.type === 'tool_result') : undefined;
  if (block?.type !== 'tool_result') throw new Error('the last message holds no tool_result');
  return block;
}

describe('examples/claude-harness.ts: the tool-call loop against the local gateway', () => {
  it('sends the repo tool definitions, runs a read, returns masked rows as the tool result, and records the user request', async () => {
    const { model, seen } = scripted([
      () => toolUse('tu_1', 'run_query', { sql: 'SELECT id, email FROM customers ORDER BY id LIMIT 2', reason: 'two customers' }),
      (req) => {
        const result = lastToolResult(req);
        expect(result.tool_use_id).toBe('tu_1');
        expect(result.is_error).toBeUndefined();
        const body = JSON.parse(result.content);
        expect(body).toMatchObject({ status: 'executed', rowCount: 2 });
        expect(JSON.stringify(body.rows)).not.toContain('@');
        return finalText('Here are two customers (emails masked).');
      },
    ]);
    const out = await runAgent({ model, gateway: { url: t.rt.url, token }, userRequest: 'Show me two customers', sessionId: 'harness-read' });

    expect(out.text).toBe('Here are two customers (emails masked).');
    const definitions = JSON.parse(readFileSync(new URL('../../examples/claude-tools.json', import.meta.url), 'utf8'));
    expect(seen[0]!.tools).toEqual(definitions);
    expect(out.messages).toHaveLength(4);
    const records = (await t.get('/v1/sessions/harness-read', token)).json.records;
    expect(records[0].body.prompt).toBe('Show me two customers');
  });

  it('follows a pending write with get_query_result, and flags a refused statement as an error', async () => {
    let requestId = '';
    const { model } = scripted([
      () => toolUse('tu_1', 'run_query', { sql: 'DELETE FROM orders WHERE id = 5', reason: 'delete order 5' }),
      (req) => {
        const body = JSON.parse(lastToolResult(req).content);
        expect(body).toMatchObject({ status: 'pending_approval', approvalsRequired: 1, approvers: ['UAPPROVER1', 'UAPPROVER2'] });
        requestId = body.requestId;
        return toolUse('tu_2', 'get_query_result', { request_id: requestId, wait_seconds: 0 });
      },
      (req) => {
        expect(JSON.parse(lastToolResult(req).content)).toMatchObject({ requestId, status: 'pending_approval' });
        return toolUse('tu_3', 'run_query', { sql: 'DROP DATABASE demo', reason: 'start over' });
      },
      (req) => {
        const result = lastToolResult(req);
        expect(result.is_error).toBe(true);
        expect(JSON.parse(result.content)).toMatchObject({ status: 'denied', risk: 'blocked' });
        return finalText('The delete waits for approval; dropping the database is not allowed.');
      },
    ]);
    const out = await runAgent({ model, gateway: { url: t.rt.url, token }, userRequest: 'Delete order 5' });
    expect(out.text).toMatch(/waits for approval/);
    expect(requestId).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('gives up after maxTurns instead of looping forever', async () => {
    const { model } = scripted(Array.from({ length: 2 }, (_, i) => () => toolUse(`tu_${i}`, 'run_query', { sql: 'SELECT 1', reason: 'loop' })));
    await expect(runAgent({ model, gateway: { url: t.rt.url, token }, userRequest: 'loop', maxTurns: 2 })).rejects.toThrow(/no final answer after 2 turns/);
  });
});
