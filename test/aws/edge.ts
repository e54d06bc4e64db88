import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { LambdaRunner } from './lambda-runner.js';
import type { ApiRoute } from './stack.js';

/** Decides one call: `null` lets it through, a string is the AccessDenied message. */
export type Authorize = (accessKeyId: string | undefined, action: string, resources: string[]) => string | null;

export interface Edge {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** One AWS API call as it crossed the edge: who sent it (access key id) and what (`dynamodb:PutItem`, `lambda:InvokeFunction`). */
export interface EdgeCall {
  accessKeyId: string | undefined;
  action: string;
  /** DynamoDB: the table and the kind of item (`airlock-requests quota#lease`, `airlock-records sessionId`), never a value. */
  target?: string;
}

/** `req#01J…` → `req#`, `quota#lease#id#0` → `quota#lease#`; a sessionId/seq key → its attribute name. */
function itemKind(item: Record<string, { S?: string }> | undefined): string {
  if (item === undefined) return '?';
  const pk = item['pk']?.S;
  if (pk !== undefined) {
    const parts = pk.split('#');
    return parts[0] === 'quota' ? `quota#${parts[1] ?? ''}#` : `${parts[0]}#`;
  }
  return Object.keys(item).includes('sessionId') ? 'sessionId' : Object.keys(item).sort().join('+');
}

function dynamoTarget(body: Buffer): string | undefined {
  try {
    const b = JSON.parse(body.toString('utf8') || '{}') as { TableName?: string; Key?: Record<string, { S?: string }>; Item?: Record<string, { S?: string }>; TransactItems?: unknown[] };
    if (typeof b.TableName === 'string') return `${b.TableName} ${itemKind(b.Key ?? b.Item)}`;
    if (Array.isArray(b.TransactItems)) return `transaction of ${b.TransactItems.length}`;
  } catch {
    /* not JSON */
  }
  return undefined;
}

/**
 * Every call the edge saw, in order (issue 17: per-read call counts). Counted at the edge rather
 * than by a middleware in the product: the bundles' SDK clients all send here (AWS_ENDPOINT_URL),
 * so this sees exactly what goes on the wire — SDK retries included — without changing the
 * product's client factory or the read path.
 */
export const edgeCalls: EdgeCall[] = [];

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function accessKeyOf(req: IncomingMessage): string | undefined {
  return /Credential=([^/]+)\//.exec(String(req.headers['authorization'] ?? ''))?.[1];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/**
 * The emulated AWS endpoint every client uses (AWS_ENDPOINT_URL, moto's own Step Functions
 * via MOTO_PORT): Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`) is
 * served by the tier's runner, which runs the bundles; every other call goes to moto. When
 * `authorize` is given, Invoke and the JSON-protocol calls (DynamoDB, KMS, Secrets Manager,
 * Step Functions) are also checked against the caller's statements *with their resources*,
 * which moto's own enforcement (action against `*`) does not do.
 */
export async function startEdge(motoPort: number, runner: LambdaRunner, authorize: () => Authorize | null, resourcesOf: (target: string, body: any) => string[]): Promise<Edge> {
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url?.split('?')[0] ?? '');
      const auth = authorize();
      const calledAs = String(req.headers['x-amz-target'] ?? '');
      const calledAction = invoke !== null ? 'lambda:InvokeFunction' : (actionOf(calledAs) ?? (calledAs || `${req.method} ${req.url?.split('?')[0]}`));
      const dynamo = calledAction.startsWith('dynamodb:') ? dynamoTarget(body) : undefined;
      edgeCalls.push({ accessKeyId: accessKeyOf(req), action: calledAction, ...(dynamo === undefined ? {} : { target: dynamo }) });
      if (invoke !== null && req.method === 'POST') {
        const fn = runner.find(invoke[1]!);
        if (fn === undefined) return json(res, 404, { Type: 'User', message: `Function not found: ${invoke[1]}` }, 'ResourceNotFoundException');
        const denied = auth?.(accessKeyOf(req), 'lambda:InvokeFunction', [fn.arn]);
        if (denied) return json(res, 403, { Type: 'User', Message: denied }, 'AccessDeniedException');
        const event = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
        const out = await runner.invoke(fn, event);
        const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'x-amz-executed-version': '$LATEST' };
        if (!out.ok) headers['x-amz-function-error'] = 'Unhandled';
        res.writeHead(200, headers);
        res.end(JSON.stringify(out.ok ? out.result : { errorType: out.errorType, errorMessage: out.errorMessage }));
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      if (auth !== null && target !== '') {
        const action = actionOf(target);
        let parsed: any = {};
        try {
          parsed = JSON.parse(body.toString('utf8') || '{}');
        } catch {
          /* moto answers malformed bodies itself */
        }
        const denied = action === null ? null : auth(accessKeyOf(req), action, resourcesOf(action, parsed));
        if (denied) return json(res, 400, { __type: 'AccessDeniedException', message: denied }, 'AccessDeniedException');
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: motoPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', (e) => json(res, 502, { message: String(e) }, 'BadGateway'));
      upstream.end(body);
    })().catch((e: unknown) => json(res, 500, { message: String(e) }, 'InternalFailure'));
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => server.close(() => r())) };
}

const SERVICE_PREFIX: Record<string, string> = {
  DynamoDB_20120810: 'dynamodb',
  TrentService: 'kms',
  secretsmanager: 'secretsmanager',
  AWSStepFunctions: 'states',
};

/** `X-Amz-Target: TrentService.Sign` → `kms:Sign`. */
export function actionOf(target: string): string | null {
  const [prefix, op] = target.split('.');
  const service = prefix === undefined ? undefined : SERVICE_PREFIX[prefix];
  return service === undefined || op === undefined ? null : `${service}:${op}`;
}

function json(res: ServerResponse, status: number, body: unknown, errorType: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': errorType });
  res.end(JSON.stringify(body));
}

/**
 * The HTTP API: each request becomes an API Gateway v2 (payload 2.0) event for the function
 * the template routes it to, exactly as `AWS_PROXY` integrations deliver it; an unrouted
 * request is API Gateway's 404 `{"message":"Not Found"}`.
 */
export async function startApi(routes: ApiRoute[], runner: LambdaRunner): Promise<Edge> {
  const compiled = routes.map((r) => ({ ...r, re: new RegExp(`^${r.path.replace(/\{[^}]+\}/g, '([^/]+)')}$`) }));
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://api.local');
      const method = req.method ?? 'GET';
      const route = compiled.find((r) => r.method === method && r.re.test(url.pathname));
      if (route === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end('{"message":"Not Found"}');
      }
      const names = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const values = route.re.exec(url.pathname)!.slice(1);
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
      const contentType = headers['content-type'] ?? '';
      const binary = body.length > 0 && !/^(application\/json|text\/)/.test(contentType);
      const requestId = randomUUID();
      const query = Object.fromEntries(url.searchParams.entries());
      const event = {
        version: '2.0',
        routeKey: `${route.method} ${route.path}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(Object.keys(query).length === 0 ? {} : { queryStringParameters: query }),
        ...(names.length === 0 ? {} : { pathParameters: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(values[i]!)])) }),
        requestContext: {
          accountId: '123456789012',
          apiId: 'airlockapi',
          domainName: 'airlockapi.execute-api.us-east-1.amazonaws.com',
          domainPrefix: 'airlockapi',
          http: { method, path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
          requestId,
          routeKey: `${route.method} ${route.path}`,
          stage: '$default',
          time: new Date().toUTCString(),
          timeEpoch: Date.now(),
        },
        ...(body.length === 0 ? {} : { body: binary ? body.toString('base64') : body.toString('utf8') }),
        isBase64Encoded: binary,
      };
      const fn = runner.functions.find((f) => f.logicalId === route.functionLogicalId)!;
      const out = await runner.invoke(fn, event);
      if (!out.ok) {
        res.writeHead(500, { 'content-type': 'application/json' });
        return void res.end('{"message":"Internal Server Error"}');
      }
      const r = out.result as { statusCode: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };
      res.writeHead(r.statusCode, r.headers ?? {});
      res.end(r.isBase64Encoded === true ? Buffer.from(r.body ?? '', 'base64') : (r.body ?? ''));
    })().catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: String(e) }));
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => server.close(() => r())) };
}
