import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { AirlockError } from '../../errors.js';

/** Session ids per invocation: keeps each payload far below Lambda's 6 MB request limit. */
const BATCH = 1000;

/**
 * Asks the deployed checkpoint writer (the `CheckpointWriterFunction` stack output) to sign the
 * heads of the given sessions, synchronously, before an AWS export reads them. The exporter's
 * auditor role may invoke it but holds no record key, so this is how an export checkpoints in AWS.
 *
 * @example
 * await lambdaCheckpointer(new LambdaClient({}), 'airlock-WriteCheckpoints')(['s1', 's2']);
 */
export function lambdaCheckpointer(client: LambdaClient, functionName: string): (sessionIds: string[]) => Promise<void> {
  return async (sessionIds) => {
    for (let i = 0; i < sessionIds.length; i += BATCH) {
      const payload = JSON.stringify({ sessionIds: sessionIds.slice(i, i + BATCH) });
      let res;
      try {
        res = await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: new TextEncoder().encode(payload) }));
      } catch (cause) {
        throw new AirlockError('ERR_CHECKPOINT_FAILED', `could not invoke the checkpoint writer ${functionName}`, { cause });
      }
      if (res.FunctionError !== undefined) {
        throw new AirlockError('ERR_CHECKPOINT_FAILED', `the checkpoint writer ${functionName} failed (${res.FunctionError}); the export was not started`);
      }
    }
  };
}
