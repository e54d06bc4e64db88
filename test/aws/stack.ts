import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, UpdateTimeToLiveCommand, type CreateTableCommandInput, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateStateMachineCommand, type SFNClient } from '@aws-sdk/client-sfn';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

type Json = any;

export interface TemplateFunction {
  logicalId: string;
  /** The physical name the tier gives it (CloudFormation would generate one like it). */
  name: string;
  arn: string;
  /** Asset folder in cdk.out: what Lambda would unzip to /var/task. */
  assetDir: string;
  handler: string;
  timeoutSeconds: number;
  /** The template's Environment.Variables, every intrinsic resolved. */
  env: Record<string, string>;
  roleLogicalId: string;
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string[];
}

export interface ApiRoute {
  method: string;
  path: string;
  functionLogicalId: string;
}

/**
 * The synthesized CloudFormation template, read from cdk.out, and the physical ids the tier
 * deployed for its resources: `resolve` evaluates Ref, Fn::GetAtt, Fn::Join and Fn::Sub
 * against them, and fails on anything it cannot resolve rather than guess.
 */
export class Stack {
  readonly template: Json;
  readonly resources: Record<string, Json>;
  readonly #refs = new Map<string, string>();
  readonly #attrs = new Map<string, string>();

  constructor(readonly outDir: string, stackName = 'Airlock') {
    this.template = JSON.parse(readFileSync(join(outDir, `${stackName}.template.json`), 'utf8'));
    this.resources = this.template.Resources;
  }

  ofType(type: string): Array<[string, Json]> {
    return Object.entries(this.resources).filter(([, r]) => r.Type === type);
  }

  setPhysical(logicalId: string, ref: string, attrs: Record<string, string> = {}): void {
    this.#refs.set(logicalId, ref);
    for (const [k, v] of Object.entries(attrs)) this.#attrs.set(`${logicalId}.${k}`, v);
  }

  resolve(v: Json): Json {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
    if (Array.isArray(v)) return v.map((x) => this.resolve(x));
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const arg = v[k];
      if (k === 'Ref') return this.#ref(arg);
      if (k === 'Fn::GetAtt') {
        const key = `${arg[0]}.${arg[1]}`;
        const got = this.#attrs.get(key);
        if (got === undefined) throw new Error(`template: cannot resolve Fn::GetAtt ${key}`);
        return got;
      }
      if (k === 'Fn::Join') return (this.resolve(arg[1]) as string[]).join(arg[0]);
      if (k === 'Fn::Sub') {
        const text = typeof arg === 'string' ? arg : arg[0];
        return text.replace(/\$\{([^}]+)\}/g, (_: string, name: string) => (name.includes('.') ? this.resolve({ 'Fn::GetAtt': name.split('.') }) : this.#ref(name)));
      }
      if (k.startsWith('Fn::')) throw new Error(`template: ${k} is not supported by the tier`);
    }
    return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, this.resolve(x)]));
  }

  #ref(name: string): string {
    if (name === 'AWS::Partition') return 'aws';
    if (name === 'AWS::Region') return REGION;
    if (name === 'AWS::AccountId') return ACCOUNT;
    if (name === 'AWS::URLSuffix') return 'amazonaws.com';
    const got = this.#refs.get(name);
    if (got === undefined) throw new Error(`template: cannot resolve Ref ${name}`);
    return got;
  }

  /** Every Lambda function: bundle folder from the asset metadata, environment resolved. */
  functions(): TemplateFunction[] {
    return this.ofType('AWS::Lambda::Function').map(([logicalId, r]) => {
      const p = r.Properties;
      const asset = r.Metadata?.['aws:asset:path'] as string | undefined;
      if (asset === undefined) throw new Error(`${logicalId} has no aws:asset:path metadata`);
      return {
        logicalId,
        name: this.#ref(logicalId),
        arn: this.#attrs.get(`${logicalId}.Arn`)!,
        assetDir: join(this.outDir, asset),
        handler: p.Handler,
        timeoutSeconds: p.Timeout ?? 3,
        env: this.resolve(p.Environment?.Variables ?? {}),
        roleLogicalId: p.Role['Fn::GetAtt'][0],
      };
    });
  }

  /** The identity-based statements attached to a role (its AWS::IAM::Policy resources), resolved. */
  roleStatements(roleLogicalId: string): Statement[] {
    const out: Statement[] = [];
    for (const [, pol] of this.ofType('AWS::IAM::Policy')) {
      if (!(pol.Properties.Roles as Json[]).some((r) => r.Ref === roleLogicalId)) continue;
      for (const s of this.resolve(pol.Properties.PolicyDocument.Statement) as Json[]) {
        out.push({ Effect: s.Effect, Action: [s.Action].flat(), Resource: [s.Resource].flat() });
      }
    }
    return out;
  }

  /** HTTP API routes → the function behind each (RouteKey → integration → function). */
  routes(): ApiRoute[] {
    return this.ofType('AWS::ApiGatewayV2::Route').map(([, r]) => {
      const [method, path] = (r.Properties.RouteKey as string).split(' ') as [string, string];
      const target = r.Properties.Target['Fn::Join'][1][1].Ref as string;
      const integration = this.resources[target].Properties;
      if (integration.PayloadFormatVersion !== '2.0') throw new Error(`${target}: payload format ${integration.PayloadFormatVersion}`);
      return { method, path, functionLogicalId: integration.IntegrationUri['Fn::GetAtt'][0] };
    });
  }
}

