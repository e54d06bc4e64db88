import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * JSON logs on stderr (stdout stays free for command output and the MCP protocol). Records and
 * logs never carry unmasked values: handlers log codes and ids, not rows.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'airlock' }, redact: { paths: ['*.authorization', '*.token', 'headers.authorization'], censor: '[REDACTED]' } }, pino.destination(2));
}
