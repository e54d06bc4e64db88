import { findDataDir } from '#local/runtime-file.js';
import { DevIssuer } from '#local/dev-issuer.js';
import { parseCommandArgs, UsageError, type Command } from '../io.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
// A dev token lives at most 30 days: long enough for a demo, short enough to not be a credential.
const MAX_TTL_SECONDS = 30 * 86_400;

/** `30s`, `15m`, `1h`, `2d` or plain seconds → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match?.[1]) throw new UsageError(`--ttl '${text}' is not a duration like 30s, 15m, 1h, 2d or a number of seconds`);
  const seconds = Number(match[1]) * (UNITS[match[2] || 's'] ?? 1);
  if (seconds <= 0 || seconds > MAX_TTL_SECONDS) throw new UsageError(`--ttl must be between 1 second and 30 days`);
  return seconds;
}

/**
 * `airlock token [--sub S] [--email E] [--groups a,b] [--ttl 1h]`: prints only a dev JWT,
 * signed offline with the dev issuer key in the data folder (created when missing).
 *
 * @example
 * npm run -s airlock -- token --email approver1@example.com --ttl 15m
 */
export const run: Command = async (argv, io) => {
  const { values } = parseCommandArgs({
    args: argv,
    options: {
      sub: { type: 'string', default: 'agent' },
      email: { type: 'string', default: 'agent@example.com' },
      groups: { type: 'string', default: '' },
      ttl: { type: 'string', default: '1h' },
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.sub.trim() === '') throw new UsageError('--sub must not be empty');
  const ttlSeconds = parseTtl(values.ttl);
  const groups = values.groups.split(',').map((g) => g.trim()).filter((g) => g !== '');
  const dataDir = findDataDir(io.cwd, io.env);
  const issuer = await DevIssuer.open(dataDir);
  const jwt = await issuer.issue({ sub: values.sub, email: values.email, groups, ttlSeconds });
  io.stdout.write(`${jwt}\n`);
  return 0;
};
