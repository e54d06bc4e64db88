import { generateKeyPairSync } from 'node:crypto';
import { SnowflakeWarehouse, type SnowflakeWarehouseOptions } from '#shared/adapters/snowflake/snowflake-warehouse.js';
import type { SnowflakeConfig } from '#shared/adapters/snowflake/snowflake-config.js';
import { startFakeSnowflake, type FakeSnowflake, type FakeSnowflakeOptions } from '#test/helpers/fake-snowflake-server.js';

/** One RSA key pair per test process: generating one costs ~50 ms. */
let keys: { privateKeyPem: string; publicKeyPem: string; encryptedPem: string } | undefined;
export function testKeys() {
  if (!keys) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys = {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      encryptedPem: privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' }).toString(),
    };
  }
  return keys;
}

/** The runtime's (or a CLI command's) environment for the service user on a fake Snowflake, plus `extra`. */
export function fakeSnowflakeEnv(sf: Pick<FakeSnowflake, 'url'>, extra: Record<string, string> = {}): Record<string, string> {
  return { SNOWFLAKE_ACCOUNT: 'testaccount', SNOWFLAKE_USER: 'airlock_svc', SNOWFLAKE_PRIVATE_KEY: testKeys().privateKeyPem, SNOWFLAKE_ACCESS_URL: sf.url, ...extra };
}

export interface SnowflakeRig {
  server: FakeSnowflake;
  config: SnowflakeConfig;
  warehouse: SnowflakeWarehouse;
  dispose(): Promise<void>;
}

/** A wire-level Snowflake (DuckDB behind it) and a SnowflakeWarehouse logged in to it with a key pair. */
export async function snowflakeRig(opts: FakeSnowflakeOptions = {}, whOpts: SnowflakeWarehouseOptions = {}): Promise<SnowflakeRig> {
  const k = testKeys();
  const server = await startFakeSnowflake({ publicKeyPem: k.publicKeyPem, ...opts });
  const config: SnowflakeConfig = {
    account: 'testaccount',
    user: 'airlock_svc',
    auth: { kind: 'key-pair', privateKeyPem: k.privateKeyPem },
    role: 'AIRLOCK_READER',
    warehouse: 'AIRLOCK_WH',
    database: 'ANALYTICS',
    schema: 'PUBLIC',
    accessUrl: server.url,
  };
  const warehouse = new SnowflakeWarehouse(config, { loginRetries: 0, ...whOpts });
  return {
    server,
    config,
    warehouse,
    dispose: async () => {
      await warehouse.close();
      await server.close();
    },
  };
}
