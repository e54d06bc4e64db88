import { readFileSync } from 'node:fs';
import type { Command } from '../io.js';

/** The commented production policy template (cli/templates/production-policy.yaml). */
export function productionPolicyTemplate(): string {
  return readFileSync(new URL('../templates/production-policy.yaml', import.meta.url), 'utf8');
}

/** `airlock init policy`: prints a commented production policy to fill in; writes no file. */
export const run: Command = async (_argv, io) => {
  io.stdout.write(productionPolicyTemplate());
  return 0;
};
