import { afterAll, vi } from 'vitest';

/**
 * Setup file of every test file. Files share their worker process (`isolate: false` in vitest.config.ts: the
 * SDKs, the parser and the fixtures are imported once per worker instead of once per file). It runs
 * before every test file and puts back, after the file, what a file may change in the process:
 * environment variables, fake timers and `vi.spyOn` spies. aws-sdk-client-mock stubs a client's
 * prototype for the whole process: a file that mocks a client restores it in its own `afterAll`.
 *
 * A file that needs a fresh process (one that loads a Lambda entry point, whose wiring is built once
 * from `process.env` and kept for the process) belongs in `OWN_PROCESS` in vitest.config.ts.
 */
const env = { ...process.env };

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
  vi.useRealTimers();
  vi.restoreAllMocks();
});
