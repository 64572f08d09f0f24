// The CLI's logger: pino to stderr with secrets redacted — JSON records, or human lines on a terminal (log-format.ts);
// its own module so light entry points need no config code.
import pino from 'pino';
import type { Logger } from '../core/collector.js';
import { humanDestination, humanLogs } from './log-format.js';

/**
 * Structured logs go to stderr, so stdout stays clean for --json. Secrets are redacted by path. On a terminal each record
 * is one human line ("21:30:28 WARN  message key=value", no stack); otherwise, or with VIGIL_LOG_FORMAT=json, pino JSON.
 */
export function makeLogger(level = process.env.VIGIL_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['*.token', '*.password', '*.secret', '*.privateKey', '*.clientSecret', '*.authorization', 'headers.authorization', '*.headers.authorization'],
        censor: '[REDACTED]',
      },
    },
    humanLogs(process.stderr) ? humanDestination(process.stderr) : pino.destination(2),
  ) as unknown as Logger;
}
