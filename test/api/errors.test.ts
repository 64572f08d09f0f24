// The API's one error mapping: every thrown value becomes a stable `{ error, message }` with its status, and nothing
// that is our fault (500) goes unlogged.
import { describe, expect, it } from 'vitest';
import { API_ERROR_STATUS, ApiError, httpErrorOf } from '../../src/api/errors.js';
import { AppError, UsageError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/collector.js';

function recording() {
  const errors: string[] = [];
  return { errors, logger: { ...silentLogger, error: (_o: object | string, msg?: string) => void errors.push(msg ?? '') } };
}

describe('API error mapping', () => {
  it.each(Object.entries(API_ERROR_STATUS))('ApiError %s answers %i with that code', (code, status) => {
    const { errors, logger } = recording();
    const r = httpErrorOf(new ApiError(code as keyof typeof API_ERROR_STATUS, 'why'), logger);
    expect(r).toMatchObject({ status, body: { error: code, message: 'why' } });
    expect(errors).toEqual([]);
  });

  it('keeps the headers an ApiError carries (401 challenge, 503 retry-after)', () => {
    expect(httpErrorOf(new ApiError('busy', 'later', { headers: { 'retry-after': '30' } }), silentLogger).headers).toEqual({ 'retry-after': '30' });
  });

  it('a UsageError (bad grant, unknown rule) is the client\'s 400 under its own code, not logged as ours', () => {
    const { errors, logger } = recording();
    expect(httpErrorOf(new UsageError('EXCEPTION_INVALID', 'approver must differ'), logger)).toEqual({ status: 400, headers: {}, body: { error: 'EXCEPTION_INVALID', message: 'approver must differ' } });
    expect(errors).toEqual([]);
  });

  it('any other AppError is a 500 under its own code, and logged', () => {
    const { errors, logger } = recording();
    expect(httpErrorOf(new AppError('LEDGER_CONCURRENT_WRITER', 'another process appended'), logger)).toMatchObject({ status: 500, body: { error: 'LEDGER_CONCURRENT_WRITER' } });
    expect(errors).toEqual(['api error']);
  });

  it("fastify's own 4xx refusals are bad_request with their status; anything else is internal, its message hidden and logged", () => {
    const { errors, logger } = recording();
    expect(httpErrorOf(Object.assign(new Error('Body is not valid JSON'), { statusCode: 400 }), logger)).toMatchObject({ status: 400, body: { error: 'bad_request', message: 'Body is not valid JSON' } });
    expect(httpErrorOf(new Error('secret path /var/lib/x'), logger)).toEqual({ status: 500, headers: {}, body: { error: 'internal', message: 'internal error' } });
    expect(errors).toEqual(['api error']);
  });
});
