import { parseEnv } from '#shared/config/env.js';
import { createLogger } from '#local/logger.js';
import { cliInvocation } from '#local/runtime-file.js';
import { startLocalRuntime } from '#local/runtime.js';
import { parseCommandArgs, type Command } from '../io.js';

const SAMPLE_SQL = 'SELECT id, name, email, phone FROM customers ORDER BY id LIMIT 5';

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `airlock serve`: the local runtime in the foreground until SIGINT/SIGTERM. */
export const run: Command = async (argv, io) => {
  parseCommandArgs({ args: argv, options: {}, strict: true, allowPositionals: false });
  const env = parseEnv(io.env);
  const log = createLogger(env.AIRLOCK_LOG_LEVEL);
  const started = Date.now();
  let rt;
  try {
    rt = await startLocalRuntime({ env, log });
  } catch (e) {
    // A busy port or a second runtime on the same data folder: one line that says what to set.
    if (e instanceof Error && ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || (e as NodeJS.ErrnoException).code === 'EACCES' || (e as { code?: unknown }).code === 'ERR_CONFIG')) {
      io.stderr.write(`airlock serve: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const cli = cliInvocation(rt.dataDir, io.cwd);
  const lines = [
    `Airlock local runtime ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    `  URL:          ${rt.url}`,
    `  data folder:  ${rt.dataDir}`,
    `  DynamoDB API: ${rt.dynamodbEndpoint} (dynalite)`,
    `  warehouse:    DuckDB demo data (customers, orders, products, support_tickets)`,
    `  CLI:          ${cli} <command>   (e.g. ${cli} replay SESSION_ID)`,
  ];
  if (rt.devIssuer !== null) {
    const token = await rt.devIssuer.issue({ sub: 'agent', email: 'agent@example.com', groups: [], ttlSeconds: 3600 });
    const body = JSON.stringify({ prompt: 'Show me our first five customers', sql: SAMPLE_SQL });
    lines.push(
      '',
      `Try a read query (token valid 1 h; a fresh one: ${cli} token):`,
      '',
      `curl -s -X POST ${rt.url}/v1/queries \\`,
      `  -H 'content-type: application/json' \\`,
      `  -H "authorization: Bearer ${token}" \\`,
      `  -d ${shellQuote(body)}`,
    );
  }
  lines.push('', 'Ctrl-C stops it; the data stays in the data folder.', '');
  io.stdout.write(lines.join('\n') + '\n');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      rt.stop().then(resolve, resolve);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  return 0;
};
