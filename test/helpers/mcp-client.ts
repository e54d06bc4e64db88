import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { fileURLToPath } from 'node:url';
import { cliBin } from './cli-bin.js';

export { BIN } from './cli-bin.js';
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface McpUnderTest {
  client: Client;
  /** Everything the server wrote to stderr so far (its logs). */
  stderr(): string;
  /** Transport/protocol errors seen by the client: a non-JSON line on stdout would land here. */
  protocolErrors: Error[];
  close(): Promise<void>;
}

/** Spawns `airlock mcp` as a real child process (the run's bundle of cli/bin.js, `cliBin()`) and connects the SDK's own stdio client to it. */
export async function startMcp(env: Record<string, string>): Promise<McpUnderTest> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliBin(), 'mcp'],
    env: { ...getDefaultEnvironment(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    cwd: REPO_ROOT,
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const protocolErrors: Error[] = [];
  const client = new Client({ name: 'airlock-test', version: '1.0.0' });
  client.onerror = (e) => protocolErrors.push(e);
  await client.connect(transport);
  return { client, stderr: () => err, protocolErrors, close: () => client.close() };
}

/** The text of a tool result (all text blocks joined). */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n');
}
