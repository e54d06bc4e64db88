import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { FakeSlackServer } from '#test/helpers/fake-slack-server.js';
import { startFakeSnowflake, type FakeSnowflake } from '#test/helpers/fake-snowflake-server.js';
import { fakeSnowflakeAccount } from '#test/helpers/fake-snowflake-account.js';
import { startApi, startEdge, type Authorize, type Edge } from './edge.js';
import { LambdaRunner } from './lambda-runner.js';
import { ACCOUNT, REGION, Stack, deployStack, xmlValue, type Statement, type TemplateFunction } from './stack.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const ISSUER = 'https://idp.example.com';
export const AUDIENCE = 'airlock';
export const SLACK_CHANNEL = 'C0APPROVALS';
export const SLACK_SIGNING_SECRET = 'aws-tier-signing-secret-0123456789';
export const SLACK_SECRET_NAME = 'airlock/slack';
export const SNOWFLAKE_SECRET_NAME = 'airlock/snowflake';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export function log(msg: string): void {
  process.stderr.write(`[aws-tier ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** An OIDC issuer the functions trust: its JWKS is served on loopback, its URL given to synth. */
class Idp {
  #server: Server | null = null;
  jwksUrl = '';
  constructor(
    readonly key: CryptoKey,
    readonly jwk: Record<string, unknown>,
  ) {}
  static async start(port: number): Promise<Idp> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'tier-1', alg: 'ES256', use: 'sig' };
    const idp = new Idp(privateKey, jwk);
    idp.#server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((r) => idp.#server!.listen(port, '127.0.0.1', r));
    idp.jwksUrl = `http://127.0.0.1:${port}/.well-known/jwks.json`;
    return idp;
  }
  token(sub: string, groups: string[] = []): Promise<string> {
    return new SignJWT({ groups, email: `${sub}@example.com` })
      .setProtectedHeader({ alg: 'ES256', kid: 'tier-1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('30m')
      .sign(this.key);
  }
  close(): Promise<void> {
    return new Promise((r) => (this.#server === null ? r() : this.#server.close(() => r())));
  }
}

/**
 * The emulated AWS account with the synthesized stack deployed on it: moto behind the edge
 * (Lambda Invoke served by the bundles), the functions' IAM users, the HTTP API, a fake Slack,
 * a fake Snowflake, and an IdP.
 */
export class World {
  readonly logDir = mkdtempSync(join(tmpdir(), 'airlock-aws-tier-'));
  outDir = '';
  stack!: Stack;
  moto!: ChildProcess;
  motoPort = 0;
  edge!: Edge;
  api!: Edge;
  runner!: LambdaRunner;
  idp!: Idp;
  slack!: FakeSlackServer;
  snowflake!: FakeSnowflake;
  admin!: Credentials;
  /** Access key id → the principal (role logical id) and its statements, once IAM is on. */
  readonly principals = new Map<string, { name: string; statements: Statement[] }>();
  /** Role logical id → that role's user credentials. */
  readonly roleCredentials = new Map<string, Credentials>();
  iamOn = false;
  policyTimeoutSeconds = 0;
  /**
   * Statements containing one of these strings reach the fake Snowflake and are never answered
   * (a statement still running when its Lambda dies); released by `close`.
   */
  readonly snowflakeHolds = new Set<string>();
  /** The Snowflake account's warehouse, resource monitor and grants, as `airlock doctor` reads them (SHOW …). */
  readonly snowflakeAccount = fakeSnowflakeAccount({
    role: 'AIRLOCK_ROLE',
    warehouse: 'AIRLOCK_WH',
    warehouses: [{ name: 'AIRLOCK_WH', resourceMonitor: 'AIRLOCK_MONITOR', comment: 'Airlock gateway only' }],
    monitors: [{ name: 'AIRLOCK_MONITOR', creditQuota: 100, notifyAt: [75], suspendAt: 90, suspendImmediateAt: 100 }],
    grants: { AIRLOCK_WH: [{ privilege: 'USAGE', role: 'AIRLOCK_ROLE' }] },
  });
  /** The held statements' answers: `releaseSnowflakeHolds` lets them run (their history then shows them ended). */
  readonly #held: Array<() => void> = [];
  /** The Snowflake service user's private key (PKCS#8 PEM): the key a query run around Airlock would use. */
  snowflakePrivateKeyPem = '';

  /** Lets every held statement run now, as Snowflake finishes a statement whose client died; returns how many. */
  releaseSnowflakeHolds(): number {
    const n = this.#held.length;
    for (const release of this.#held.splice(0)) release();
    return n;
  }

  async start(): Promise<void> {
    const reuse = process.env['AIRLOCK_AWS_TIER_CDK_OUT'];
    if (reuse === undefined) {
      this.outDir = join(REPO, 'cdk.out.aws-tier');
      this.idp = await Idp.start(await freePort());
      this.#synth();
      this.stack = new Stack(this.outDir);
    } else {
      // A previous synth of the tier: serve the JWKS where that template says it is.
      this.outDir = reuse;
      this.stack = new Stack(this.outDir);
      const url = new URL(String(this.stack.ofType('AWS::Lambda::Function')[0]![1].Properties.Environment.Variables.OIDC_JWKS_URL));
      this.idp = await Idp.start(Number(url.port));
      log(`reusing the synthesized app in ${this.outDir} (JWKS ${this.idp.jwksUrl})`);
    }

    this.slack = await new FakeSlackServer().start();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.snowflakePrivateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.snowflake = await startFakeSnowflake({
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      seed: [
        'CREATE TABLE customers (id INTEGER, name VARCHAR, email VARCHAR, country VARCHAR)',
        "INSERT INTO customers VALUES (1, 'Ada Lovelace', 'ada@example.com', 'UK'), (2, 'Alan Turing', 'alan@example.com', 'UK')",
        'CREATE TABLE orders (id INTEGER, status VARCHAR)',
        "INSERT INTO orders VALUES (1, 'new'), (2, 'new'), (3, 'new')",
      ],
      intercept: (sqlText) =>
        [...this.snowflakeHolds].some((h) => sqlText.includes(h))
          ? new Promise<undefined>((resolve) => this.#held.push(() => resolve(undefined)))
          : this.snowflakeAccount.intercept(sqlText),
    });

    this.motoPort = await freePort();
    this.runner = new LambdaRunner([], () => ({}), this.logDir); // replaced once the stack is deployed
    this.edge = await startEdge(this.motoPort, { find: (n: string) => this.runner.find(n), invoke: (f: TemplateFunction, e: unknown) => this.runner.invoke(f, e) } as unknown as LambdaRunner, () => (this.iamOn ? this.#authorize : null), (a, b) => this.#resourcesOf(a, b));
    await this.#startMoto();

    this.admin = { accessKeyId: 'AKIAADMINBOOTSTRAP', secretAccessKey: 'bootstrap' };
    const clients = this.clients(this.admin);
    await deployStack(this.stack, { dynamodb: clients.dynamodb, kms: clients.kms, secrets: clients.secrets, sfn: clients.sfn, iam: (p) => this.iam(p) }, {
      [SLACK_SECRET_NAME]: JSON.stringify({ botToken: this.slack.token, signingSecret: SLACK_SIGNING_SECRET }),
      [SNOWFLAKE_SECRET_NAME]: JSON.stringify({
        SNOWFLAKE_ACCOUNT: 'testaccount',
        SNOWFLAKE_USER: 'airlock_svc',
        SNOWFLAKE_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        SNOWFLAKE_ACCESS_URL: this.snowflake.url,
      }),
    });
    this.runner = new LambdaRunner(this.stack.functions(), (fn) => this.#lambdaEnv(fn), this.logDir);
    this.api = await startApi(this.stack.routes(), this.runner);
    this.policyTimeoutSeconds = JSON.parse(readFileSync(join(this.runner.functions[0]!.assetDir, 'policy.json'), 'utf8')).approval.timeoutSeconds;
  }

  #synth(): void {
    log(`synthesizing the app into ${this.outDir} (policy test/aws/policy.yaml, JWKS ${this.idp.jwksUrl})`);
    const ctx = {
      'airlock:policyFile': 'test/aws/policy.yaml',
      'airlock:oidcIssuer': ISSUER,
      'airlock:oidcAudience': AUDIENCE,
      'airlock:oidcJwksUrl': this.idp.jwksUrl,
      'airlock:slackChannel': SLACK_CHANNEL,
      'airlock:slackSecretName': SLACK_SECRET_NAME,
      'airlock:snowflakeSecretName': SNOWFLAKE_SECRET_NAME,
    };
    const args = ['cdk', 'synth', '--no-notices', '--quiet', '-o', this.outDir, ...Object.entries(ctx).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    const r = spawnSync('npx', args, { cwd: REPO, env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: '1' }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cdk synth failed:\n${r.stdout}\n${r.stderr}`);
  }

  async #startMoto(): Promise<void> {
    const out = join(this.logDir, 'moto.log');
    writeFileSync(out, '');
    // moto's Step Functions calls Lambda at http://localhost:$MOTO_PORT: the edge, which runs the bundles.
    this.moto = spawn('python3', [join(REPO, 'test/aws/moto_server.py'), '-H', '127.0.0.1', '-p', String(this.motoPort)], {
      env: { ...process.env, MOTO_PORT: String(this.edge.port) },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${this.motoPort}/moto-api/`);
        if (r.ok) break;
      } catch {
        /* not up yet */
      }
      if (Date.now() > deadline) throw new Error('moto did not start in 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    const cfg = await fetch(`http://127.0.0.1:${this.motoPort}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true }, lambda: { use_docker: false } }),
    });
    if (!cfg.ok) throw new Error(`moto config: ${cfg.status}`);
  }

  #lambdaEnv(fn: TemplateFunction): Record<string, string> {
    const creds = this.roleCredentials.get(fn.roleLogicalId) ?? { accessKeyId: 'AKIAFUNCTIONNOAUTH', secretAccessKey: 'none' };
    return {
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_ACCESS_KEY_ID: creds.accessKeyId,
      AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
      // The emulated world's endpoints: not in the template, as in AWS.
      AWS_ENDPOINT_URL: this.edge.url,
      SLACK_API_URL: this.slack.apiUrl,
    };
  }

  clients(c: Credentials) {
    const o = { endpoint: this.edge.url, region: REGION, credentials: c };
    return { dynamodb: new DynamoDBClient(o), kms: new KMSClient(o), secrets: new SecretsManagerClient(o), sfn: new SFNClient(o) };
  }

  /** moto's IAM query API, signed by nothing (the admin bootstrap) until IAM is on. */
  async iam(params: Record<string, string>): Promise<string> {
    const r = await fetch(`http://127.0.0.1:${this.motoPort}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `AWS4-HMAC-SHA256 Credential=${this.admin?.accessKeyId ?? 'x'}/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0` },
      body: new URLSearchParams({ Version: '2010-05-08', ...params }).toString(),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`IAM ${params['Action']}: ${r.status} ${text.slice(0, 300)}`);
    return text;
  }

  async #userFor(name: string, statements: Statement[]): Promise<Credentials> {
    await this.iam({ Action: 'CreateUser', UserName: name });
    // moto checks actions against resource `*`: the user's policy keeps the actions; the edge checks the resources.
    const doc = { Version: '2012-10-17', Statement: statements.map((s) => ({ Effect: s.Effect, Action: s.Action, Resource: '*' })) };
    await this.iam({ Action: 'PutUserPolicy', UserName: name, PolicyName: 'role-statements', PolicyDocument: JSON.stringify(doc) });
    const xml = await this.iam({ Action: 'CreateAccessKey', UserName: name });
    const c = { accessKeyId: xmlValue(xml, 'AccessKeyId'), secretAccessKey: xmlValue(xml, 'SecretAccessKey') };
    this.principals.set(c.accessKeyId, { name, statements });
    return c;
  }

  /**
   * Least privilege, enforced: each role becomes an IAM user holding exactly the role's
   * statements from the template, the functions run with its keys, and moto's IAM
   * enforcement is switched on. Also makes an admin (the tier's own setup and assertions) and
   * gives moto's Step Functions (which signs as `ak`) the state machine role's statements.
   */
  async enableIam(): Promise<void> {
    const admin = await this.#userFor('tier-admin', [{ Effect: 'Allow', Action: ['*'], Resource: ['*'] }]);
    for (const [roleId] of this.stack.ofType('AWS::IAM::Role')) {
      this.roleCredentials.set(roleId, await this.#userFor(`role-${roleId}`.slice(0, 64), this.stack.roleStatements(roleId)));
    }
    const sm = this.stack.ofType('AWS::StepFunctions::StateMachine')[0]!;
    const smRole = sm[1].Properties.RoleArn['Fn::GetAtt'][0] as string;
    this.principals.set('ak', { name: `moto Step Functions as ${smRole}`, statements: this.stack.roleStatements(smRole) });
    this.admin = admin;
    const r = await fetch(`http://127.0.0.1:${this.motoPort}/moto-api/reset-auth`, { method: 'POST', body: '0' });
    if (!r.ok) throw new Error(`reset-auth: ${r.status}`);
    this.iamOn = true;
    // Containers started before this hold the old credentials: start them again.
    for (const fn of this.runner.functions) this.runner.kill(fn);
  }

  #authorize: Authorize = (accessKeyId, action, resources) => {
    const p = accessKeyId === undefined ? undefined : this.principals.get(accessKeyId);
    if (p === undefined) return `unknown access key ${accessKeyId ?? '(none)'}`;
    for (const resource of resources) {
      const matching = p.statements.filter((s) => s.Action.some((a) => wildcard(a, action)) && s.Resource.some((r) => wildcard(r, resource)));
      if (matching.some((s) => s.Effect === 'Deny') || !matching.some((s) => s.Effect === 'Allow')) {
        return `User: ${p.name} is not authorized to perform: ${action} on resource: ${resource}`;
      }
    }
    return null;
  };

  /** The resource ARNs a JSON-protocol call acts on. */
  #resourcesOf(action: string, body: any): string[] {
    const table = (name: string, index?: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}${index === undefined ? '' : `/index/${index}`}`;
    const [service] = action.split(':');
    if (service === 'dynamodb') {
      if (typeof body.TableName === 'string') return [table(body.TableName, body.IndexName)];
      if (Array.isArray(body.TransactItems)) return body.TransactItems.map((t: any) => table((Object.values(t)[0] as any).TableName));
      if (body.RequestItems !== undefined) return Object.keys(body.RequestItems).map((n) => table(n));
      return ['*'];
    }
    if (service === 'kms') return [this.#keyArn(String(body.KeyId ?? '*'))];
    if (service === 'secretsmanager') return [this.#secretArn(String(body.SecretId ?? '*'))];
    if (service === 'states') {
      if (typeof body.stateMachineArn === 'string') return [body.stateMachineArn];
      // Task-token calls act on the machine that issued the token (the tier has one).
      return [String(this.stack.resolve({ Ref: this.stack.ofType('AWS::StepFunctions::StateMachine')[0]![0] }))];
    }
    return ['*'];
  }

  readonly keyArns = new Map<string, string>();
  readonly secretArns = new Map<string, string>();
  #keyArn(id: string): string {
    return this.keyArns.get(id) ?? id;
  }
  #secretArn(id: string): string {
    return this.secretArns.get(id) ?? id;
  }

  async close(): Promise<void> {
    await this.runner?.close();
    await this.api?.close().catch(() => undefined);
    await this.edge?.close().catch(() => undefined);
    this.moto?.kill('SIGTERM');
    await this.slack?.close();
    await this.snowflake?.close();
    await this.idp?.close();
  }
}

/** IAM's `*` and `?` wildcards. */
export function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(value);
}

export { ACCOUNT, REGION };
