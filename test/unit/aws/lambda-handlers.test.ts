import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { keyIdOf } from '#shared/records/key-id.js';
import { AWS_ENV } from '#shared/wiring/aws-env.js';
import { awsWiring } from '#shared/wiring/aws.js';
import { INTERNAL_ERROR_MESSAGE } from '#shared/http/error-response.js';
import type { ApprovalDeps } from '#shared/use-cases/approval-deps.js';
import { approvalTask } from '../../../functions/lib/approval-task.js';
import { httpApiEvent } from './http-api-event.js';

const RECORDS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/records';
const EXPORTS_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/exports';
const keys = { [RECORDS_KEY]: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, [EXPORTS_KEY]: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey };
const kms = mockClient(KMSClient);

type Handler = (e: ReturnType<typeof httpApiEvent>) => Promise<{ statusCode?: number; body?: string; headers?: Record<string, unknown> }>;
let publicHandler: Handler;
let getSessionHandler: Handler;

beforeAll(async () => {
  // The environment the stack gives the Public and GetQuery functions (infra/function-access.ts).
  const dir = mkdtempSync(join(tmpdir(), 'airlock-lambda-'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(loadPolicy()));
  Object.assign(process.env, {
    AIRLOCK_POLICY: join(dir, 'policy.json'),
    OIDC_ISSUER: 'https://idp.example.com',
    OIDC_AUDIENCE: 'airlock',
    OIDC_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
    [AWS_ENV.recordsKeyArn]: RECORDS_KEY,
    [AWS_ENV.exportsKeyArn]: EXPORTS_KEY,
    AWS_REGION: 'eu-west-1',
  });
  kms.on(GetPublicKeyCommand).callsFake((input: { KeyId: keyof typeof keys }) => ({
    KeyId: input.KeyId,
    PublicKey: new Uint8Array(keys[input.KeyId].export({ type: 'spki', format: 'der' })),
    KeySpec: 'ECC_NIST_P256',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ECDSA_SHA_256'],
  }));
  publicHandler = ((await import('../../../functions/public.js')) as { handler: Handler }).handler;
  getSessionHandler = ((await import('../../../functions/get-session.js')) as { handler: Handler }).handler;
});

describe('API Lambda handlers through dispatch', () => {
  it('GET /v1/keys lists the records and export keys from KMS, with key ids like the local key and their ARNs', async () => {
    const res = await publicHandler(httpApiEvent({ rawPath: '/v1/keys' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['x-request-id']).toBe('req-1');
    const body = JSON.parse(res.body!) as { keys: Array<Record<string, unknown>> };
    expect(body.keys).toEqual([
      { keyId: keyIdOf(keys[RECORDS_KEY]), alg: 'ECDSA_SHA_256', pem: keys[RECORDS_KEY].export({ type: 'spki', format: 'pem' }), use: 'records', kmsKeyArn: RECORDS_KEY },
      { keyId: keyIdOf(keys[EXPORTS_KEY]), alg: 'ECDSA_SHA_256', pem: keys[EXPORTS_KEY].export({ type: 'spki', format: 'pem' }), use: 'exports', kmsKeyArn: EXPORTS_KEY },
    ]);
  });

  it('GET /v1/health answers 200 and a route of another function is 404 here', async () => {
    expect((await publicHandler(httpApiEvent({ rawPath: '/v1/health' }))).statusCode).toBe(200);
    const other = await publicHandler(httpApiEvent({ method: 'POST', rawPath: '/v1/queries', body: '{}' }));
    expect(other.statusCode).toBe(404);
    expect(JSON.parse(other.body!).error.code).toBe('ERR_NOT_FOUND');
  });

  it('a request without a token gets 401 ERR_TOKEN_MISSING from the verifier, before any table is touched', async () => {
    // GetQuery's own environment adds both tables (infra/function-access.ts): a fresh module graph is a fresh container.
    const tables = { [AWS_ENV.recordsTable]: 'airlock-records', [AWS_ENV.requestsTable]: 'airlock-requests' };
    Object.assign(process.env, tables);
    vi.resetModules();
    try {
      const getQueryHandler = ((await import('../../../functions/get-query.js')) as { handler: Handler }).handler;
      // The wiring reads the environment when the function is first invoked.
      const res = await getQueryHandler(httpApiEvent({ rawPath: '/v1/queries/01J000000000000000000000AA' }));
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body!).error.code).toBe('ERR_TOKEN_MISSING');
    } finally {
      for (const k of Object.keys(tables)) delete process.env[k];
    }
  });

  it('fails closed, without a stack trace, when the function lacks a part: no requests table here', async () => {
    const res = await getSessionHandler(httpApiEvent({ rawPath: '/v1/sessions/s-1', headers: { authorization: 'Bearer x' } }));
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body!).error).toEqual({ code: 'ERR_CONFIG', message: INTERNAL_ERROR_MESSAGE, requestId: 'req-1' });
    expect(res.body).not.toMatch(/\bat |\.ts|\.mjs/);
  });
});

describe('approval task handlers', () => {
  it('rethrow an AirlockError named by its code, so the state machine can match it', async () => {
    const handler = approvalTask('notify', async () => ({}) as ApprovalDeps);
    const err = (await handler({ requestId: '' }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('ERR_VALIDATION');
  });
});

describe('write-checkpoints event', () => {
  it('covers the interval before the scheduled time, exactly the sessions of an export, else every session', async () => {
    const { checkpointInput } = await import('../../../functions/write-checkpoints.js');
    expect(checkpointInput({ time: '2026-01-01T00:05:00Z', intervalSeconds: 300 })).toEqual({ since: '2026-01-01T00:00:00.000Z' });
    expect(checkpointInput({ sessionIds: ['a', 'b'] })).toEqual({ sessionIds: ['a', 'b'] });
    for (const bad of [{}, { time: 'nope', intervalSeconds: 300 }, { time: '2026-01-01T00:05:00Z' }, { sessionIds: [1] }]) expect(checkpointInput(bad)).toEqual({});
  });
});

describe('apiHandler when the dependencies cannot be built', () => {
  it('answers the error shape with the request id: 503 for an unreadable secret, 500 without internals otherwise', async () => {
    const { apiHandler } = await import('../../../functions/lib/api-handler.js');
    const { AirlockError } = await import('#shared/errors.js');
    const secretDown = apiHandler(['/v1/health'], async () => {
      throw new AirlockError('ERR_SECRET_UNAVAILABLE', 'cannot read secret airlock/slack: AccessDeniedException');
    });
    const res = await secretDown(httpApiEvent({ rawPath: '/v1/health' }));
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body!).error).toEqual({ code: 'ERR_SECRET_UNAVAILABLE', message: 'cannot read secret airlock/slack: AccessDeniedException', requestId: 'req-1' });

    const crash = apiHandler(['/v1/health'], async () => {
      throw new TypeError('x is undefined at /var/task/index.mjs:1:2');
    });
    const body = (await crash(httpApiEvent({ rawPath: '/v1/health' }))).body!;
    expect(JSON.parse(body).error.code).toBe('ERR_INTERNAL');
    expect(body).not.toContain('index.mjs');
  });

  it('refuses, at load, a route list naming a path API_ROUTES does not have', async () => {
    const { apiHandler } = await import('../../../functions/lib/api-handler.js');
    // @ts-expect-error: not a path of API_ROUTES (the compiler refuses it first)
    expect(() => apiHandler(['/v1/nope'], async () => ({}) as never)).toThrow('/v1/nope');
  });
});
