import type { Readable, Writable } from 'node:stream';

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
