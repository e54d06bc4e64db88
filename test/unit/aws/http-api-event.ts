import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** An API Gateway HTTP API (payload 2.0) event as Lambda receives it. */
export function httpApiEvent(over: Partial<APIGatewayProxyEventV2> & { method?: string } = {}): APIGatewayProxyEventV2 {
  const { method = 'GET', ...rest } = over;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/health',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      accountId: '111122223333', apiId: 'api', domainName: 'x.execute-api.eu-west-1.amazonaws.com', domainPrefix: 'x', requestId: 'req-1', routeKey: '$default', stage: '$default', time: '', timeEpoch: 0,
      http: { method, path: over.rawPath ?? '/v1/health', protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'test' },
    },
    ...rest,
  };
}

