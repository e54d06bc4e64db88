import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App, CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { AirlockStack } from '../../infra/airlock-stack.js';
import { buildApp, type Bundler } from '../../infra/build-app.js';
import { REPO_ROOT, type FunctionBundle } from '../../infra/bundle-functions.js';
import { FUNCTIONS, type FunctionName } from '../../infra/function-catalog.js';
import { BUNDLED_POLICY_FILE } from '#shared/wiring/bundled-policy.js';

/**
 * Stand-in bundles (a one-line handler and the policy) so IAM and template tests synthesize in
 * about a second; the real esbuild bundling is covered by bundle-functions.test.ts and `npm run synth`.
 */
export const fakeBundler: Bundler = async (policy, _outDir) => {
  const root = mkdtempSync(join(tmpdir(), 'airlock-infra-'));
  const bundles = new Map<FunctionName, FunctionBundle>();
  for (const spec of FUNCTIONS) {
    const dir = join(root, spec.name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.mjs'), `export const handler = async () => '${spec.name}';\n`);
    writeFileSync(join(dir, BUNDLED_POLICY_FILE), JSON.stringify(policy));
    bundles.set(spec.name, { spec, dir, bytes: 0 });
  }
  return bundles;
};

export interface Synthesized {
  app: App;
  stack: AirlockStack;
  template: Template;
  json: { Resources: Record<string, { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }> };
  /** The logical id of a construct's CloudFormation resource. */
  idOf(construct: IConstruct): string;
}

/** The context `cdk synth` gets from cdk.json, so tests see the defaults users deploy with. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

export async function synthStack(context: Record<string, unknown> = {}): Promise<Synthesized> {
  const { app, stack } = await buildApp({ bundle: fakeBundler, context: { ...CDK_JSON_CONTEXT, ...context }, outdir: mkdtempSync(join(tmpdir(), 'airlock-cdkout-')) });
  const template = Template.fromStack(stack);
  const idOf = (c: IConstruct): string => {
    const el = (c.node.defaultChild ?? c) as CfnElement;
    return stack.getLogicalId(el);
  };
  return { app, stack, template, json: template.toJSON() as Synthesized['json'], idOf };
}

/**
 * What the infra tests read from the default synth, in a form that crosses process boundaries:
 * the template, the logical ids of the constructs they look up, and the cdk-nag report (which needs
 * the construct tree, so it is taken where the synth runs).
 */
export interface SharedSynth {
  json: Synthesized['json'];
  ids: {
    functions: Record<FunctionName, string>;
    roles: Record<FunctionName, string>;
    records: string;
    requests: string;
    checkpoints: string;
    recordsKey: string;
    exportsKey: string;
    stateMachine: string;
    auditor: string;
  };
  nag: { findings: string[]; success: boolean };
}

export function describeSynth(s: Synthesized): SharedSynth {
  const child = (...path: string[]) => path.reduce((c, p) => c.node.findChild(p), s.stack as IConstruct);
  const byFunction = (of: (fn: FunctionName) => IConstruct) => Object.fromEntries(FUNCTIONS.map((f) => [f.name, s.idOf(of(f.name))])) as Record<FunctionName, string>;
  const report = new AwsSolutionsChecks().validateScope(s.app);
  return {
    json: s.json,
    ids: {
      functions: byFunction((fn) => s.stack.functions[fn]),
      roles: byFunction((fn) => s.stack.functions[fn].role!),
      records: s.idOf(child('Tables', 'Records')),
      requests: s.idOf(child('Tables', 'Requests')),
      checkpoints: s.idOf(child('Tables', 'Checkpoints')),
      recordsKey: s.idOf(child('Keys', 'RecordsKey')),
      exportsKey: s.idOf(child('Keys', 'ExportsKey')),
      stateMachine: s.idOf(child('ApprovalFlow', 'StateMachine')),
      auditor: s.idOf(child('Auditor', 'Role')),
    },
    nag: {
      findings: report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`),
      success: report.success,
    },
  };
}

export interface Statement {
  /** The role(s) the policy is attached to, by logical id. */
  roles: string[];
  effect: string;
  actions: string[];
  resources: unknown[];
  /** The statement's `Condition` block, as synthesized (absent: unconditional). */
  conditions?: Record<string, unknown>;
}

/** Every statement of every AWS::IAM::Policy, flattened, with the roles it applies to. */
export function policyStatements(json: Synthesized['json']): Statement[] {
  const out: Statement[] = [];
  for (const r of Object.values(json.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties?.['Roles'] as Array<{ Ref: string }>).map((x) => x.Ref);
    for (const s of r.Properties?.['PolicyDocument'].Statement as Array<Record<string, unknown>>) {
      const actions = ([] as string[]).concat(s['Action'] as string | string[]);
      const resources = ([] as unknown[]).concat(s['Resource']);
      const conditions = s['Condition'] as Record<string, unknown> | undefined;
      out.push({ roles, effect: s['Effect'] as string, actions, resources, ...(conditions === undefined ? {} : { conditions }) });
    }
  }
  return out;
}

/** Whether a (possibly intrinsic) resource value refers to the resource with this logical id. */
export function refersTo(resource: unknown, logicalId: string): boolean {
  return JSON.stringify(resource).includes(`"${logicalId}"`);
}
