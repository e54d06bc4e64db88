import { AirlockError } from '../errors.js';
import type { RecordStore } from '../ports/record-store.js';
import type { RequestStore } from '../ports/request-store.js';
import { findOutcomeFindings } from '../records/outcome-findings.js';
import { sha256Hex } from '../records/hash.js';
import type { SessionRecord } from '../records/types.js';
import { appendRecord, type AppendRecordDeps } from '../use-cases/append-record.js';
import { RECOVERY_MARGIN_SECONDS } from '../use-cases/recover-interrupted.js';
import { housekeepingOf } from './housekeeping.js';
import { RECONCILE_SESSION } from './record-findings.js';
import { settleRequest } from './settle-request.js';
import type { HistoryQuery, HistorySourceName, QueryHistorySource } from './query-history.js';
import { FLAGGED_KINDS, type HistoryEvidence, type ReconcileFinding, type RecordEvidence } from './reconcile-finding.js';

/**
 * How far around the window records and history are read: a query ends in Snowflake moments
 * before its outcome record is written, so a pair may straddle an edge. Only queries ending and
 * outcome records written inside the window are judged; the margin supplies their partners.
 */
export const RECONCILE_MARGIN_MS = 15 * 60_000;

/** Snowflake statuses of a query that has ended (anything else — RUNNING, QUEUED… — has not). */
const ENDED = /^(SUCCESS|FAILED_WITH_ERROR|FAILED_WITH_INCIDENT|INCIDENT)$/;

/**
 * How long after its query ended an open request is settled: the runtime writes `query.executed`
 * right after the statement returns, so a request whose query just ended may still be in flight
 * (settling it then would give it two ending records). The same margin as the recovery of
 * interrupted requests.
 */
export const SETTLE_AFTER_MS = RECOVERY_MARGIN_SECONDS * 1000;

/** What every reconcile reads. */
interface ReconcileReadDeps {
  records: RecordStore & Required<Pick<RecordStore, 'sessionIds'>>;
  history: QueryHistorySource;
  clock: AppendRecordDeps['clock'];
  /** Default SETTLE_AFTER_MS. */
  settleAfterMs?: number;
  /**
   * The requests table: a request settled by `query.reconciled` moves from `outcome_unknown` to
   * `executed`/`failed` there too (settleRequest), so `GET /v1/queries/{id}` answers Snowflake's
   * outcome. Without it only the chain is settled.
   */
  requests?: Pick<RequestStore, 'get' | 'transition'>;
}

/** The scheduled reconcile: appends `query.reconciled`, signed. */
export interface ReconcileAppendDeps extends ReconcileReadDeps, Omit<AppendRecordDeps, 'records' | 'clock'> {
  readOnly?: false;
}

/**
 * Append nothing, change nothing (an auditor's `airlock reconcile --aws`, who may not sign
 * records): an outcome-unknown request Snowflake shows ran stays an `outcome_unknown` finding
 * with reason `ran_not_recorded` (the scheduled reconcile records it). No signer at all.
 */
export interface ReconcileReadOnlyDeps extends ReconcileReadDeps {
  readOnly: true;
}

export type ReconcileDeps = ReconcileAppendDeps | ReconcileReadOnlyDeps;

export interface ReconcileWindow {
  /** ISO instants, inclusive. */
  from: string;
  to: string;
}

export interface ReconcileSummary {
  window: ReconcileWindow;
  user: string;
  source: HistorySourceName;
  latencyNote?: string;
  /** Queries of the service user ending in the window. */
  historyQueries: number;
  /** Of those: Airlock's own housekeeping (catalog, QUERY_HISTORY reads, login checks). */
  housekeeping: number;
  /** Of those: matched to a record by query id or tag and text hash. */
  matched: number;
  sessions: number;
  records: number;
  counts: Record<ReconcileFinding['kind'], number>;
  flagged: number;
}

interface Req {
  sessionId: string;
  requestId: string;
  seq: number | null;
  sql: string | null;
  sqlHash: string | null;
  /** The record that ended it, if any. */
  end: SessionRecord | null;
  /** Query ids the records give it (executed, failed, reconciled). */
  queryIds: string[];
}

function historyEvidence(q: HistoryQuery): HistoryEvidence {
  return {
    queryId: q.queryId,
    userName: q.userName,
    status: q.status,
    startTime: q.startTime,
    endTime: q.endTime,
    rowsProduced: q.rowsProduced,
    textHash: sha256Hex(q.queryText),
    textLength: q.queryText.length,
    queryTag: q.queryTag.slice(0, 1000),
  };
}

function recordEvidence(r: Req, extra: Partial<RecordEvidence> = {}): RecordEvidence {
  return { sessionId: r.sessionId, requestId: r.requestId, seq: r.seq, sqlHash: r.sqlHash, ...extra };
}

