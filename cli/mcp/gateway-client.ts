import { AirlockError, isAirlockErrorCode } from '#shared/errors.js';
import type { Reason } from '#shared/sql/types.js';
import type { TokenSource } from './token-source.js';

/** The answers of docs/interfaces.md "HTTP" that the MCP tools read. */
export interface MaskedColumn {
  column: string;
  rule: string;
  cells: number;
}

export interface ExecutedAnswer {
  requestId: string;
  sessionId: string;
  status: 'executed';
  risk: string;
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, unknown>>;
  rowCount: number;
  truncated: boolean;
  masked: MaskedColumn[];
  queryId?: string;
  record?: { seq: number; hash: string };
}

export interface PendingAnswer {
  requestId: string;
  sessionId: string;
  status: 'pending_approval';
  risk: string;
  reasons: Reason[];
  approvalsRequired: number;
  approvers: string[];
  expiresAt: string;
}

export interface DeniedAnswer {
  requestId: string;
  sessionId: string;
  status: 'denied';
  risk: string;
  reasons: Reason[];
}

export interface FailedAnswer {
  requestId: string;
  sessionId: string;
  status: 'failed';
  risk: string;
  error: { code: string; sqlState?: string; message: string; queryId?: string };
}

export type QueryAnswer = ExecutedAnswer | PendingAnswer | DeniedAnswer | FailedAnswer;

/** GET /v1/queries/{requestId}. */
export interface RequestView {
  requestId: string;
  sessionId: string;
  status: 'pending_approval' | 'approved' | 'running' | 'rejected' | 'expired' | 'executed' | 'failed' | 'denied' | 'outcome_unknown';
  risk: string;
  approvalsRequired: number;
  votes: Array<{ slackUserId: string; email?: string; vote: string; at: string; reason?: string }>;
  expiresAt: string | null;
  /** Who decided and why (a denial's reason), once decided. */
  decision?: { outcome: 'approved' | 'rejected' | 'expired'; by: string[]; reason?: string; at?: string };
  result?: ExecutedAnswer;
  error?: FailedAnswer['error'];
  reasons?: Reason[];
}

export interface QuerySubmission {
  prompt: string;
  sql: string;
  sessionId?: string;
  idempotencyKey?: string;
}

/**
 * A small typed client for the gateway's agent endpoints. Every non-2xx error answer becomes an
 * AirlockError with the gateway's own code (details: `httpStatus`, `reasons`); a 401
 * ERR_TOKEN_EXPIRED is retried once with a refreshed token (safe: authentication comes first, so a
 * refused call ran and recorded nothing). Query outcomes 403/422/504 are answers, not errors.
 *
 * @example
 * const gw = new GatewayClient('http://127.0.0.1:8787', staticTokenSource(jwt));
 * const answer = await gw.submit({ prompt: 'top customers', sql: 'SELECT 1' });
 */
export class GatewayClient {
  readonly baseUrl: string;
  constructor(
    baseUrl: string,
    private readonly tokens: TokenSource,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async submit(input: QuerySubmission): Promise<QueryAnswer> {
    return (await this.call('POST', '/v1/queries', input, [200, 202, 403, 422, 504])).body as QueryAnswer;
  }

  async getQuery(requestId: string, waitSeconds = 0): Promise<RequestView> {
    const query = waitSeconds > 0 ? `?waitSeconds=${waitSeconds}` : '';
    return (await this.call('GET', `/v1/queries/${encodeURIComponent(requestId)}${query}`, undefined, [200])).body as RequestView;
  }

  async explain(sql?: string): Promise<Record<string, unknown>> {
    return (await this.call('POST', '/v1/explain', sql === undefined ? {} : { sql }, [200])).body as Record<string, unknown>;
  }

  private async call(method: string, path: string, body: unknown, answers: number[]): Promise<{ status: number; body: unknown }> {
    let res = await this.send(method, path, body, await this.tokens.current());
    if (res.status === 401 && codeOf(res.body) === 'ERR_TOKEN_EXPIRED') {
      const fresh = await this.tokens.refresh();
      if (fresh !== null) res = await this.send(method, path, body, fresh);
    }
    // An error answer is `{ error }` alone; outcomes (a failed query included) carry a `status`.
    if (answers.includes(res.status) && isRecord(res.body) && (res.body['status'] !== undefined || res.body['error'] === undefined)) return res;
    throw errorOf(res.status, res.body);
  }

  private async send(method: string, path: string, body: unknown, token: string): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new AirlockError('ERR_GATEWAY_UNREACHABLE', `Airlock at ${this.baseUrl} is not reachable (${describeCause(e)})`, { cause: e });
    }
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      throw new AirlockError('ERR_GATEWAY_RESPONSE', `Airlock at ${this.baseUrl} answered HTTP ${res.status} without JSON`, { details: { httpStatus: res.status } });
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function codeOf(body: unknown): string | undefined {
  const error = isRecord(body) ? body['error'] : undefined;
  return isRecord(error) && typeof error['code'] === 'string' ? error['code'] : undefined;
}

function errorOf(status: number, body: unknown): AirlockError {
  const error = isRecord(body) && isRecord(body['error']) ? body['error'] : {};
  // A code outside the table cannot come from this gateway: treat the answer as unexpected.
  const code = typeof error['code'] === 'string' && isAirlockErrorCode(error['code']) ? error['code'] : 'ERR_GATEWAY_RESPONSE';
  const message = typeof error['message'] === 'string' ? error['message'] : `unexpected HTTP ${status} from the gateway`;
  const details: Record<string, unknown> = { httpStatus: status };
  if (Array.isArray(error['reasons'])) details['reasons'] = error['reasons'];
  return new AirlockError(code, message, { details });
}

function describeCause(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  const code = isRecord(cause) && typeof cause['code'] === 'string' ? cause['code'] : undefined;
  return code ?? (cause instanceof Error ? cause.message : String(cause));
}
