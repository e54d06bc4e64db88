import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevIssuer } from '#local/dev-issuer.js';
import { findDataDir, readRuntimeInfo } from '#local/runtime-file.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { approvalClickBody } from '#shared/adapters/slack/slack-interaction.js';
import { slackSignature } from '#shared/adapters/slack/slack-signature.js';
import { parseCommandArgs, UsageError, type CliIo, type Command } from '../io.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function serverUrl(io: CliIo, dataDir: string): URL {
  const raw = io.env['AIRLOCK_URL'] || readRuntimeInfo(dataDir)?.url || `http://127.0.0.1:${io.env['AIRLOCK_PORT'] || 8787}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`AIRLOCK_URL '${raw}' is not a URL`);
  }
  // A locally signed click is only for the local runtime: the secret must never travel to another host.
  if (!LOOPBACK.has(url.hostname) || url.protocol !== 'http:') throw new UsageError(`AIRLOCK_URL must be http on loopback (127.0.0.1, localhost, ::1), not ${url.host}`);
  return url;
}

function signingSecret(io: CliIo, dataDir: string): string {
  const fromEnv = io.env['SLACK_SIGNING_SECRET'];
  if (fromEnv) return fromEnv;
  try {
    const s = readFileSync(join(dataDir, 'keys', 'slack-signing-secret'), 'utf8').trim();
    if (s !== '') return s;
  } catch {
    // handled below
  }
  throw new UsageError(`no Slack signing secret: set SLACK_SIGNING_SECRET, or start the local runtime once (it creates ${join(dataDir, 'keys', 'slack-signing-secret')})`);
}

const SQL_HASH = /^[0-9a-f]{64}$/;

/**
 * The SQL hash of the request, so the click carries it and the server checks `sql_changed`: from
 * `--sql-hash`, else read from the local runtime (GET /v1/queries/{id}) with a short-lived dev token
 * in the policy's auditor groups (this command only ever talks to the local runtime on loopback).
 * Null when it cannot be learned: then no click is sent (fail closed).
 */
async function requestSqlHash(io: Parameters<Command>[1], dataDir: string, base: URL, requestId: string, given: string | undefined): Promise<string | { error: string }> {
  if (given !== undefined) return SQL_HASH.test(given) ? given : { error: '--sql-hash must be 64 lower-case hex characters' };
  let token = io.env['AIRLOCK_TOKEN'];
  try {
    if (token === undefined || token === '') {
      const policy = loadPolicy(io.env['AIRLOCK_POLICY'] || undefined);
      token = await (await DevIssuer.open(dataDir)).issue({ sub: 'airlock-cli-approver', groups: policy.auditorGroups, ttlSeconds: 60 });
    }
    const res = await fetch(new URL(`/v1/queries/${encodeURIComponent(requestId)}`, base), { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json().catch(() => ({}))) as { sqlHash?: unknown; error?: { code?: unknown } };
    if (res.status !== 200) return { error: `cannot read request ${requestId} to learn its SQL hash (${res.status} ${String(body.error?.code ?? '')}); pass --sql-hash` };
    if (typeof body.sqlHash !== 'string' || !SQL_HASH.test(body.sqlHash)) return { error: `the server did not say request ${requestId}'s SQL hash; pass --sql-hash` };
    return body.sqlHash;
  } catch (e) {
    return { error: `cannot read request ${requestId} to learn its SQL hash: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * `approve|deny REQUEST_ID --as SLACK_USER_ID [--reason R]`: posts a correctly signed Slack
 * `block_actions` interaction to the local runtime, so the real interaction path decides.
 * Exit 0 recorded, 1 refused (self-approval, second vote, decided, not an approver), 2 transport,
 * signature or usage error (docs/interfaces.md).
 *
 * @example
 * npm run -s airlock -- approve 01JC… --as UAPPROVER1
 */
export function voteCommand(vote: 'approve' | 'deny'): Command {
  return async (argv, io) => {
    const parsed = parseCommandArgs({ args: argv, options: { as: { type: 'string' }, reason: { type: 'string' }, 'sql-hash': { type: 'string' } }, allowPositionals: true, strict: true });
    const [requestId, ...extra] = parsed.positionals;
    if (requestId === undefined || extra.length > 0) throw new UsageError(`usage: airlock ${vote} REQUEST_ID --as SLACK_USER_ID [--reason R] [--sql-hash H]`);
    const as = parsed.values.as;
    if (as === undefined || !/^[UW][A-Z0-9]{2,30}$/.test(as)) throw new UsageError('--as must be a Slack user id (U… or W…)');
    const dataDir = findDataDir(io.cwd, io.env);
    const base = serverUrl(io, dataDir);
    const url = new URL('/slack/interactions', base);
    // The click names the SQL it approves, as the Slack button does: a changed SQL is refused (sql_changed).
    const sqlHash = await requestSqlHash(io, dataDir, base, requestId, parsed.values['sql-hash']);
    if (typeof sqlHash !== 'string') {
      io.stderr.write(`airlock ${vote}: ${sqlHash.error}\n`);
      return 2;
    }
    const body = approvalClickBody({ slackUserId: as, vote, requestId, sqlHash, ...(parsed.values.reason === undefined ? {} : { reason: parsed.values.reason }) });
    const timestamp = String(Math.floor(Date.now() / 1000));
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': slackSignature(signingSecret(io, dataDir), timestamp, body) },
        body,
      });
    } catch (e) {
      io.stderr.write(`airlock ${vote}: cannot reach ${url.origin}: ${e instanceof Error ? e.message : String(e)}\n`);
      return 2;
    }
    const text = await res.text();
    let answer: { recorded?: unknown; code?: unknown; message?: unknown; status?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      io.stderr.write(`airlock ${vote}: the server answered ${res.status} without JSON\n`);
      return 2;
    }
    if (res.status !== 200 || typeof answer.recorded !== 'boolean') {
      io.stderr.write(`airlock ${vote}: ${res.status} ${String(answer.error?.code ?? '')} ${String(answer.error?.message ?? '')}\n`);
      return 2;
    }
    io.stdout.write(`${JSON.stringify({ recorded: answer.recorded, code: answer.code, status: answer.status, message: answer.message })}\n`);
    return answer.recorded ? 0 : 1;
  };
}

export const run: Command = voteCommand('approve');