function airlockTag(tag: string): Record<string, unknown> | null {
  if (tag === '') return null;
  try {
    const o = JSON.parse(tag) as unknown;
    const a = typeof o === 'object' && o !== null ? (o as { airlock?: unknown }).airlock : undefined;
    return typeof a === 'object' && a !== null && !Array.isArray(a) ? (a as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function parsedTag(tag: string): unknown {
  try {
    return JSON.parse(tag) as unknown;
  } catch {
    return null;
  }
}

function queryIdsOf(r: SessionRecord): string[] {
  const b = r.body as { queryId?: unknown; queryIds?: unknown };
  const ids = typeof b.queryId === 'string' ? [b.queryId] : [];
  if (Array.isArray(b.queryIds)) for (const id of b.queryIds) if (typeof id === 'string' && !ids.includes(id)) ids.push(id);
  return ids;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** settleRequest, its store failures as ERR_STORE_UNAVAILABLE (the chain is settled already; a later run retries the item). */
async function settleItem(requests: Pick<RequestStore, 'get' | 'transition'>, record: SessionRecord): Promise<void> {
  try {
    await settleRequest(requests, record);
  } catch (cause) {
    if (cause instanceof AirlockError) throw cause;
    throw new AirlockError('ERR_STORE_UNAVAILABLE', 'the requests table could not be updated', { cause });
  }
}

/**
 * Reconciles Snowflake's history of the service user's queries with the records of a window:
 * every query ending in the window must be a recorded request's (matched by query id, else by
 * its QUERY_TAG's session and request and the text's SHA-256), or a genuine housekeeping query;
 * every Snowflake query id a record written in the window names must be in the history. A request
 * left `outcome_unknown` whose query Snowflake shows ended gets a signed `query.reconciled` record
 * (appendRecord), so verify and replay no longer report it; a second run does nothing more for it.
 *
 * Errors: the history's (ERR_WAREHOUSE…), ERR_STORE_UNAVAILABLE, appendRecord's.
 *
 * @example
 * const { findings, summary } = await reconcileQueries(deps, { from: '2026-12-07T00:00:00Z', to: '2026-12-07T12:00:00Z' });
 * summary.flagged; // 0 on a clean day
 */
export async function reconcileQueries(deps: ReconcileDeps, window: ReconcileWindow): Promise<{ findings: ReconcileFinding[]; summary: ReconcileSummary }> {
  const fromMs = Date.parse(window.from);
  const toMs = Date.parse(window.to);
  if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs > toMs) throw new AirlockError('ERR_VALIDATION', 'the reconcile window must be ISO instants with from <= to');
  const from = iso(fromMs);
  const to = iso(toMs);
  const inWindow = (at: string) => at >= from && at <= to;

  // The records: whole sessions touching the window and its margin.
  let sessionIds: string[];
  const all: SessionRecord[] = [];
  try {
    sessionIds = await deps.records.sessionIds({ from: iso(fromMs - RECONCILE_MARGIN_MS), to: iso(toMs + RECONCILE_MARGIN_MS) });
    // The reconcile chain holds findings, never a query Airlock ran: its evidence must not match anything.
    sessionIds = sessionIds.filter((id) => id !== RECONCILE_SESSION);
    for (const id of sessionIds) for (const line of await deps.records.list(id)) all.push(JSON.parse(line) as SessionRecord);
  } catch (cause) {
    if (cause instanceof AirlockError) throw cause;
    throw new AirlockError('ERR_STORE_UNAVAILABLE', 'the record store could not be read', { cause });
  }
  const reqs = new Map<string, Req>();
  const byQueryId = new Map<string, { req: Req; record: SessionRecord }>();
  const key = (sessionId: unknown, requestId: unknown) => `${String(sessionId)}\u0000${String(requestId)}`;
  for (const r of all) {
    let q = reqs.get(key(r.sessionId, r.requestId));
    if (q === undefined) {
      q = { sessionId: r.sessionId, requestId: r.requestId, seq: null, sql: null, sqlHash: null, end: null, queryIds: [] };
      reqs.set(key(r.sessionId, r.requestId), q);
    }
    const b = r.body as { sql?: unknown; sqlHash?: unknown };
    if (r.type === 'query.requested' && q.seq === null) {
      q.seq = r.seq;
      q.sql = typeof b.sql === 'string' ? b.sql : null;
      q.sqlHash = typeof b.sqlHash === 'string' ? b.sqlHash : null;
    }
    if (['query.executed', 'query.failed', 'query.denied', 'approval.rejected', 'approval.expired', 'query.reconciled'].includes(r.type)) q.end ??= r;
    for (const id of queryIdsOf(r)) {
      q.queryIds.push(id);
      if (!byQueryId.has(id)) byQueryId.set(id, { req: q, record: r });
    }
  }
  const unknown = new Set(findOutcomeFindings(all).filter((f) => f.kind === 'outcome_unknown').map((f) => key(f.sessionId, f.requestId)));

  // Snowflake's side: from the margin before the window (partners of records) to its end.
  const read = await deps.history.queriesEndedBetween(iso(fromMs - RECONCILE_MARGIN_MS), to);
  const history = new Map(read.queries.map((q) => [q.queryId, q]));

  const findings: ReconcileFinding[] = [];
  const flag = (f: Omit<ReconcileFinding, 'flagged'>) => findings.push({ ...f, flagged: FLAGGED_KINDS.includes(f.kind) });
  let judged = 0;
  let housekeeping = 0;
  let matched = 0;
  const resolutions = new Map<string, HistoryQuery[]>();

  for (const q of read.queries) {
    if (!inWindow(q.endTime)) continue;
    judged += 1;
    const hk = housekeepingOf(parsedTag(q.queryTag), q.queryText);
    if (hk !== null) {
      if (hk.genuine) {
        housekeeping += 1;
        continue;
      }
      flag({ kind: 'unrecorded_query', reason: 'housekeeping_tag_on_other_text', message: `query ${q.queryId} carries a housekeeping tag (${hk.kind}) on a text Airlock never sends for it`, history: historyEvidence(q) });
      continue;
    }
    const textHash = sha256Hex(q.queryText);
    const byId = byQueryId.get(q.queryId);
    if (byId !== undefined) {
      const multi = byId.req.queryIds.length > 1 && byId.req.sql !== null && byId.req.sql.includes(q.queryText.trim());
      if (byId.req.sqlHash !== null && textHash !== byId.req.sqlHash && !multi) {
        flag({ kind: 'sql_mismatch', reason: 'recorded_query_id_other_text', message: `query ${q.queryId} is recorded for request ${byId.req.requestId}, but its text hashes to ${textHash}, not the recorded ${byId.req.sqlHash}`, history: historyEvidence(q), record: recordEvidence(byId.req, { recordType: byId.record.type, recordSeq: byId.record.seq, queryId: q.queryId }) });
      } else matched += 1;
      continue;
    }
    const tag = airlockTag(q.queryTag);
    if (tag === null || typeof tag['requestId'] !== 'string' || typeof tag['sessionId'] !== 'string') {
      flag({ kind: 'unrecorded_query', reason: 'no_airlock_tag', message: `query ${q.queryId} ran as ${q.userName} without Airlock's tag: no record accounts for it`, history: historyEvidence(q) });
      continue;
    }
    const req = reqs.get(key(tag['sessionId'], tag['requestId']));
    if (req === undefined || req.seq === null) {
      flag({ kind: 'unrecorded_query', reason: 'tag_names_no_record', message: `query ${q.queryId} is tagged with request ${String(tag['requestId']).slice(0, 80)} of session ${String(tag['sessionId']).slice(0, 80)}, which no record holds`, history: historyEvidence(q) });
      continue;
    }
    if (textHash !== req.sqlHash) {
      flag({ kind: 'sql_mismatch', reason: 'tag_names_other_text', message: `query ${q.queryId} is tagged with request ${req.requestId}, whose recorded SQL hashes to ${req.sqlHash}, not the query's ${textHash}`, history: historyEvidence(q), record: recordEvidence(req) });
      continue;
    }
    if (unknown.has(key(req.sessionId, req.requestId))) {
      const list = resolutions.get(key(req.sessionId, req.requestId)) ?? [];
      list.push(q);
      resolutions.set(key(req.sessionId, req.requestId), list);
      continue;
    }
    // The text matches a request that ended otherwise: a run the records do not account for.
    const end = req.end;
    if (end?.type === 'query.failed' && queryIdsOf(end).length === 0) {
      matched += 1; // failed without Snowflake's query id (e.g. a timeout before it answered): this is that run
      continue;
    }
    flag({
      kind: 'unrecorded_query',
      reason: end === null ? 'request_not_executed' : 'second_run',
      message: `query ${q.queryId} runs the SQL of request ${req.requestId}, whose records ${end === null ? 'show no execution' : `end with ${end.type}${queryIdsOf(end).length > 0 ? ` naming query ${queryIdsOf(end).join(', ')}` : ''}`}`,
      history: historyEvidence(q),
      record: recordEvidence(req, end === null ? {} : { recordType: end.type, recordSeq: end.seq }),
    });
  }

  // Records written in the window that name a Snowflake query id: each must be in the history.
  const latencyCutoff = read.latencyNote === undefined ? Infinity : Date.now() - 45 * 60_000;
  for (const r of all) {
    if (!inWindow(r.at) || Date.parse(r.at) > latencyCutoff) continue;
    if (r.type === 'query.executed' && (r.body as { warehouse?: unknown }).warehouse !== 'snowflake') continue;
    if (r.type !== 'query.executed' && r.type !== 'query.failed' && r.type !== 'query.reconciled') continue;
    const req = reqs.get(key(r.sessionId, r.requestId))!;
    for (const id of queryIdsOf(r)) {
      if (history.has(id)) continue;
      flag({ kind: 'missing_in_history', reason: 'query_id_unknown', message: `${r.type} (session ${r.sessionId} seq ${r.seq}) names query ${id}, which Snowflake's history of ${read.source} does not hold`, record: recordEvidence(req, { recordType: r.type, recordSeq: r.seq, queryId: id, at: r.at }) });
    }
  }

  // Requests an earlier run settled in the chain whose item did not follow (that run ended between the two writes).
  if (deps.requests !== undefined && deps.readOnly !== true) {
    for (const r of all) if (r.type === 'query.reconciled') await settleItem(deps.requests, r);
  }

  // outcome_unknown requests: settled by the query Snowflake ran for them.
  for (const k of unknown) {
    const req = reqs.get(k)!;
    const settleBefore = deps.clock.now().getTime() - (deps.settleAfterMs ?? SETTLE_AFTER_MS);
    const ended = (resolutions.get(k) ?? []).filter((q) => ENDED.test(q.status));
    const runs = ended.filter((q) => Date.parse(q.endTime) <= settleBefore);
    const [first, ...more] = runs;
    if (first === undefined) {
      const reason = ended.length > 0 ? 'recently_ended' : (resolutions.get(k) ?? []).length > 0 ? 'still_running' : 'not_in_history';
      const message = {
        recently_ended: `request ${req.requestId}: its query ended less than ${Math.round((deps.settleAfterMs ?? SETTLE_AFTER_MS) / 1000)} s ago and may still be being recorded; a later run settles it`,
        still_running: `request ${req.requestId}: its query has not ended yet`,
        not_in_history: `request ${req.requestId}: no query of it ended in the history read (it did not run, or ran outside the window)`,
      }[reason];
      flag({ kind: 'outcome_unknown', reason, message, record: recordEvidence(req) });
      continue;
    }
    if (deps.readOnly === true) {
      flag({ kind: 'outcome_unknown', reason: 'ran_not_recorded', message: `request ${req.requestId}: Snowflake ran query ${first.queryId} (${first.status}); this read-only run records nothing (the scheduled reconcile appends query.reconciled)`, history: historyEvidence(first), record: recordEvidence(req) });
      for (const q of more) flag({ kind: 'unrecorded_query', reason: 'second_run', message: `query ${q.queryId} runs request ${req.requestId} again, after query ${first.queryId}`, history: historyEvidence(q), record: recordEvidence(req) });
      continue;
    }
    const appended = await appendRecord(deps, {
      sessionId: req.sessionId,
      requestId: req.requestId,
      type: 'query.reconciled',
      actor: { kind: 'system' },
      body: {
        sqlHash: req.sqlHash ?? '',
        queryId: first.queryId,
        status: first.status,
        rowCount: first.rowsProduced,
        endTime: first.endTime,
        ...(first.errorCode === null ? {} : { errorCode: first.errorCode }),
        source: read.source,
      },
    });
    if (deps.requests !== undefined) await settleItem(deps.requests, appended.record);
    matched += 1;
    flag({ kind: 'outcome_resolved', reason: first.status === 'SUCCESS' ? 'ran' : 'ran_and_failed', message: `request ${req.requestId} was outcome_unknown: Snowflake ran query ${first.queryId} (${first.status}); recorded as query.reconciled seq ${appended.record.seq}`, history: historyEvidence(first), record: recordEvidence(req, { recordType: 'query.reconciled', recordSeq: appended.record.seq, queryId: first.queryId, at: appended.record.at }) });
    for (const q of more) {
      flag({ kind: 'unrecorded_query', reason: 'second_run', message: `query ${q.queryId} runs request ${req.requestId} again, after query ${first.queryId}`, history: historyEvidence(q), record: recordEvidence(req) });
    }
  }

  const counts: ReconcileSummary['counts'] = { unrecorded_query: 0, sql_mismatch: 0, missing_in_history: 0, outcome_resolved: 0, outcome_unknown: 0 };
  for (const f of findings) counts[f.kind] += 1;
  const summary: ReconcileSummary = {
    window: { from, to },
    user: deps.history.user,
    source: read.source,
    ...(read.latencyNote === undefined ? {} : { latencyNote: read.latencyNote }),
    historyQueries: judged,
    housekeeping,
    matched,
    sessions: sessionIds.length,
    records: all.length,
    counts,
    flagged: findings.filter((f) => f.flagged).length,
  };
  return { findings, summary };
}
