import { UsageError, type CliIo, type Command } from './io.js';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  serve: { summary: 'start the local runtime (what `npm start` runs)', load: () => import('./commands/serve.js') },
  token: { summary: 'print a dev OIDC token signed by the local issuer', load: () => import('./commands/token.js') },
  classify: { summary: 'classify SQL from stdin (or --jsonl lines) and print the decision', load: () => import('./commands/classify.js') },
  approve: { summary: 'approve a pending request as a Slack user (signed interaction to the local runtime)', load: () => import('./commands/approve.js') },
  deny: { summary: 'deny a pending request as a Slack user (signed interaction to the local runtime)', load: () => import('./commands/deny.js') },
  replay: { summary: "print a session's transcript and whether its chain verifies", load: () => import('./commands/replay.js') },
  export: { summary: 'export sessions for compliance: records, checkpoints, requests.csv, keys, signed manifest', load: () => import('./commands/export.js') },
  verify: { summary: 'verify an export offline: hashes, links, signatures, manifest, checkpoints', load: () => import('./commands/verify.js') },
  reconcile: { summary: "match Snowflake's query history of the service user with the records; settle outcome_unknown", load: () => import('./commands/reconcile.js') },
  snowflake: { summary: 'compile masking.columns into Snowflake governance: plan | apply | check (docs/snowflake-governance.md)', load: () => import('./commands/snowflake.js') },
  mcp: { summary: 'MCP server on stdio for Claude (AIRLOCK_URL, AIRLOCK_TOKEN or AIRLOCK_TOKEN_COMMAND)', load: () => import('./commands/mcp.js') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: airlock <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`airlock: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const { run } = await entry.load();
    return await run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`airlock ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
