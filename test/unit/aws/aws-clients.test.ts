import { describe, expect, it } from 'vitest';
import { AWS_RETRY, awsClientConfig, awsClients } from '#shared/wiring/aws-clients.js';

describe('awsClientConfig / awsClients: one endpoint and region for every AWS client', () => {
  it('takes AWS_ENDPOINT_URL and AWS_REGION from the environment; explicit --endpoint/--region win', () => {
    expect(awsClientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_REGION: 'eu-west-1' })).toEqual({ endpoint: 'http://127.0.0.1:4566', region: 'eu-west-1' });
    expect(awsClientConfig({ AWS_ENDPOINT_URL: 'http://a:1', AWS_REGION: 'eu-west-1' }, { endpoint: 'http://b:2', region: 'ap-south-1' })).toEqual({ endpoint: 'http://b:2', region: 'ap-south-1' });
    expect(awsClientConfig({ AWS_DEFAULT_REGION: 'eu-central-1' })).toEqual({ region: 'eu-central-1' });
  });

  it('defaults the region to us-east-1 (never a made-up region such as "local") and has no endpoint without one', () => {
    expect(awsClientConfig({})).toEqual({ region: 'us-east-1' });
    expect(awsClientConfig({ AWS_ENDPOINT_URL: '', AWS_REGION: '' })).toEqual({ region: 'us-east-1' });
  });

  it('points all five clients at the same endpoint and region, with the SDK adaptive retry as the only retry layer', async () => {
    const clients = awsClients({ endpoint: 'http://127.0.0.1:4566', region: 'eu-west-1' });
    for (const make of [clients.dynamodb, clients.kms, clients.lambda, clients.sfn, clients.secretsManager]) {
      const c = make();
      const ep = await c.config.endpoint!();
      expect(`${ep.protocol}//${ep.hostname}:${ep.port}`).toBe('http://127.0.0.1:4566');
      expect(await c.config.region()).toBe('eu-west-1');
      expect(await c.config.retryStrategy()).toMatchObject({ mode: AWS_RETRY.retryMode });
      expect(await c.config.maxAttempts()).toBe(AWS_RETRY.maxAttempts);
      // The middleware stack is resolved once per command class, not on every call.
      expect(c.config.cacheMiddleware).toBe(true);
      c.destroy();
    }
  });
});
