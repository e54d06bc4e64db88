import { PassThrough, type Readable } from 'node:stream';
import { main } from '#cli/main.js';
import type { Command } from '#cli/io.js';

/**
 * Runs the CLI in-process (`main`, or one command's `run`) with its output captured.
 *
 * @example
 * const { code, out, err } = await runCli(['verify', dir], { env: { AIRLOCK_DATA_DIR: data } });
 */
export async function runCli(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: Readable; command?: Command } = {},
): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => outChunks.push(c));
  stderr.on('data', (c: Buffer) => errChunks.push(c));
  const code = await (opts.command ?? main)(argv, { stdin: opts.stdin ?? new PassThrough(), stdout, stderr, env: opts.env ?? {}, cwd: opts.cwd ?? process.cwd() });
  // Decoded once at the end: a character split across two writes stays whole.
  return { code, out: Buffer.concat(outChunks).toString('utf8'), err: Buffer.concat(errChunks).toString('utf8') };
}
