import { AirlockError } from '../../errors.js';

/**
 * Translates a DynamoDB SDK error into the domain's codes, in one place for every
 * DynamoDB adapter: a lost conditional write is the caller's `conflictCode`, an item over
 * 400 KB is ERR_ITEM_TOO_LARGE, and everything else (network, throttling after the SDK's
 * retries, missing table, credentials) is ERR_STORE_UNAVAILABLE — fail closed.
 */
export function dynamoDbError(cause: unknown, what: string): AirlockError {
  if (cause instanceof AirlockError) return cause;
  const name = (cause as { name?: unknown } | null)?.name;
  const message = String((cause as { message?: unknown } | null)?.message ?? cause);
  if (name === 'ValidationException' && /item size/i.test(message)) {
    return new AirlockError('ERR_ITEM_TOO_LARGE', `${what}: the item exceeds DynamoDB's 400 KB limit`, { cause });
  }
  return new AirlockError('ERR_STORE_UNAVAILABLE', `${what}: DynamoDB failed (${String(name ?? 'Error')})`, { cause });
}

export function isConditionalCheckFailed(cause: unknown): boolean {
  return (cause as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}
