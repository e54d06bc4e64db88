import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '#shared/policy/load-policy.js';
import { loadBundledPolicy } from '#shared/wiring/bundled-policy.js';
import { bundleFunctions, type FunctionBundle } from '../../infra/bundle-functions.js';
import type { FunctionSpec } from '../../infra/function-catalog.js';
import { httpApiEvent } from '../unit/aws/http-api-event.js';

const spec = (name: string, entry: string, executesQueries = false): FunctionSpec => ({ name, entry, description: name, executesQueries, memoryMb: 128, timeoutSeconds: 3 });
const MiB = 1024 * 1024;
/**
 * Every function bundles the one route table, so the masking engine and its content detectors
 * (libphonenumber-js with full metadata, secretlint's recommended rules, first-name lists: about
 * 0.65 MiB minified) are in each. The cold-start bench reports each bundle's size and load time.
 */
const BUNDLE_LIMIT = 2 * MiB;

describe('bundleFunctions (real esbuild)', () => {
  const policy = loadPolicy();
  let bundles: Map<string, FunctionBundle>;

  beforeAll(async () => {
    bundles = await bundleFunctions({ policy, outDir: mkdtempSync(join(tmpdir(), 'airlock-bundle-')), only: ['Public', 'GetQuery'] });
  }, 120_000);

  it('writes a minified ESM bundle, its source map and the validated policy as JSON, under 2 MiB', () => {
    for (const name of ['Public', 'GetQuery']) {
      const b = bundles.get(name)!;
      expect(existsSync(join(b.dir, 'index.mjs.map'))).toBe(true);
      expect(b.bytes).toBeLessThan(BUNDLE_LIMIT);
      expect(loadBundledPolicy(join(b.dir, 'policy.json'))).toEqual(policy);
      expect(readFileSync(join(b.dir, 'index.mjs'), 'utf8')).not.toContain('snowflake-sdk');
    }
  });

  it('produces an ES module that loads and exports the handler', async () => {
    const mod = (await import(pathToFileURL(join(bundles.get('Public')!.dir, 'index.mjs')).href)) as { handler: unknown };
    expect(typeof mod.handler).toBe('function');
  });

  it('serves a request from the bundle: GET /v1/queries/{id} without a token is 401 ERR_TOKEN_MISSING', async () => {
    const dir = bundles.get('GetQuery')!.dir;
    Object.assign(process.env, {
      AIRLOCK_POLICY: join(dir, 'policy.json'),
      OIDC_ISSUER: 'https://idp.example.com',
      OIDC_AUDIENCE: 'airlock',
      OIDC_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      AIRLOCK_RECORDS_TABLE: 'airlock-records',
      AIRLOCK_REQUESTS_TABLE: 'airlock-requests',
      AWS_REGION: 'eu-west-1',
    });
    const mod = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: (e: unknown) => Promise<{ statusCode: number; body: string }> };
    const res = await mod.handler(httpApiEvent({ rawPath: '/v1/queries/01J000000000000000000000AA' }));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body).error.code).toBe('ERR_TOKEN_MISSING');
  });

  it('refuses a function that pulls in snowflake-sdk without executing queries', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'airlock-bundle-'));
    await expect(bundleFunctions({ policy, outDir, functions: [spec('Sneaky', 'test/infra/fixtures/imports-snowflake.ts')] })).rejects.toThrow(/snowflake-sdk/);
    const ok = await bundleFunctions({ policy, outDir, functions: [spec('Runner', 'test/infra/fixtures/imports-snowflake.ts', true)] });
    expect(ok.get('Runner' as never)!.bytes).toBeGreaterThan(MiB);
  }, 120_000);

  it('keeps zod working in English while dropping its other locales (zod-english-only plugin)', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'airlock-bundle-'));
    const b = (await bundleFunctions({ policy, outDir, functions: [spec('Zod', 'test/infra/fixtures/zod-message.ts')] })).get('Zod' as never)!;
    const mod = (await import(pathToFileURL(join(b.dir, 'index.mjs')).href)) as { handler: () => Promise<string> };
    expect(await mod.handler()).toBe('Invalid input: expected number, received string');
    // The German locale's wording is not in the bundle.
    expect(readFileSync(join(b.dir, 'index.mjs'), 'utf8')).not.toContain('Ungültige Eingabe');
  }, 120_000);

  it('fails on a missing entry point, naming it', async () => {
    await expect(bundleFunctions({ policy, functions: [spec('Gone', 'functions/does-not-exist.ts')] })).rejects.toThrow(/functions\/does-not-exist\.ts/);
  });
});
