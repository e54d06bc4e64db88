import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { describe, expect, it } from 'vitest';
import { createTableInputs, tableNames } from '#shared/adapters/aws/tables.js';
import { ensureTables, localDynamoDbClient } from '#local/dynalite-server.js';
import { inProcessHandler } from '#local/in-process-dynalite.js';
import { tempDir } from '#test/fixtures/records/record-fixtures.js';

/**
 * The local runtime's own DynamoDB calls reach the embedded dynalite in-process (issue 17): the SDK
 * builds, retries and parses each call as over HTTP; only the loopback socket is gone.
 */
describe('the in-process DynamoDB handler', () => {
  it('serves the real SDK from a dynalite that listens on no port at all', async () => {
    const t = tempDir();
    const server = dynalite({ path: join(t.dir, 'db'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const client = localDynamoDbClient('http://127.0.0.1:1', server);
    try {
      expect(server.listening).toBe(false);
      const tables = tableNames();
      await ensureTables(client, createTableInputs(tables));
      await client.send(new PutItemCommand({ TableName: tables.requests, Item: { pk: { S: 'a' }, n: { N: '1' } }, ConditionExpression: 'attribute_not_exists(pk)' }));
      const got = await client.send(new GetItemCommand({ TableName: tables.requests, Key: { pk: { S: 'a' } }, ConsistentRead: true }));
      expect(got.Item).toEqual({ pk: { S: 'a' }, n: { N: '1' } });
      // dynalite's own errors come back as the SDK's typed exceptions, as over HTTP.
      await expect(
        client.send(new PutItemCommand({ TableName: tables.requests, Item: { pk: { S: 'a' }, n: { N: '2' } }, ConditionExpression: 'attribute_not_exists(pk)' })),
      ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      await expect(client.send(new GetItemCommand({ TableName: 'no-such-table', Key: { pk: { S: 'a' } } }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      client.destroy();
      await new Promise((r) => server.close(r));
      t.cleanup();
    }
  });

  // Closing the store under the in-process client: test/integration/records/store-down.test.ts runs
  // its fail-closed test through both clients.

  /** A server whose listener records what it was handed and answers as told. */
  function echoServer(answer: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
    const seen: Array<{ method?: string; url?: string; headers: IncomingMessage['headers']; body: string }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        answer(req, body, res);
      });
    });
    return { server, seen };
  }

  it('hands the listener the method, the path and query, lower-cased headers and the body, and returns its status, headers and body', async () => {
    const { server, seen } = echoServer((_req, body, res) => {
      res.statusCode = 201;
      res.setHeader('X-Answer', 'yes');
      res.end(`got ${body}`);
    });
    const handler = inProcessHandler(server, { requestTimeoutMs: 1000 });
    const { response } = await handler.handle({ method: 'POST', path: '/p', query: { a: '1', b: ['x', 'y'] }, headers: { 'X-Amz-Target': 'T', 'content-type': 'application/json' }, body: new TextEncoder().encode('{"k":1}') });
    expect(seen).toEqual([{ method: 'POST', url: '/p?a=1&b=x&b=y', headers: { 'x-amz-target': 'T', 'content-type': 'application/json' }, body: '{"k":1}' }]);
    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual({ 'x-answer': 'yes' });
    expect(Buffer.from(response.body).toString('utf8')).toBe('got {"k":1}');
    // A string body and no body at all.
    await handler.handle({ method: 'POST', path: '/', headers: {}, body: 'text' });
    await handler.handle({ method: 'GET', path: '/', headers: {} });
    expect(seen.slice(1).map((s) => [s.url, s.body])).toEqual([
      ['/', 'text'],
      ['/', ''],
    ]);
  });

  it('a listener that never answers fails the call with a TimeoutError, which the SDK retries and then reports', async () => {
    const { server, seen } = echoServer(() => undefined);
    const handler = inProcessHandler(server, { requestTimeoutMs: 40 });
    await expect(handler.handle({ method: 'POST', path: '/', headers: {}, body: '{}' })).rejects.toMatchObject({ name: 'TimeoutError' });
    const client = new DynamoDBClient({ region: 'local', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, maxAttempts: 2, requestHandler: handler });
    await expect(client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }))).rejects.toMatchObject({ name: 'TimeoutError' });
    // Once for the direct call, twice for the SDK's two attempts.
    expect(seen).toHaveLength(3);
  });

  it('an aborted call rejects with an AbortError, before or while the listener works', async () => {
    const { server, seen } = echoServer(() => undefined);
    const handler = inProcessHandler(server, { requestTimeoutMs: 5000 });
    const before = new AbortController();
    before.abort();
    await expect(handler.handle({ method: 'POST', path: '/', headers: {} }, { abortSignal: before.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toHaveLength(0);
    const during = new AbortController();
    const call = handler.handle({ method: 'POST', path: '/', headers: {} }, { abortSignal: during.signal });
    setTimeout(() => during.abort(), 10);
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a streamed body rather than sending an empty one', async () => {
    const { server, seen } = echoServer((_req, _body, res) => res.end());
    const handler = inProcessHandler(server, { requestTimeoutMs: 1000 });
    await expect(handler.handle({ method: 'POST', path: '/', headers: {}, body: Readable.from(['x']) })).rejects.toThrow(TypeError);
    expect(seen).toHaveLength(0);
  });
});
