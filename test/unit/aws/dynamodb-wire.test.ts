import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsWiring } from '#shared/wiring/aws.js';
import { AWS_ENV } from '#shared/wiring/aws-env.js';

/**
 * The AWS wiring's DynamoDB client against a local server speaking DynamoDB's JSON wire
 * protocol: throttling is retried by the client the wiring builds; AccessDenied is not, and the
 * store fails closed with ERR_STORE_UNAVAILABLE.
 */
let server: Server;
let endpoint: string;
let answers: Array<{ status: number; body: unknown }> = [];
let seen: Array<{ target: string | undefined; body: unknown }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ target: req.headers['x-amz-target'] as string | undefined, body: JSON.parse(text) });
      const next = answers.shift() ?? { status: 200, body: {} };
      res.writeHead(next.status, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(next.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The SDK reads its region, credentials and service endpoint from the process environment, as in Lambda.
  Object.assign(process.env, { AWS_ENDPOINT_URL_DYNAMODB: endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  answers = [];
  seen = [];
});

const wiring = () => new AwsWiring({ ...process.env, [AWS_ENV.requestsTable]: 'airlock-requests' });

describe('DynamoDB through the AWS wiring, on the wire', () => {
  it('retries a throttled GetItem and then answers', async () => {
    answers = [{ status: 400, body: { __type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' } }];
    expect(await wiring().requests().get('01J000000000000000000000AA')).toBeNull();
    expect(seen.map((s) => s.target)).toEqual(['DynamoDB_20120810.GetItem', 'DynamoDB_20120810.GetItem']);
    expect(seen[0]?.body).toMatchObject({ TableName: 'airlock-requests' });
  });

  it('fails closed with ERR_STORE_UNAVAILABLE on AccessDenied, without retrying', async () => {
    answers = [{ status: 400, body: { __type: 'com.amazon.coral.service#AccessDeniedException', message: 'not authorized to perform: dynamodb:GetItem' } }];
    await expect(wiring().requests().get('01J000000000000000000000AA')).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect(seen).toHaveLength(1);
  });
});
