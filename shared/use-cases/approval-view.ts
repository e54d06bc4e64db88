import type { ApprovalView } from '../ports/notifier.js';
import type { RequestItem } from '../ports/request-store.js';
import type { SessionRecord } from '../records/types.js';

function objectName(o: unknown): string {
  if (typeof o === 'string') return o;
  if (typeof o === 'object' && o !== null) {
    const r = o as Record<string, unknown>;
    for (const k of ['name', 'qualified', 'text']) if (typeof r[k] === 'string') return r[k];
    return JSON.stringify(o);
  }
  return String(o);
}

/**
 * What approvers are shown, from the request item (status, votes) and its `query.requested`
 * record (who asked, the prompt, the SQL exactly as submitted, risk, reasons, objects).
 *
 * @example
 * const view = approvalView(item, requested);
 */
export function approvalView(item: RequestItem, requested: SessionRecord): ApprovalView {
  const body = requested.body as Record<string, unknown>;
  const reasons = Array.isArray(body['reasons']) ? (body['reasons'] as { code?: unknown; message?: unknown }[]) : [];
  const objects = Array.isArray(body['objects']) ? (body['objects'] as unknown[]).map(objectName) : [];
  const requester: ApprovalView['requester'] = {};
  if (requested.actor.sub !== undefined) requester.sub = requested.actor.sub;
  if (requested.actor.email !== undefined) requester.email = requested.actor.email;
  if (requested.actor.act !== undefined) requester.act = requested.actor.act.sub;
  const view: ApprovalView = {
    requestId: item.requestId,
    sessionId: item.sessionId,
    requester,
    prompt: item.prompt,
    sql: item.sql,
    sqlHash: item.sqlHash,
    risk: item.risk,
    reasons: reasons.map((r) => ({ code: String(r.code ?? ''), message: String(r.message ?? '') })),
    objects: [...new Set(objects)],
    approvalsRequired: item.approvalsRequired,
    approvers: item.approvers ?? [],
    votes: item.votes,
    status: item.status,
    expiresAt: item.expiresAt ?? '',
  };
  if (item.decidedAt !== undefined) view.decidedAt = item.decidedAt;
  return view;
}
