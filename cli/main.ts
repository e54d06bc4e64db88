import { readFileSync } from 'node:fs';
import { UsageError, type CliIo } from './io.js';
import { parseCommandLine } from './program.js';

/** The version in package.json: what `airlock --version` prints. */
export function airlockVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * `airlock <command> …`: commander checks the command line (cli/program.ts), then the command's
 * module runs. Exit codes: 0 success, 1 a refusal or failed check, 2 usage or transport error,
 * 3 an export that selected nothing.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv, io, airlockVersion());
  if (parsed.kind === 'exit') return parsed.code;
  const { run } = await parsed.spec.load!();
  try {
    return await run(parsed.argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`airlock ${parsed.path}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
