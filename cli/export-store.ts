import { AWS_RETRY, awsClientConfig, awsClients } from '#shared/wiring/aws-clients.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDbCheckpointStore } from '#shared/adapters/aws/dynamodb-checkpoint-store.js';
import { DynamoDbRecordStore } from '#shared/adapters/aws/dynamodb-record-store.js';
import { KmsSigner } from '#shared/adapters/aws/kms-signer.js';
import { lambdaCheckpointer } from '#shared/adapters/aws/lambda-checkpointer.js';
import { LocalKeySigner } from '#shared/adapters/file-key/local-key-signer.js';
import type { CheckpointStore } from '#shared/ports/checkpoint-store.js';
import type { ExportableRecordStore } from '#shared/ports/record-store.js';
import type { Signer } from '#shared/ports/signer.js';
import { keyIdOf, toPublicKey } from '#shared/records/key-id.js';
import { tableNames } from '#shared/adapters/aws/tables.js';
import { localDynamoDbClient } from '#local/dynalite-server.js';
import { openLocalStore } from '#local/record-store-access.js';
import { UsageError } from './io.js';

/** What `airlock export` reads from and signs with, however it reaches the store. */
export interface ExportSource {
  records: ExportableRecordStore;
  checkpoints: CheckpointStore;
  exportSigner: Signer;
  recordKeys(): Promise<Array<{ keyId: string; pem: string }>>;
  /** Locally the CLI holds the record key and checkpoints at export; in AWS the scheduled function does. */
  checkpointSigner?: Signer;
  /** In AWS: the deployed checkpoint writer, invoked for the selected sessions before the export reads them. */
  checkpointFirst?(sessionIds: string[]): Promise<void>;
  via: string;
  close(): Promise<void>;
}

export interface AwsOptions {
  endpoint?: string;
  tablePrefix: string;
  exportKeyArn?: string;
  recordsKeyArn?: string;
  region?: string;
  /** The `CheckpointWriterFunction` stack output: invoked so the export checkpoints every head it reads. */
  checkpointFunction?: string;
  /** The caller's environment names credentials (AWS_ACCESS_KEY_ID or AWS_PROFILE). */
  hasCredentials?: boolean;
}

/**
 * The local data folder: through the running runtime's DynamoDB endpoint (runtime.json) when
 * one runs, else by opening the folder; keys from `<dataDir>/keys` (records.pem signs
 * checkpoints, exports.pem the manifest).
 */
export async function openLocalExportSource(dataDir: string): Promise<ExportSource> {
  const recordsKey = join(dataDir, 'keys', 'records.pem');
  if (!existsSync(recordsKey)) throw new UsageError(`no record key in ${dataDir}: start the runtime once (npm start) or set AIRLOCK_DATA_DIR`);
  const recordSigner = await LocalKeySigner.open(recordsKey);
  const exportSigner = await LocalKeySigner.open(join(dataDir, 'keys', 'exports.pem'));
  const names = tableNames();
  const { client, via, close } = await openLocalStore(dataDir);
  return {
    records: new DynamoDbRecordStore(client, names.records),
    checkpoints: new DynamoDbCheckpointStore(client, names.checkpoints),
    exportSigner,
    checkpointSigner: recordSigner,
    recordKeys: async () => [{ keyId: await recordSigner.keyId(), pem: await recordSigner.publicKeyPem() }],
    via,
    close,
  };
}

/**
 * DynamoDB in AWS (or any endpoint) with the caller's credentials from the SDK's default chain
 * (AWS_PROFILE, AWS_REGION, SSO, the auditor role…). The manifest is signed with the export KMS
 * key; the record key's public half comes from KMS GetPublicKey. An `--export-key FILE`-less
 * run against a bare endpoint (tests, dynalite) may name PEM key files instead of ARNs.
 */
