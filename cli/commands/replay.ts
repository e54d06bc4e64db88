import { findDataDir } from '#local/runtime-file.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { keyRing } from '#shared/records/key-id.js';
import { loadPolicy } from '#shared/policy/load-policy.js';
import type { Approver } from '#shared/policy/policy.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { KEY_CHAIN_SESSION } from '#shared/records/types.js';
import { SESSION_ID } from '#shared/use-cases/query-input.js';
import { openLocalRecordStore } from '#local/record-store-access.js';
import { renderTranscript, renderTranscriptHtml } from '../transcript.js';
import { parseCommandArgs, UsageError, type Command } from '../io.js';

const USAGE = 'usage: airlock replay SESSION_ID [--html FILE] [--policy FILE]';

/**
 * `airlock replay SESSION_ID [--html FILE] [--policy FILE]`: the transcript, and whether the chain
 * verifies (exit 0 yes, 1 no). The policy (`--policy`, else `AIRLOCK_POLICY`, else
 * policy/default.yaml, as the runtime) names the approvers by name and email; one that does not
 * load is said on stderr and the transcript goes on without those names.
 */
export const run: Command = async (argv, io) => {
  const parsed = parseCommandArgs({ args: argv, options: { html: { type: 'string' }, policy: { type: 'string' } }, strict: true, allowPositionals: true }, USAGE);
  const [sessionId, ...extra] = parsed.positionals;
  if (sessionId === undefined || extra.length > 0) throw new UsageError(USAGE);
  if (!SESSION_ID.test(sessionId)) throw new UsageError('SESSION_ID must match ^[A-Za-z0-9_-]{1,64}$');

  const dataDir = findDataDir(io.cwd, io.env);
  const keyFile = join(dataDir, 'keys', 'records.pem');
  if (!existsSync(keyFile)) throw new UsageError(`no record key in ${dataDir}: start the runtime once (npm start) or set AIRLOCK_DATA_DIR`);
  const { records, via, close } = await openLocalRecordStore(dataDir);
  let lines: string[];
  let certificates: string[];
  try {
    lines = await records.list(sessionId);
    certificates = await records.list(KEY_CHAIN_SESSION);
  } finally {
    await close();
  }
  if (lines.length === 0) {
    io.stderr.write(`airlock replay: session ${sessionId} has no records (read through ${via})\n`);
    return 2;
  }
  const keys = keyRing([readFileSync(keyFile, 'utf8')]);
  const verdict = verifyChain(lines, keys, { certificates });
  const approvers = policyApprovers(parsed.values.policy ?? io.env['AIRLOCK_POLICY'], io);
  io.stdout.write(renderTranscript(lines, verdict, [...keys.keys()], { approvers }));
  if (parsed.values.html !== undefined) {
    const out = resolve(io.cwd, parsed.values.html);
    writeFileSync(out, renderTranscriptHtml(lines, verdict, [...keys.keys()], { approvers }));
    io.stdout.write(`HTML transcript written to ${out}\n`);
  }
  return verdict.ok ? 0 : 1;
};

/** The policy's approvers (names and emails for the transcript), or none when the policy does not load. */
function policyApprovers(file: string | undefined, io: Parameters<Command>[1]): readonly Approver[] {
  try {
    return loadPolicy(file === undefined || file === '' ? undefined : resolve(io.cwd, file)).approvers;
  } catch (e) {
    const first = String((e as Error).message).split('\n')[0];
    io.stderr.write(`airlock replay: the policy did not load (${first}); approvers who did not vote are shown by Slack id\n`);
    return [];
  }
}
