import { join, resolve } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadPolicy } from '#shared/policy/load-policy.js';
import type { Policy } from '#shared/policy/policy.js';
import { AirlockStack } from './airlock-stack.js';
import { bundleFunctions, REPO_ROOT, type FunctionBundle } from './bundle-functions.js';
import { readConfig } from './config.js';
import type { FunctionName } from './function-catalog.js';

export type Bundler = (policy: Policy, outDir: string) => Promise<Map<FunctionName, FunctionBundle>>;

export interface BuildAppOptions {
  /** Extra context (tests); `cdk.json` and `-c` values arrive through the App itself. */
  context?: Record<string, unknown>;
  outdir?: string;
  /** Defaults to the real esbuild bundler; IAM tests pass prebuilt stand-ins to stay fast. */
  bundle?: Bundler;
}

/**
 * Builds the CDK app: reads the `airlock:*` context, validates the policy file with
 * `loadPolicy` (a bad policy stops the synth with its line numbers), bundles every function
 * in one esbuild run, builds the stack and registers cdk-nag's AwsSolutions checks. Offline:
 * nothing here calls AWS.
 *
 * @example
 * const { app, stack } = await buildApp();
 * app.synth();
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<{ app: App; stack: AirlockStack; policy: Policy }> {
  const app = new App({ ...(options.context === undefined ? {} : { context: options.context }), ...(options.outdir === undefined ? {} : { outdir: options.outdir }) });
  const config = readConfig((key) => app.node.tryGetContext(key));
  const policy = loadPolicy(resolve(REPO_ROOT, config.policyFile));
  const bundle: Bundler = options.bundle ?? ((p, outDir) => bundleFunctions({ policy: p, outDir }));
  const bundles = await bundle(policy, join(app.outdir, '.bundles'));
  const stackName = (app.node.tryGetContext('airlock:stackName') as string | undefined) ?? 'Airlock';
  const account = process.env['CDK_DEFAULT_ACCOUNT'];
  const region = process.env['CDK_DEFAULT_REGION'];
  const stack = new AirlockStack(app, stackName, {
    config,
    policy,
    bundles,
    description: 'Airlock: approval-gated, recorded SQL gateway between AI agents and Snowflake',
    ...(account === undefined ? {} : { env: { account, region } }),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, policy };
}
