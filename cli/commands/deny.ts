import type { Command } from '../io.js';
import { voteCommand } from './approve.js';

/** `deny REQUEST_ID --as SLACK_USER_ID [--reason R]`: one rejection ends the request (see approve.ts). */
export const run: Command = voteCommand('deny');
