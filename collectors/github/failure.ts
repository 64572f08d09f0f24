// Turns a failed GitHub read into a CollectionError naming its real cause: rate limits, denials, bad credentials, malformed replies.
import { classifyFailure, collectionErrorFrom, httpStatusOf } from '../../src/core/failure.js';
import type { CollectionError, FailureCause } from '../../src/core/types.js';
import { THROTTLED_HEADER } from './client.js';

/** What GitHub says when an alert feature is simply not turned on: a fact about the org, not a failed read. */
const FEATURE_OFF = [
  /Advanced Security must be enabled/i,
  /Code Security must be enabled/i,
  /code scanning is not enabled/i,
  /no analysis found/i,
  /Secret scanning is disabled/i,
  /Dependabot alerts are disabled/i,
];

interface ErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  errors?: Array<{ type?: string; message?: string }>;
}

function replyMessage(e: ErrorLike): string {
  const d = e.response?.data;
  if (d && typeof d === 'object' && typeof (d as { message?: unknown }).message === 'string') return (d as { message: string }).message;
  return typeof e.message === 'string' ? e.message : String(e);
}

/** True when a 403/404 says the feature is off for the org (GitHub's documented replies), so there is no alert list to read. */
export function isFeatureNotEnabled(e: unknown): boolean {
  const status = httpStatusOf(e);
  if (status !== 403 && status !== 404) return false;
  const msg = replyMessage(e as ErrorLike);
  return FEATURE_OFF.some((re) => re.test(msg));
}

/** GitHub-specific cause and code of a thrown error; falls back to the shared classifier. */
export function githubCause(e: unknown): { cause: FailureCause; code: string } {
  const x = (e ?? {}) as ErrorLike;
  const headers = x.response?.headers ?? {};
  const msg = replyMessage(x);
  const status = httpStatusOf(e);
  const gqlTypes = Array.isArray(x.errors) ? x.errors.map((g) => g.type) : [];
  if (headers[THROTTLED_HEADER] === 'primary' || /GraphQL Rate Limit Exceeded/i.test(msg) || gqlTypes.includes('RATE_LIMITED')) return { cause: 'throttled', code: 'RateLimited' };
  if (headers[THROTTLED_HEADER] === 'secondary' || /secondary rate limit/i.test(msg)) return { cause: 'throttled', code: 'SecondaryRateLimit' };
  // A wrapped fetch failure (Octokit reports those as status 500 with the real error as `cause`) is not a server error.
  const local = classifyFailure(e);
  if (x.response === undefined && (local === 'timeout' || local === 'unreachable' || local === 'malformed')) return { cause: local, code: local.toUpperCase() };
  if (gqlTypes.includes('FORBIDDEN') || gqlTypes.includes('INSUFFICIENT_SCOPES')) return { cause: 'denied', code: 'AccessDenied' };
  if (gqlTypes.includes('NOT_FOUND')) return { cause: 'not_found', code: 'NotFound' };
  if (status === 401) return { cause: 'unauthenticated', code: 'BadCredentials' };
  if (status === 403) return { cause: 'denied', code: 'AccessDenied' };
  if (status === 404) return { cause: 'not_found', code: 'NotFound' };
  // 422 on the 2FA filters: "Only owners can use this filter".
  if (status === 422) return { cause: 'denied', code: 'Unprocessable' };
  if (status === 429) return { cause: 'throttled', code: 'RateLimited' };
  if (status !== undefined && status >= 500) return { cause: status === 501 ? 'unimplemented' : 'server_error', code: `HTTP${status}` };
  if (status !== undefined && status >= 400) return { cause: 'malformed', code: `HTTP${status}` };
  return { cause: local, code: local === 'internal' ? 'RequestFailed' : local.toUpperCase() };
}

/** CollectionError for a GitHub read; the permission is kept in the record, and named in reasons only for a denial. */
export function githubCollectionError(e: unknown, base: { operation: string; inputs: string[]; permission?: string; resources?: string[] }): CollectionError {
  const { cause, code } = githubCause(e);
  const err = collectionErrorFrom(e, base, { cause, code, message: replyMessage(e as ErrorLike).slice(0, 300) });
  return err;
}
