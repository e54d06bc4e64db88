#!/usr/bin/env node
// The `airlock` bin: loads the TypeScript CLI through tsx's loader, so `npx airlock …`,
// `npm run -s airlock -- …` and an MCP config's `airlock mcp` all run the same code without a build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `airlock … --help | head`: the reader closed the pipe; stop quietly, as other Unix tools do, not with a stack trace.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const { register } = await import('tsx/esm/api');
register();
const { main } = await import('./main.ts');
try {
  process.exitCode = await main(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  });
} catch (e) {
  process.stderr.write(`airlock: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
