// The CLI's logger: pino to stderr with secrets redacted; its own module so light entry points need no config code.
import pino from 'pino';
import type { Logger } from '../core/collector.js';

/** Structured logs go to stderr, so stdout stays clean for --json. Secrets are redacted by path. */
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
    pino.destination(2),
  ) as unknown as Logger;
}
