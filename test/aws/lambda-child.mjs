// One Lambda "container" of the AWS-emulated tier: loads a function bundle from cdk.out (its
// `index.mjs`, handler `index.handler`) in a process whose environment is the function's, and
// answers invocations sent by the runner over IPC, one at a time, like a Lambda execution
// environment. An error is reported as Lambda reports it: `{ errorType: err.name, errorMessage }`.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const dir = process.argv[2];
const mod = await import(pathToFileURL(join(dir, 'index.mjs')).href);
if (typeof mod.handler !== 'function') throw new Error(`${dir}/index.mjs exports no handler`);

let queue = Promise.resolve();
process.on('message', (msg) => {
  queue = queue.then(async () => {
    const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: msg.id, getRemainingTimeInMillis: () => msg.timeoutMs };
    try {
      const result = await mod.handler(msg.event, context);
      process.send({ id: msg.id, ok: true, result: result === undefined ? null : result });
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      process.send({ id: msg.id, ok: false, errorType: err.name, errorMessage: err.message });
    }
  });
});
process.send({ ready: true });
