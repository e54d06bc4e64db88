import { describe, expect, it } from 'vitest';
import { fromApiGatewayEvent, toApiGatewayResult } from '../../../functions/lib/api-gateway-event.js';
import { httpApiEvent } from './http-api-event.js';

describe('fromApiGatewayEvent', () => {
  it('maps method, raw path, headers, query string parameters and the request id', () => {
    const event = httpApiEvent({ method: 'post', rawPath: '/v1/queries/01J%2F', headers: { Authorization: 'Bearer t', 'content-type': 'application/json' }, queryStringParameters: { waitSeconds: '5' }, body: '{"a":1}' });
    const e = fromApiGatewayEvent(event);
    expect(e).toEqual({ method: 'POST', path: '/v1/queries/01J%2F', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, query: { waitSeconds: '5' }, body: '{"a":1}', requestId: 'req-1' });
  });

  it('decodes a base64 body to the exact text sent (Slack signs the raw form body)', () => {
    const raw = 'payload=%7B%22type%22%3A%22block_actions%22%7D&x=%C3%A9';
    const e = fromApiGatewayEvent(httpApiEvent({ body: Buffer.from(raw).toString('base64'), isBase64Encoded: true }));
    expect(e.body).toBe(raw);
  });

  it('gives an absent body as the empty string', () => {
    expect(fromApiGatewayEvent(httpApiEvent()).body).toBe('');
  });
});

describe('toApiGatewayResult', () => {
  it('keeps status, headers and body and adds the request id', () => {
    expect(toApiGatewayResult({ statusCode: 503, headers: { 'content-type': 'application/json' }, body: '{}' }, 'req-1')).toEqual({
      statusCode: 503, headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' }, body: '{}', isBase64Encoded: false,
    });
  });
});
