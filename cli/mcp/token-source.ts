import { execFile } from 'node:child_process';
import { AirlockError } from '#shared/errors.js';

/**
 * Where the MCP server gets its bearer token. `current()` is cached; `refresh()` is called when the
 * gateway answers 401 ERR_TOKEN_EXPIRED and returns a fresh token, or null when this source cannot
 * produce one (a fixed AIRLOCK_TOKEN).
 *
 * @example
 * const source = commandTokenSource('gcloud auth print-identity-token');
 * const jwt = await source.current();
 */
export interface TokenSource {
  /** How the token is obtained, for messages (never the token itself). */
  readonly describe: string;
  current(): Promise<string>;
  refresh(): Promise<string | null>;
}

/** AIRLOCK_TOKEN: used as is; it cannot be refreshed, so an expired one is the user's to replace. */
export function staticTokenSource(token: string): TokenSource {
  return { describe: 'AIRLOCK_TOKEN', current: async () => token, refresh: async () => null };
}

/** Shared by the command and dev sources: one fetch at a time, the result cached until refreshed. */
export function cachedTokenSource(describe: string, fetchToken: () => Promise<string>): TokenSource {
  let pending: Promise<string> | null = null;
  const load = (): Promise<string> => {
    pending ??= fetchToken().catch((e: unknown) => {
      pending = null;
      throw e;
    });
    return pending;
  };
  let refreshing: Promise<string> | null = null;
  return {
    describe,
    current: load,
    refresh: () => {
      // Concurrent 401s share one refresh instead of running the command once per failed call.
      refreshing ??= (async () => {
        pending = null;
        try {
          return await load();
        } finally {
          refreshing = null;
        }
      })();
      return refreshing;
    },
  };
}

const COMMAND_TIMEOUT_MS = 30_000;

/**
 * AIRLOCK_TOKEN_COMMAND: run through `/bin/sh -c`; its stdout, trimmed, is the token. For IdPs whose
 * tokens live minutes: the command runs again whenever the gateway says the token expired.
 * Its stderr is passed to ours (stdout of this process is the MCP protocol, never theirs).
 */
export function commandTokenSource(command: string, stderr: NodeJS.WritableStream = process.stderr): TokenSource {
  return cachedTokenSource('AIRLOCK_TOKEN_COMMAND', () => runTokenCommand(command, stderr));
}

function runTokenCommand(command: string, stderr: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: 'utf8' }, (error, stdout, errText) => {
      if (errText) stderr.write(errText.endsWith('\n') ? errText : `${errText}\n`);
      if (error) {
        const why = error.killed ? `timed out after ${COMMAND_TIMEOUT_MS / 1000} s` : `exited with ${String(error.code ?? error.message)}`;
        reject(new AirlockError('ERR_TOKEN_COMMAND', `AIRLOCK_TOKEN_COMMAND ${why}`, { cause: error }));
        return;
      }
      const token = stdout.trim();
      if (token === '' || /\s/.test(token)) {
        reject(new AirlockError('ERR_TOKEN_COMMAND', 'AIRLOCK_TOKEN_COMMAND must print exactly one token on stdout'));
        return;
      }
      resolve(token);
    });
  });
}
