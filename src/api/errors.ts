// The API's errors: one table of stable codes with their HTTP status (fastify `lib/errors.js` style), and the one
// mapping from anything a handler throws to a response. Clients match on `error`, never on `message`.
import type { FastifyReply } from 'fastify';
import type { Logger } from '../core/collector.js';
import { AppError, isAppError } from '../core/errors.js';

/** Every `error` code the API itself answers with, and its status. AppErrors keep their own code (400 or 500). */
export const API_ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  internal: 500,
  not_implemented: 501,
  busy: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** An error the API answers with as it is: a code from API_ERROR_STATUS, a message for the client, extra headers. */
export class ApiError extends AppError {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(code: ApiErrorCode, message: string, opts: { headers?: Record<string, string>; cause?: unknown } = {}) {
    super(code, message, { retryable: code === 'busy', ...(opts.cause !== undefined ? { cause: opts.cause } : {}) });
    this.name = 'ApiError';
    this.status = API_ERROR_STATUS[code];
    this.headers = opts.headers ?? {};
  }
}

/** The response for any thrown value: status, headers and the `{ error, message }` body. */
export function httpErrorOf(err: unknown, logger: Logger): { status: number; headers: Record<string, string>; body: { error: string; message: string } } {
  if (err instanceof ApiError) return { status: err.status, headers: err.headers, body: { error: err.code, message: err.message } };
  // A user mistake (a bad grant, an unknown rule) is the client's 400; any other AppError is ours, with its code.
  if (isAppError(err)) {
    if (err.exitCode !== 2) logger.error({ code: err.code, err: err.message }, 'api error');
    return { status: err.exitCode === 2 ? 400 : 500, headers: {}, body: { error: err.code, message: err.message } };
  }
  // fastify's own refusals (a body that is not JSON, too large) carry a 4xx statusCode and a message fit to show.
  const e = err as Error & { statusCode?: number };
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) return { status: e.statusCode, headers: {}, body: { error: 'bad_request', message: e.message } };
  logger.error({ err: e?.message ?? String(err) }, 'api error');
  return { status: 500, headers: {}, body: { error: 'internal', message: 'internal error' } };
}

/** Sends the mapped response (hooks and the error handler both answer through here). */
export function sendError(reply: FastifyReply, err: unknown, logger: Logger): FastifyReply {
  const { status, headers, body } = httpErrorOf(err, logger);
  return reply.code(status).headers(headers).send(body);
}
