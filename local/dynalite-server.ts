import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  ListTablesCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { createTableInputs, tableNames, type TableNames } from '#shared/adapters/aws/tables.js';
import { AWS_SDK_CALLS } from '#shared/adapters/aws/sdk-call-options.js';
import { cacheDynaliteExpressions } from './dynalite-expression-cache.js';
import { inProcessHandler } from './in-process-dynalite.js';

export interface DynaliteServer {
  /** `http://127.0.0.1:<port>` — what runtime.json advertises to CLI commands. */
  endpoint: string;
  client: DynamoDBClient;
  tables: TableNames;
  /** Stops serving and closes LevelDB (flushing it); the data dir can then be reopened. */
  close(): Promise<void>;
}

export interface StartDynaliteOptions {
  /** The Airlock data dir; LevelDB lives in `<dataDir>/dynamodb`. */
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Table name prefix (default `airlock`). */
  tablePrefix?: string;
}

/**
 * dynalite checks that a request carries a well-formed SigV4 `Authorization` header and a date,
 * never the signature itself (there is no secret to check it with: the credentials are dummies).
 * Computing a real SigV4 signature (two HMAC chains and a SHA-256 of the body) on every call was
 * ~1 ms of CPU per read in the local runtime (issue 17); this stamps the well-formed header instead.
 */
const UNSIGNED_LOCAL: NonNullable<DynamoDBClientConfig['httpAuthSchemes']>[number] = {
  schemeId: 'aws.auth#sigv4',
  identityProvider: (config) => config.getIdentityProvider('aws.auth#sigv4'),
  signer: {
    sign: async (request) => {
      const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
      request.headers['x-amz-date'] = date;
      request.headers['authorization'] = `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`;
      return request;
    },
  },
};

/**
 * A DynamoDB client for a local endpoint. Dummy static credentials keep the SDK from
 * ever looking for (or sending) real ones; requests are not signed (UNSIGNED_LOCAL); few
 * attempts so an outage surfaces quickly as ERR_STORE_UNAVAILABLE instead of a long retry loop.
 *
 * @example
 * const client = localDynamoDbClient(runtime.dynamodbEndpoint);
 */
export function localDynamoDbClient(endpoint: string, server?: Server): DynamoDBClient {
  return new DynamoDBClient({
    region: 'local',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    httpAuthSchemes: [UNSIGNED_LOCAL],
    maxAttempts: 2,
    ...AWS_SDK_CALLS,
    // The process that embeds dynalite hands it each request directly (in-process-dynalite.ts).
    requestHandler: server === undefined ? { connectionTimeout: 2_000, requestTimeout: REQUEST_TIMEOUT_MS } : inProcessHandler(server, { requestTimeoutMs: REQUEST_TIMEOUT_MS }),
  });
}

/** Longest one call to the local DynamoDB may take, over HTTP or in-process. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Creates each table that does not exist yet and waits until all are ACTIVE. */
export async function ensureTables(client: DynamoDBClient, inputs: CreateTableCommandInput[]): Promise<void> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const out = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const t of out.TableNames ?? []) existing.add(t);
    start = out.LastEvaluatedTableName;
  } while (start !== undefined);
  for (const input of inputs) {
    if (input.TableName === undefined || existing.has(input.TableName)) continue;
    try {
      await client.send(new CreateTableCommand(input));
    } catch (e) {
      // Another opener created it between our list and create.
      if ((e as { name?: string }).name !== 'ResourceInUseException') throw e;
    }
  }
  for (const input of inputs) await waitActive(client, input.TableName ?? '');
}

async function waitActive(client: DynamoDBClient, tableName: string): Promise<void> {
  // Bounded by attempts, not time: with createTableMs 0 a table is ACTIVE on the first look.
  for (let i = 0; i < 200; i += 1) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const t = out.Table;
    const indexesActive = (t?.GlobalSecondaryIndexes ?? []).every((g) => g.IndexStatus === 'ACTIVE');
    if (t?.TableStatus === 'ACTIVE' && indexesActive) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`table ${tableName} did not become ACTIVE`);
}

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Fails with a clear message when another process (or another server in this one) holds
 * the LevelDB directory. dynalite 4.0.0 would instead hit the lock lazily, inside a stream
 * with no 'error' listener, and crash the process. Uses dynalite's own `level` so the
 * probe opens exactly what dynalite opens.
 */
