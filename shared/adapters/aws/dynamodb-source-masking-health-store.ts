import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SourceMaskingHealth } from '../../governance/source-masking-health.js';
import { parseSourceMaskingHealth } from '../../governance/parse-source-masking-health.js';
import { AirlockError } from '../../errors.js';
import type { SourceMaskingHealthStore } from '../../ports/source-masking-health-store.js';
import { TABLES } from './tables.js';
import { dynamoDbError } from './dynamodb-errors.js';

/**
 * The one requests-table item that holds the last source-masking check: the only key the reconcile may put and the
 * `Public` function may get (IAM `dynamodb:LeadingKeys`, infra/function-access.ts).
 */
export const SOURCE_MASKING_HEALTH_PK = 'health#source-masking';

/**
 * SourceMaskingHealthStore on the requests table: one item `health#source-masking` whose `health` attribute is the
 * summary's JSON (state, counts, a code, the warning text: never a column name or value). A plain PutItem (the
 * latest check wins; no TTL: the summary stays until the next check replaces it); read back through
 * `parseSourceMaskingHealth`, so a damaged item is ERR_STORE_UNAVAILABLE, never reported as it stands.
 *
 * @example
 * const store = new DynamoDbSourceMaskingHealthStore(client, TABLES.requests);
 * await store.putSourceMaskingHealth(await checkSourceMaskingHealth({ warehouse, rules, clock }));
 */
export class DynamoDbSourceMaskingHealthStore implements SourceMaskingHealthStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string = TABLES.requests) {
    this.#client = client;
    this.#table = tableName;
  }

  async putSourceMaskingHealth(health: SourceMaskingHealth): Promise<void> {
    try {
      await this.#client.send(new PutItemCommand({ TableName: this.#table, Item: { pk: { S: SOURCE_MASKING_HEALTH_PK }, health: { S: JSON.stringify(health) } } }));
    } catch (e) {
      throw dynamoDbError(e, 'put the source-masking health');
    }
  }

  async getSourceMaskingHealth(): Promise<SourceMaskingHealth | null> {
    let text: string | undefined;
    let found: boolean;
    try {
      const r = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: { pk: { S: SOURCE_MASKING_HEALTH_PK } } }));
      found = r.Item !== undefined;
      text = r.Item?.['health']?.S;
    } catch (e) {
      throw dynamoDbError(e, 'get the source-masking health');
    }
    if (!found) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text ?? '');
    } catch {
      parsed = undefined;
    }
    const health = parseSourceMaskingHealth(parsed);
    if (health === null) throw new AirlockError('ERR_STORE_UNAVAILABLE', `requests item ${SOURCE_MASKING_HEALTH_PK}: not a source-masking health summary`);
    return health;
  }
}
