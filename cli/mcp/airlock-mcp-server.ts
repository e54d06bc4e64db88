import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { newId } from '#shared/ids.js';
import { z } from 'zod';
import { isAirlockError } from '#shared/errors.js';
import { SESSION_ID } from '#shared/use-cases/query-input.js';
import type { GatewayClient } from './gateway-client.js';
import { renderExplanation } from './render-explain.js';
import { renderAnswer, renderRequest } from './render-outcome.js';
import { describeTableSql, listTablesSql } from './schema-sql.js';
import { textResult, toolErrorOf, type ToolResult } from './tool-result.js';

export type McpLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface AirlockMcpOptions {
  gateway: GatewayClient;
  /** This connection's Airlock session, used whenever the model passes no session_id. */
  sessionId: string;
  log: McpLog;
  version?: string;
}

const REQUEST_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const MAX_WAIT_SECONDS = 25;

const INSTRUCTIONS =
  'Airlock is an approval-gated, recorded SQL gateway to the data warehouse. Every statement is classified and recorded; ' +
  'reads run at once with sensitive values masked, writes and privileged statements wait for human approval in Slack, ' +
  'and some statements are always refused. Start with list_tables / describe_table, use run_query with the user\'s request as `reason`, ' +
  'and when a statement is pending approval, wait with get_query_result instead of resubmitting it.';

const sessionIdArg = z
  .string()
  .regex(SESSION_ID)
  .optional()
  .describe("Airlock session to record this in (^[A-Za-z0-9_-]{1,64}$). Omit it: the connection's own session is used.");
const reasonArg = z
  .string()
  .min(1)
  .max(32 * 1024)
  .describe('The user request being fulfilled, in their words or a faithful summary. Recorded as the prompt and shown to approvers.');

/**
 * The Airlock MCP server: five tools over one gateway client. One MCP connection is one Airlock
 * session unless the model passes `session_id`. Every failure is a tool error that starts with
 * the gateway's code; nothing is ever thrown at the transport.
 *
 * @example
 * const server = createAirlockMcpServer({ gateway, sessionId: newId(), log });
 * await server.connect(new StdioServerTransport());
 */
export function createAirlockMcpServer(opts: AirlockMcpOptions): McpServer {
  const { gateway, log } = opts;
  const server = new McpServer({ name: 'airlock', version: opts.version ?? '0.1.0' }, { instructions: INSTRUCTIONS });

  const guarded = async (tool: string, body: () => Promise<ToolResult>): Promise<ToolResult> => {
    try {
      const result = await body();
      log('info', 'tool call', { tool, isError: result.isError === true });
      return result;
    } catch (e) {
      if (isAirlockError(e)) log('warn', 'tool call failed', { tool, code: e.code });
      else log('error', 'tool call failed unexpectedly', { tool, err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      return toolErrorOf(e);
    }
  };
  const submitSql = async (tool: string, sql: string, reason: string, sessionId: string | undefined): Promise<ToolResult> => {
    // A key per call: a retry after a refreshed token (or a lost answer) cannot run the statement twice.
    const answer = await gateway.submit({ prompt: reason, sql, sessionId: sessionId ?? opts.sessionId, idempotencyKey: `mcp-${newId()}` });
    log('info', 'query answered', { tool, requestId: answer.requestId, status: answer.status });
    return renderAnswer(answer);
  };

  server.registerTool(
    'run_query',
    {
      title: 'Run SQL through Airlock',
      description:
        'Run one SQL statement on the warehouse through the Airlock gateway. Reads run at once and return a table with sensitive values masked ' +
        '(the text says which columns were masked and whether the result was truncated). Writes and privileged statements are NOT run at once: ' +
        'the answer gives a request_id, who must approve, and the expiry — then call get_query_result. Refused statements come back as errors with the reasons. ' +
        '`reason` must be the user request you are fulfilling: it becomes the recorded prompt that auditors and approvers read.',
      inputSchema: {
        sql: z.string().min(1).describe('One SQL statement (Snowflake dialect).'),
        reason: reasonArg,
        session_id: sessionIdArg,
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    (args) => guarded('run_query', () => submitSql('run_query', args.sql, args.reason, args.session_id)),
  );

  server.registerTool(
    'get_query_result',
    {
      title: 'Wait for a pending Airlock request',
      description:
        'Status and, once executed, the masked result of a request run_query returned. Long-polls up to wait_seconds (at most 25, default 20) ' +
        'while the request waits for approval. Call it again while it is still pending; never resubmit the SQL instead.',
      inputSchema: {
        request_id: z.string().regex(REQUEST_ID, 'request_id must be the 26-character id run_query returned').describe('The request_id run_query returned.'),
        wait_seconds: z.number().int().min(0).max(MAX_WAIT_SECONDS).optional().describe('Seconds to wait for a decision (0–25, default 20).'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) => guarded('get_query_result', async () => renderRequest(await gateway.getQuery(args.request_id, args.wait_seconds ?? 20))),
  );

  server.registerTool(
    'explain_policy',
    {
      title: 'Explain Airlock policy',
      description:
        'What this identity may run without approval, what needs approval or is refused, which objects are sensitive and which columns are masked — ' +
        'and, given `sql`, how it would be classified and decided, with the reasons. Runs nothing and records nothing.',
      inputSchema: { sql: z.string().min(1).optional().describe('SQL to classify and decide without running it.') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) => guarded('explain_policy', async () => textResult(renderExplanation(await gateway.explain(args.sql)))),
  );

  server.registerTool(
    'list_tables',
    {
      title: 'List warehouse tables',
      description: 'Tables and views visible to Airlock (from INFORMATION_SCHEMA.TABLES), run as an ordinary recorded read query.',
      inputSchema: {
        schema: z.string().min(1).optional().describe('Only this schema (case-insensitive).'),
        reason: reasonArg.optional(),
        session_id: sessionIdArg,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guarded('list_tables', async () => {
        const sql = listTablesSql(args.schema);
        return submitSql('list_tables', sql, args.reason ?? 'schema discovery: list tables (MCP list_tables)', args.session_id);
      }),
  );

  server.registerTool(
    'describe_table',
    {
      title: 'Describe a warehouse table',
      description: 'Columns, types and nullability of a table (from INFORMATION_SCHEMA.COLUMNS), run as an ordinary recorded read query.',
      inputSchema: {
        table: z.string().min(1).max(800).describe('name, schema.name or database.schema.name (case-insensitive, unquoted).'),
        reason: reasonArg.optional(),
        session_id: sessionIdArg,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      guarded('describe_table', async () => {
        const sql = describeTableSql(args.table);
        return submitSql('describe_table', sql, args.reason ?? `schema discovery: describe ${args.table} (MCP describe_table)`, args.session_id);
      }),
  );

  return server;
}
