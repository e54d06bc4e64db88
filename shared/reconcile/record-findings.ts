import { AirlockError } from '../errors.js';
import type { RecordStore } from '../ports/record-store.js';
import { canonicalJson } from '../records/canonical.js';
import { sha256Hex } from '../records/hash.js';
import type { SessionRecord } from '../records/types.js';
import { appendRecord, type AppendRecordDeps } from '../use-cases/append-record.js';
import type { ReconcileFinding } from './reconcile-finding.js';
import type { ReconcileWindow } from './reconcile-queries.js';

/**
 * The system chain of the scheduled reconcile's findings. The `/` keeps it out of reach of agent
 * session ids (`^[A-Za-z0-9_-]{1,64}$`), so no request can append to it.
 */
export const RECONCILE_SESSION = 'system/reconcile';

/**
 * A finding's id: the same evidence gives the same id whatever window found it, so a run over an
 * overlapping window recognises a finding already on record. Built from what identifies the
 * finding (kind, reason, Snowflake's query id, the record it names), never from its message or
 * from times that change between runs.
 */
export function findingId(f: ReconcileFinding): string {
  const identity = {
    kind: f.kind,
    reason: f.reason,
    queryId: f.history?.queryId ?? null,
    sessionId: f.record?.sessionId ?? null,
    requestId: f.record?.requestId ?? null,
    recordQueryId: f.record?.queryId ?? null,
    recordSeq: f.record?.recordSeq ?? null,
  };
  return `rf_${sha256Hex(canonicalJson(identity)).slice(0, 32)}`;
}

export interface RecordFindingsResult {
  /** Findings appended now, in order. */
  appended: Array<{ finding: ReconcileFinding; id: string; seq: number }>;
  /** Findings already in the chain (an earlier run over an overlapping window). */
  alreadyRecorded: number;
}

/**
 * Appends each finding not yet in the `system/reconcile` chain as a signed `reconcile.finding`
 * record whose `requestId` is its `findingId`; a finding already there is skipped, so a second
 * run over the same window appends nothing and flags nothing twice. Runs are expected one at a
 * time (the scheduled function has a reserved concurrency of 1); the chain itself stays linear
 * under concurrent appends whatever happens (appendRecord's conditional put).
 *
 * Errors: ERR_STORE_UNAVAILABLE, appendRecord's (ERR_SIGNER_UNAVAILABLE, ERR_CHAIN_CONFLICT…).
 *
 * @example
 * const { findings } = await reconcileQueries(deps, window);
 * const { appended } = await recordFindings(deps, window, findings); // [] on the second run
 */
export async function recordFindings(deps: AppendRecordDeps & { records: RecordStore }, window: ReconcileWindow, findings: readonly ReconcileFinding[]): Promise<RecordFindingsResult> {
  if (findings.length === 0) return { appended: [], alreadyRecorded: 0 };
  const known = new Set<string>();
  try {
    for (const line of await deps.records.list(RECONCILE_SESSION)) known.add((JSON.parse(line) as SessionRecord).requestId);
  } catch (cause) {
    if (cause instanceof AirlockError) throw cause;
    throw new AirlockError('ERR_STORE_UNAVAILABLE', `the ${RECONCILE_SESSION} chain could not be read`, { cause });
  }
  const appended: RecordFindingsResult['appended'] = [];
  let alreadyRecorded = 0;
  for (const finding of findings) {
    const id = findingId(finding);
    if (known.has(id)) {
      alreadyRecorded += 1;
      continue;
    }
    known.add(id);
    const { record } = await appendRecord(deps, {
      sessionId: RECONCILE_SESSION,
      requestId: id,
      type: 'reconcile.finding',
      actor: { kind: 'system' },
      body: {
        kind: finding.kind,
        flagged: finding.flagged,
        reason: finding.reason,
        message: finding.message,
        window: { from: window.from, to: window.to },
        ...(finding.history === undefined ? {} : { history: { ...finding.history } }),
        ...(finding.record === undefined ? {} : { record: { ...finding.record } }),
      },
    });
    appended.push({ finding, id, seq: record.seq });
  }
  return { appended, alreadyRecorded };
}
