/**
 * A minimal agent harness: Claude (Messages API) with Airlock as its only SQL tool.
 *
 *   ANTHROPIC_API_KEY=… AIRLOCK_URL=http://127.0.0.1:8787 AIRLOCK_TOKEN=$(npx airlock token) \
 *     npx tsx examples/claude-harness.ts "How many orders were cancelled last month?"
 *
 * The loop: send the conversation with the tool definitions (examples/claude-tools.json); while
 * Claude answers with `tool_use` blocks, run each against the gateway and send back `tool_result`
 * blocks; stop at the first answer without tool calls. Self-contained on purpose (fetch only), so
 * it can be copied into another project.
 */
import { pathToFileURL } from 'node:url';
import { ulid } from 'ulid';
import tools from './claude-tools.json' with { type: 'json' };

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };

export interface Message {
  role: 'user' | 'assistant';
  content: string | ContentBlock[];
}

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  system?: string;
  tools: typeof tools;
  messages: Message[];
}

export interface MessagesResponse {
  content: ContentBlock[];
  stop_reason: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | string;
}

/** One model turn. `anthropicModel` calls the real API; tests pass a stub. */
export type ModelTurn = (request: MessagesRequest) => Promise<MessagesResponse>;

export interface GatewayConfig {
  url: string;
  token: string;
  fetch?: typeof fetch;
}

/** The real Messages API (https://docs.anthropic.com/en/api/messages). */
export function anthropicModel(apiKey: string, fetchImpl: typeof fetch = fetch): ModelTurn {
  return async (request) => {
    const res = await fetchImpl('https://api.anthropic.com/v1/messages', {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!res.ok) throw new Error(`Messages API answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
    return (await res.json()) as MessagesResponse;
  };
}

/**
 * Runs one tool call against the gateway. The result goes back to Claude as JSON, exactly as the
 * gateway answered (rows already masked). Anything that did not produce rows or a pending request —
 * a refusal, a warehouse failure, an HTTP error — is flagged `is_error` so Claude treats it as such.
 */
export async function runTool(
  gateway: GatewayConfig,
  call: { name: string; input: Record<string, unknown> },
  context: { userRequest: string; sessionId: string },
): Promise<{ content: string; is_error: boolean }> {
  const doFetch = gateway.fetch ?? fetch;
  const headers = { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json' };
  let res: Response;
  if (call.name === 'run_query') {
    const { sql, session_id } = call.input;
    if (typeof sql !== 'string') return { content: 'run_query needs a string `sql`', is_error: true };
    // The harness knows the user's actual words, so it records them as the prompt rather than the model's `reason`.
    const body = { prompt: context.userRequest, sql, sessionId: typeof session_id === 'string' ? session_id : context.sessionId };
    res = await doFetch(`${gateway.url}/v1/queries`, { method: 'POST', headers, body: JSON.stringify(body) });
  } else if (call.name === 'get_query_result') {
    const { request_id, wait_seconds } = call.input;
    if (typeof request_id !== 'string') return { content: 'get_query_result needs a string `request_id`', is_error: true };
    const wait = typeof wait_seconds === 'number' ? Math.min(25, Math.max(0, Math.floor(wait_seconds))) : 20;
    res = await doFetch(`${gateway.url}/v1/queries/${encodeURIComponent(request_id)}?waitSeconds=${wait}`, { headers });
  } else {
    return { content: `unknown tool ${call.name}`, is_error: true };
  }
  const text = await res.text();
  let status: unknown;
  try {
    status = (JSON.parse(text) as { status?: unknown }).status;
  } catch {
    return { content: `the gateway answered HTTP ${res.status} without JSON`, is_error: true };
  }
  const ok = res.ok && status !== 'denied' && status !== 'failed' && status !== 'outcome_unknown';
  return { content: text, is_error: !ok };
}

const SYSTEM =
  'You answer questions about company data with the run_query tool, which goes through Airlock: reads run at once with ' +
  'sensitive values masked; writes wait for human approval (then use get_query_result); some statements are refused.';

/**
 * The tool-call loop. Returns Claude's final text and the whole conversation (for logging).
 *
 * @example
 * const { text } = await runAgent({ model: anthropicModel(key), gateway: { url, token }, userRequest: 'Top 5 customers by revenue?' });
 */
export async function runAgent(opts: {
  model: ModelTurn;
  gateway: GatewayConfig;
  userRequest: string;
  modelName?: string;
  maxTurns?: number;
  sessionId?: string;
}): Promise<{ text: string; messages: Message[] }> {
  // One conversation is one Airlock session.
  const context = { userRequest: opts.userRequest, sessionId: opts.sessionId ?? ulid() };
  const messages: Message[] = [{ role: 'user', content: opts.userRequest }];
  for (let turn = 0; turn < (opts.maxTurns ?? 10); turn++) {
    const response = await opts.model({ model: opts.modelName ?? 'claude-sonnet-4-5', max_tokens: 4096, system: SYSTEM, tools, messages });
    messages.push({ role: 'assistant', content: response.content });
    const calls = response.content.filter((b): b is Extract<ContentBlock, { type: 'tool_use' }> => b.type === 'tool_use');
    if (response.stop_reason !== 'tool_use' || calls.length === 0) {
      const text = response.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
      return { text, messages };
    }
    const results: ContentBlock[] = [];
    for (const call of calls) {
      const result = await runTool(opts.gateway, call, context);
      results.push({ type: 'tool_result', tool_use_id: call.id, content: result.content, ...(result.is_error ? { is_error: true } : {}) });
    }
    messages.push({ role: 'user', content: results });
  }
  throw new Error(`no final answer after ${opts.maxTurns ?? 10} turns`);
}

async function main(): Promise<void> {
  const apiKey = process.env['ANTHROPIC_API_KEY'];
  const token = process.env['AIRLOCK_TOKEN'];
  const question = process.argv.slice(2).join(' ');
  if (!apiKey || !token || question === '') {
    process.stderr.write('usage: ANTHROPIC_API_KEY=… AIRLOCK_TOKEN=… [AIRLOCK_URL=…] tsx examples/claude-harness.ts "question"\n');
    process.exitCode = 2;
    return;
  }
  const gateway = { url: process.env['AIRLOCK_URL'] ?? 'http://127.0.0.1:8787', token };
  const { text } = await runAgent({ model: anthropicModel(apiKey), gateway, userRequest: question, ...(process.env['ANTHROPIC_MODEL'] ? { modelName: process.env['ANTHROPIC_MODEL'] } : {}) });
  process.stdout.write(`${text}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