type AwsSourceOptions = AwsOptions & { exportKeyFile?: string; recordKeyFiles?: string[] };
/** `airlock reconcile --aws` without --out signs nothing: its source may have no export key (`exportSigner: null`). */
export type SourceWithoutExportKey = Omit<ExportSource, 'exportSigner'> & { exportSigner: Signer | null };

export async function openAwsExportSource(o: AwsSourceOptions & { exportKeyOptional: true }): Promise<SourceWithoutExportKey>;
export async function openAwsExportSource(o: AwsSourceOptions): Promise<ExportSource>;
export async function openAwsExportSource(o: AwsSourceOptions & { exportKeyOptional?: boolean }): Promise<SourceWithoutExportKey> {
  // One endpoint and region for every client (DynamoDB, KMS, Lambda): --endpoint/--region, else
  // AWS_ENDPOINT_URL/AWS_REGION, else AWS itself in us-east-1.
  const config = awsClientConfig(process.env, { ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }), ...(o.region === undefined ? {} : { region: o.region }) });
  // DynamoDB Local / dynalite on loopback ignore credentials, but the SDK insists on some.
  const loopback = config.endpoint !== undefined && /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(config.endpoint);
  const credentials = loopback && !o.hasCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  const clients = awsClients(config);
  // The same loopback client as the local runtime's (timeouts, few attempts) when nothing asks for more.
  const client =
    loopback && config.endpoint !== undefined && o.region === undefined && !o.hasCredentials
      ? localDynamoDbClient(config.endpoint)
      : loopback && !o.hasCredentials
        ? new DynamoDBClient({ ...AWS_RETRY, ...config, ...credentials })
        : clients.dynamodb();
  const names = tableNames(o.tablePrefix);
  const kms = loopback && !o.hasCredentials ? new KMSClient({ ...AWS_RETRY, ...config, ...credentials }) : clients.kms();
  const lambda = o.checkpointFunction === undefined ? null : loopback && !o.hasCredentials ? new LambdaClient({ ...AWS_RETRY, ...config, ...credentials }) : clients.lambda();
  let exportSigner: Signer | null;
  if (o.exportKeyArn !== undefined) exportSigner = new KmsSigner(kms, o.exportKeyArn);
  else if (o.exportKeyFile !== undefined) exportSigner = await LocalKeySigner.open(o.exportKeyFile);
  else if (o.exportKeyOptional === true) exportSigner = null;
  else throw new UsageError('with --aws or --endpoint, name the export signing key: --export-key-arn ARN (or --export-key FILE)');
  const recordKeys = async (): Promise<Array<{ keyId: string; pem: string }>> => {
    const keys: Array<{ keyId: string; pem: string }> = [];
    if (o.recordsKeyArn !== undefined) {
      const s = new KmsSigner(kms, o.recordsKeyArn);
      keys.push({ keyId: await s.keyId(), pem: await s.publicKeyPem() });
    }
    for (const f of o.recordKeyFiles ?? []) {
      const pub = toPublicKey(readFileSync(f, 'utf8'));
      keys.push({ keyId: keyIdOf(pub), pem: pub.export({ type: 'spki', format: 'pem' }).toString() });
    }
    if (keys.length === 0) throw new UsageError('with --aws or --endpoint, name the record key: --records-key-arn ARN (or --records-key FILE)');
    return keys;
  };
  return {
    records: new DynamoDbRecordStore(client, names.records),
    checkpoints: new DynamoDbCheckpointStore(client, names.checkpoints),
    exportSigner,
    recordKeys,
    ...(lambda === null || o.checkpointFunction === undefined ? {} : { checkpointFirst: lambdaCheckpointer(lambda, o.checkpointFunction) }),
    via: config.endpoint === undefined ? `DynamoDB (tables ${names.records}, ${names.checkpoints})` : `DynamoDB at ${config.endpoint}`,
    close: async () => {
      client.destroy();
      kms.destroy();
      lambda?.destroy();
    },
  };
}