export interface AwsForDeploy {
  dynamodb: DynamoDBClient;
  kms: KMSClient;
  secrets: SecretsManagerClient;
  sfn: SFNClient;
  /** moto's IAM query API (`Action=CreateRole&…`), answered as XML. */
  iam: (params: Record<string, string>) => Promise<string>;
}

/**
 * Creates the template's resources on the emulator as CloudFormation would: tables with their
 * keys, indexes and TTL; the KMS keys (spec and usage from the template) and aliases; the
 * generated secret; the roles; the state machine with its definition substitutions resolved.
 * The two secrets the stack only references by name (Slack, Snowflake) are created from
 * `externalSecrets`, as the platform engineer does before `cdk deploy`.
 */
export async function deployStack(stack: Stack, aws: AwsForDeploy, externalSecrets: Record<string, string>): Promise<void> {
  for (const [id, r] of stack.ofType('AWS::DynamoDB::Table')) {
    const p = r.Properties;
    const input: CreateTableCommandInput = {
      TableName: p.TableName,
      KeySchema: p.KeySchema,
      AttributeDefinitions: p.AttributeDefinitions,
      BillingMode: p.BillingMode,
      ...(p.GlobalSecondaryIndexes === undefined ? {} : { GlobalSecondaryIndexes: p.GlobalSecondaryIndexes }),
      ...(p.DeletionProtectionEnabled === undefined ? {} : { DeletionProtectionEnabled: p.DeletionProtectionEnabled }),
    };
    const out = await aws.dynamodb.send(new CreateTableCommand(input));
    if (p.TimeToLiveSpecification !== undefined) {
      await aws.dynamodb.send(new UpdateTimeToLiveCommand({ TableName: p.TableName, TimeToLiveSpecification: p.TimeToLiveSpecification }));
    }
    stack.setPhysical(id, p.TableName, { Arn: out.TableDescription!.TableArn!, StreamArn: '' });
  }
  for (const [id, r] of stack.ofType('AWS::KMS::Key')) {
    const p = r.Properties;
    const out = await aws.kms.send(new CreateKeyCommand({ KeySpec: p.KeySpec, KeyUsage: p.KeyUsage, Description: p.Description }));
    stack.setPhysical(id, out.KeyMetadata!.KeyId!, { Arn: out.KeyMetadata!.Arn! });
  }
  for (const [, r] of stack.ofType('AWS::KMS::Alias')) {
    await aws.kms.send(new CreateAliasCommand({ AliasName: r.Properties.AliasName, TargetKeyId: stack.resolve(r.Properties.TargetKeyId) }));
  }
  for (const [id, r] of stack.ofType('AWS::SecretsManager::Secret')) {
    const g = r.Properties.GenerateSecretString;
    const value = randomBytes(64).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, g?.PasswordLength ?? 32);
    const out = await aws.secrets.send(new CreateSecretCommand({ Name: `${id}-${randomBytes(4).toString('hex')}`, SecretString: value }));
    stack.setPhysical(id, out.ARN!);
  }
  for (const [name, value] of Object.entries(externalSecrets)) {
    await aws.secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  }
  for (const [id, r] of stack.ofType('AWS::IAM::Role')) {
    const xml = await aws.iam({ Action: 'CreateRole', RoleName: `Airlock-${id}`.slice(0, 64), AssumeRolePolicyDocument: JSON.stringify(r.Properties.AssumeRolePolicyDocument) });
    stack.setPhysical(id, `Airlock-${id}`.slice(0, 64), { Arn: xmlValue(xml, 'Arn') });
  }
  for (const [id, r] of stack.ofType('AWS::Logs::LogGroup')) {
    const name = `/aws/airlock/${id}`;
    stack.setPhysical(id, name, { Arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*` });
  }
  for (const [id] of stack.ofType('AWS::Lambda::Function')) {
    const name = `Airlock-${id}`.slice(0, 64);
    stack.setPhysical(id, name, { Arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}` });
  }
  for (const [id, r] of stack.ofType('AWS::StepFunctions::StateMachine')) {
    const p = r.Properties;
    const subs = stack.resolve(p.DefinitionSubstitutions ?? {}) as Record<string, string>;
    const definition = (p.DefinitionString as string).replace(/\$\{([A-Za-z0-9]+)\}/g, (m, k: string) => subs[k] ?? m);
    if (/\$\{[A-Za-z0-9]+\}/.test(definition)) throw new Error(`${id}: unresolved definition substitution`);
    const out = await aws.sfn.send(new CreateStateMachineCommand({ name: `Airlock-${id}`, definition, roleArn: stack.resolve(p.RoleArn) }));
    stack.setPhysical(id, out.stateMachineArn!, { Name: `Airlock-${id}` });
  }
}

export function xmlValue(xml: string, tag: string): string {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (m === null) throw new Error(`no <${tag}> in ${xml.slice(0, 300)}`);
  return m[1]!;
}
