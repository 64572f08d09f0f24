// Names the real cause of a failed read (network, timeout, malformed reply, denial…) so no reason says "needs permission" for a refused connection.
import type { CollectionError, FailureCause } from './types.js';
import { RETRYABLE_CAUSES, SourceError, redactSecrets } from './errors.js';

/** Per-request timeout every source client uses unless its config sets `requestTimeoutMs`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Bounds for `requestTimeoutMs` in any source's config: below, nothing answers; above, a hung call holds a worker. */
export const REQUEST_TIMEOUT_BOUNDS_MS = { min: 100, max: 300_000 } as const;

/** Human words for each cause, used in every `error` reason. */
export const CAUSE_TEXT: Record<FailureCause, string> = {
  denied: 'access denied by the source',
  unauthenticated: 'no valid credentials',
  unreachable: 'source unreachable',
  timeout: 'timed out',
  throttled: 'throttled by the source',
  malformed: 'malformed reply',
  incomplete: 'incomplete reply',
  not_found: 'not found at the source',
  unimplemented: 'operation not supported by the source',
  server_error: 'source-side error',
  internal: 'internal error in Vigil',
};

const NET_CODES_UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);
const NET_CODES_TIMEOUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TimeoutError', 'RequestTimeout', 'TIMEOUT']);

/** Walks `cause` chains (fetch wraps the socket error in `TypeError: fetch failed`). */
function chain(e: unknown): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur && typeof cur === 'object'; i++) {
    out.push(cur as Record<string, unknown>);
    cur = (cur as { cause?: unknown }).cause;
  }
  return out;
}

/** The HTTP status a thrown error carries, whatever client threw it (SDK `$metadata`, Octokit `status`, gaxios `response.status`). */
export function httpStatusOf(e: unknown): number | undefined {
  for (const c of chain(e)) {
    for (const v of [c.status, c.statusCode, (c.$metadata as { httpStatusCode?: unknown } | undefined)?.httpStatusCode, (c.response as { status?: unknown } | undefined)?.status]) {
      if (typeof v === 'number' && v >= 100 && v < 600) return v;
    }
  }
  return undefined;
}

/** Cause of an HTTP status alone (no body read). */
export function causeOfStatus(status: number): FailureCause | undefined {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'denied';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'throttled';
  if (status === 501) return 'unimplemented';
  if (status >= 500) return 'server_error';
  return undefined;
}

/**
 * Best-effort cause of any thrown value, from what it carries: network error codes, abort/timeout names, JSON/XML parse
 * failures, HTTP status. Source-specific mappings (AWS error codes, GitHub rate-limit headers) should run first and
 * fall back to this.
 */
export function classifyFailure(e: unknown): FailureCause {
  const links = chain(e);
  for (const c of links) {
    const code = typeof c.code === 'string' ? c.code : undefined;
    const name = typeof c.name === 'string' ? c.name : undefined;
    if ((code && NET_CODES_TIMEOUT.has(code)) || (name && NET_CODES_TIMEOUT.has(name)) || name === 'AbortError') return 'timeout';
    if (code && NET_CODES_UNREACHABLE.has(code)) return 'unreachable';
    if (name === 'SyntaxError' || code === 'MALFORMED') return 'malformed';
    if (name === 'CredentialsProviderError' || code === 'CredentialsProviderError') return 'unauthenticated';
  }
  const status = httpStatusOf(e);
  if (status !== undefined) {
    const c = causeOfStatus(status);
    if (c) return c;
  }
  const msg = links.map((c) => (typeof c.message === 'string' ? c.message : '')).join(' ');
  if (/fetch failed|socket hang up|other side closed|network/i.test(msg)) return 'unreachable';
  if (/timed? ?out|deadline/i.test(msg)) return 'timeout';
  if (/Unexpected token|Unexpected end of JSON|is not valid JSON|JSON\.parse|Deserialization error|char '<'/i.test(msg)) return 'malformed';
  return 'internal';
}

/** Reason text for a failed read, naming the cause, and the permission only when the source itself denied it. */
export function describeCollectionError(e: Pick<CollectionError, 'operation' | 'code' | 'permission' | 'cause' | 'message'>): string {
  const cause = e.cause ?? 'internal';
  const perm = cause === 'denied' && e.permission ? `; needs permission ${e.permission}` : '';
  return `${e.operation} failed: ${CAUSE_TEXT[cause]} (${e.code})${perm}`;
}

/** Builds a CollectionError from anything thrown, naming its cause; `overrides` wins (a source knows its codes better). */
export function collectionErrorFrom(
  e: unknown,
  base: { operation: string; inputs: string[]; permission?: string; resources?: string[] },
  overrides: Partial<Pick<CollectionError, 'code' | 'cause' | 'retryable' | 'message'>> = {},
): CollectionError {
  const err = e as { code?: unknown; name?: unknown; message?: unknown };
  const cause = overrides.cause ?? classifyFailure(e);
  const code = overrides.code ?? (typeof err?.code === 'string' ? err.code : typeof err?.name === 'string' && err.name !== 'Error' ? err.name : cause.toUpperCase());
  const message = redactSecrets(overrides.message ?? (typeof err?.message === 'string' ? err.message : String(e)));
  return {
    operation: base.operation,
    code,
    message,
    ...(base.permission ? { permission: base.permission } : {}),
    inputs: base.inputs,
    ...(base.resources ? { resources: base.resources } : {}),
    cause,
    retryable: overrides.retryable ?? RETRYABLE_CAUSES.includes(cause),
  };
}

/** A reply that is not the documented shape: thrown by parsers so the collector records `malformed`, not a crash. */
export class MalformedReplyError extends SourceError {
  constructor(operation: string, detail: string) {
    super('MALFORMED', `${operation}: malformed reply: ${detail}`, { operation, failureCause: 'malformed' });
    this.name = 'MalformedReplyError';
  }
}
