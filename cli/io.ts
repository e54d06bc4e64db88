import type { Readable, Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What a CLI command may touch; tests pass their own streams and environment. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A command returns its exit code: 0 success, 1 a refusal or failed check, 2 usage or transport error. */
export type Command = (argv: string[], io: CliIo) => Promise<number>;

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A command's own flags, parsed strictly (node:util `parseArgs`); a bad flag is a UsageError carrying
 * node's message, then the command's usage when it has one (exit 2).
 *
 * @example
 * const { values } = parseCommandArgs({ args: argv, options: { out: { type: 'string' } }, strict: true, allowPositionals: false }, USAGE);
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T, usage?: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(usage === undefined ? message : `${message}\n${usage}`);
  }
}