async function assertUnlocked(path: string): Promise<void> {
  const requireFromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { Level } = requireFromDynalite('level') as { Level: new (p: string) => LevelDb };
  const db = new Level(path);
  try {
    await db.open();
  } catch (cause) {
    const locked = (cause as { cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED';
    throw new Error(
      locked
        ? `the local DynamoDB data at ${path} is in use by another process (is \`airlock serve\` running? CLI commands reach it through runtime.json)`
        : `cannot open the local DynamoDB data at ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  await db.close();
}

/** How long close() waits for dynalite to finish the requests it is working on. */
const CLOSE_WAIT_MS = 5_000;

interface OperationGate {
  /**
   * Stops dynalite from starting new work (later requests are answered 503 without reaching it) and
   * resolves once it has answered every request it started, or after `budgetMs`, whichever is first.
   */
  drain(budgetMs: number): Promise<void>;
}

/**
 * Puts a gate in front of dynalite's request handler. It counts the requests dynalite is working on,
 * from the moment one reaches it until dynalite answers it (`res.end`, which dynalite calls even when the
 * client has gone) or the socket closes before the body was read (dynalite never starts on those).
 */
export function gateOperations(server: Server): OperationGate {
  const handlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  let working = 0;
  let draining = false;
  let waiters: Array<() => void> = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (draining) {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/x-amz-json-1.0', connection: 'close' });
      res.end('{"__type":"com.amazonaws.dynamodb.v20120810#ServiceUnavailableException","message":"closing"}');
      return;
    }
    working += 1;
    let done = false;
    let bodyRead = false;
    const finish = () => {
      if (done) return;
      done = true;
      working -= 1;
      if (working === 0) for (const wake of waiters.splice(0)) wake();
    };
    req.once('end', () => (bodyRead = true));
    res.once('close', () => bodyRead || finish());
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      finish();
      return end(...args);
    }) as typeof res.end;
    for (const handle of handlers) handle.call(server, req, res);
  });
  return {
    drain: (budgetMs) => {
      draining = true;
      if (working === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== wake);
          resolve();
        }, budgetMs);
        waiters.push(wake);
      });
    },
  };
}

/**
 * Serves the DynamoDB API from dynalite on 127.0.0.1 with its LevelDB under
 * `<dataDir>/dynamodb`, with the tables of `shared/adapters/aws/tables.ts` created. LevelDB allows one
 * process per directory: a second opener fails with a message saying so.
 *
 * @example
 * const db = await startDynalite({ dataDir: '.airlock' });
 * const records = new DynamoDbRecordStore(db.client, db.tables.records);
 * // …
 * await db.close();
 */
export async function startDynalite(options: StartDynaliteOptions): Promise<DynaliteServer> {
  const path = join(options.dataDir, 'dynamodb');
  await mkdir(path, { recursive: true, mode: 0o700 });
  await assertUnlocked(path);
  cacheDynaliteExpressions();
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const gate = gateOperations(server);
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // This process's own calls skip the loopback socket; the endpoint serves every other process.
  const client = localDynamoDbClient(endpoint, server);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      client.destroy();
      // A request whose client went away (a destroyed client, a stopped task) is still being worked on
      // by dynalite: closing LevelDB under its scan makes the iterator throw outside any handler and
      // crash the process. Wait (bounded) until dynalite has answered every request it read.
      await gate.drain(CLOSE_WAIT_MS);
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Other clients' keep-alive sockets would hold close() open until they time out.
        server.closeIdleConnections();
      });
    })();
    return closed;
  };
  const tables = tableNames(options.tablePrefix);
  try {
    await ensureTables(client, createTableInputs(tables));
  } catch (cause) {
    await close().catch(() => undefined);
    throw new Error(`cannot create the tables in the local DynamoDB at ${path}: ${(cause as Error).message}`, { cause });
  }
  return { endpoint, client, tables, close };
}
