import { findDataDir } from '#local/runtime-file.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { keyRing } from '#shared/records/key-id.js';
import { verifyChain } from '#shared/records/verify-chain.js';
import { KEY_CHAIN_SESSION } from '#shared/records/types.js';
import { SESSION_ID } from '#shared/use-cases/query-input.js';
import { openLocalRecordStore } from '#local/record-store-access.js';
import { renderTranscript, renderTranscriptHtml } from '../transcript.js';
import { UsageError, type Command } from '../io.js';

/** `airlock replay SESSION_ID [--html FILE]`: the transcript, and whether the chain verifies (exit 0 yes, 1 no). */
export const run: Command = async (argv, io) => {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { html: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const [sessionId, ...extra] = parsed.positionals;
  if (sessionId === undefined || extra.length > 0) throw new UsageError('usage: airlock replay SESSION_ID [--html FILE]');
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
  io.stdout.write(renderTranscript(lines, verdict, [...keys.keys()]));
  if (parsed.values.html !== undefined) {
    const out = resolve(io.cwd, parsed.values.html);
    writeFileSync(out, renderTranscriptHtml(lines, verdict, [...keys.keys()]));
    io.stdout.write(`HTML transcript written to ${out}\n`);
  }
  return verdict.ok ? 0 : 1;
};
