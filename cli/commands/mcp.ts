/**
 * `airlock mcp`: the Airlock MCP server on stdio, for Claude Code, Claude Desktop and any MCP client.
 *
 * Configuration (environment): AIRLOCK_URL (else the running local runtime's URL from
 * `<AIRLOCK_DATA_DIR>/runtime.json`, else http://127.0.0.1:8787), and a token: AIRLOCK_TOKEN, or
 * AIRLOCK_TOKEN_COMMAND (run again whenever the gateway says the token expired). With neither, and
 * only for a loopback URL with a local dev issuer key, it mints local demo tokens like `airlock token`.
 *
 * stdout carries only the MCP protocol; every log line goes to stderr.
 *
 * @example
 * AIRLOCK_TOKEN_COMMAND='npx airlock token' npx airlock mcp
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { newId } from '#shared/ids.js';
import { DevIssuer } from '#local/dev-issuer.js';
import { findDataDir, readRuntimeInfo } from '#local/runtime-file.js';
import { parseEnv } from '#shared/config/env.js';
import { isAirlockError } from '#shared/errors.js';
import { UsageError, type CliIo, type Command } from '../io.js';
import { createAirlockMcpServer, type McpLog } from '../mcp/airlock-mcp-server.js';
import { GatewayClient } from '../mcp/gateway-client.js';
import { LineTransport } from '../mcp/line-transport.js';
import { cachedTokenSource, commandTokenSource, staticTokenSource, type TokenSource } from '../mcp/token-source.js';

const DEFAULT_URL = 'http://127.0.0.1:8787';
const DEV_TOKEN_TTL_SECONDS = 3600;

export const run: Command = async (argv, io) => {
  if (argv.length > 0) throw new UsageError(`takes no arguments (got ${argv.join(' ').slice(0, 80)}); configure it with AIRLOCK_URL and AIRLOCK_TOKEN or AIRLOCK_TOKEN_COMMAND`);
  protectStdout(io);
  const log = stderrLog(io);
  let env;
  try {
    env = parseEnv(io.env);
  } catch (e) {
    if (!isAirlockError(e)) throw e;
    io.stderr.write(`airlock mcp: ${e.message}\n`);
    return 2;
  }
  const dataDir = findDataDir(io.cwd, io.env);
  const url = env.AIRLOCK_URL ?? readRuntimeInfo(dataDir)?.url ?? DEFAULT_URL;
  const tokens = tokenSourceOf(env, url, dataDir, io);

  const sessionId = newId();
  const server = createAirlockMcpServer({ gateway: new GatewayClient(url, tokens), sessionId, log });
  // Our own line transport (issue 15): bad or oversized input gets a JSON-RPC error, never a silent exit.
  const transport = new LineTransport(io.stdin, io.stdout, (level, msg, fields) => log(level, msg, fields));
  const closed = new Promise<void>((done) => {
    transport.onclose = () => done();
    io.stdin.once('end', () => void server.close().then(done, done));
  });
  await server.connect(transport);
  log('info', 'MCP server ready', { url, sessionId, token: tokens.describe });
  await closed;
  return 0;
};

function tokenSourceOf(env: ReturnType<typeof parseEnv>, url: string, dataDir: string, io: CliIo): TokenSource {
  if (env.AIRLOCK_TOKEN !== undefined && env.AIRLOCK_TOKEN_COMMAND !== undefined) {
    throw new UsageError('set AIRLOCK_TOKEN or AIRLOCK_TOKEN_COMMAND, not both');
  }
  if (env.AIRLOCK_TOKEN !== undefined) return staticTokenSource(env.AIRLOCK_TOKEN);
  if (env.AIRLOCK_TOKEN_COMMAND !== undefined) return commandTokenSource(env.AIRLOCK_TOKEN_COMMAND, io.stderr);
  const devKey = join(dataDir, 'keys', 'dev-issuer.pem');
  // Local demo convenience only: a loopback gateway and an existing dev issuer key (never created here).
  if (isLoopback(url) && existsSync(devKey)) {
    return cachedTokenSource(`local dev issuer in ${dataDir}`, async () => {
      const issuer = await DevIssuer.open(dataDir);
      return issuer.issue({ sub: 'agent', email: 'agent@example.com', groups: [], ttlSeconds: DEV_TOKEN_TTL_SECONDS });
    });
  }
  throw new UsageError(`no token: set AIRLOCK_TOKEN, or AIRLOCK_TOKEN_COMMAND (a command that prints a fresh token), for ${url}`);
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
}

/** stdout is the protocol: a stray console.log from any library would corrupt it, so console goes to stderr. */
function protectStdout(io: CliIo): void {
  const toStderr = (...args: unknown[]): void => void io.stderr.write(`${format(...args)}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
}

function stderrLog(io: CliIo): McpLog {
  return (level, msg, fields) => {
    io.stderr.write(`${JSON.stringify({ level, time: new Date().toISOString(), name: 'airlock-mcp', msg, ...fields })}\n`);
  };
}
