import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaCheckpointer } from '#shared/adapters/aws/lambda-checkpointer.js';
import { AirlockError } from '#shared/errors.js';
import { exportRecords } from '#shared/use-cases/export-records.js';
import { fileSink } from '#cli/export-files.js';
import { conversation, newWorld } from '../../fixtures/export/export-fixtures.js';

const decode = (p: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(p)) as { sessionIds: string[] };

describe('lambdaCheckpointer (AWS export checkpoints through the deployed writer)', () => {
  it('invokes the function synchronously with the session ids, in batches of 1,000', async () => {
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode('{"checked":1,"written":1}') as never });
    const ids = Array.from({ length: 2500 }, (_, i) => `s${i}`);
    await lambdaCheckpointer(new LambdaClient({ region: 'eu-west-1' }), 'airlock-WriteCheckpoints')(ids);
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls.map((c) => c.args[0].input.FunctionName)).toEqual(['airlock-WriteCheckpoints', 'airlock-WriteCheckpoints', 'airlock-WriteCheckpoints']);
    expect(calls.every((c) => c.args[0].input.InvocationType === 'RequestResponse')).toBe(true);
    expect(calls.map((c) => decode(c.args[0].input.Payload as Uint8Array).sessionIds.length)).toEqual([1000, 1000, 500]);
    expect(decode(calls[2]!.args[0].input.Payload as Uint8Array).sessionIds[499]).toBe('s2499');
    lambda.restore();
  });

  it.each([
    ['a function error', (m: ReturnType<typeof mockClient>) => m.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled' })],
    ['access denied', (m: ReturnType<typeof mockClient>) => m.on(InvokeCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))],
  ])('fails the export closed on %s, before anything is read', async (_name, arrange) => {
    const lambda = mockClient(LambdaClient);
    arrange(lambda as never);
    const dir = mkdtempSync(join(tmpdir(), 'airlock-lambda-cp-'));
    const w = await newWorld(dir);
    await conversation(w, 'sess-1');
    let read = false;
    const records = { ...w.records, sessionIds: w.records.sessionIds.bind(w.records), list: w.records.list.bind(w.records), head: w.records.head.bind(w.records), append: w.records.append.bind(w.records), pages: (...a: Parameters<typeof w.records.pages>) => ((read = true), w.records.pages(...a)) };
    const error = await exportRecords(
      {
        records: records as never,
        checkpoints: w.checkpoints,
        exportSigner: w.exportSigner,
        recordKeys: async () => [{ keyId: await w.signer.keyId(), pem: await w.signer.publicKeyPem() }],
        checkpointFirst: lambdaCheckpointer(new LambdaClient({ region: 'eu-west-1' }), 'cp-fn'),
        clock: w.clock,
      },
      {},
      fileSink(join(dir, 'out')),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AirlockError);
    expect((error as AirlockError).code).toBe('ERR_CHECKPOINT_FAILED');
    expect(decode(lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array).sessionIds).toEqual(['sess-1']);
    expect(read).toBe(false);
    lambda.restore();
  });
});
