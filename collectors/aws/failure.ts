// Names the real cause of a failed AWS call from its HTTP status and AWS error code, before any body parsing can mislead.
import { classifyFailure, collectionErrorFrom, MalformedReplyError } from '../../src/core/failure.js';
import { SourceError, redactSecrets } from '../../src/core/errors.js';
import type { CollectionError, FailureCause } from '../../src/core/types.js';

/** What a thrown SDK error carries that we read. */
export interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $fault?: string;
}

// The codes AWS documents for rejected or missing credentials (common errors of every service).
const UNAUTHENTICATED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidClientTokenIdException',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'IncompleteSignatureException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'InvalidAccessKeyId',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'AuthFailure',
]);
const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError', 'AllAccessDisabled']);
// SubscriptionRequiredException: the API is not open to this account's support plan (AWS Health without Business)
const UNIMPLEMENTED = new Set(['UnknownOperation', 'UnknownOperationException', 'InvalidAction', 'NotImplemented', 'UnsupportedOperation', 'UnsupportedOperationException', 'SubscriptionRequiredException']);

/** The SDK names modeled errors by shape (CredentialReportNotReadyException); map back to the wire codes AWS documents. */
export function errorCode(err: SdkError): string {
  const n = err.name ?? err.code ?? 'UnknownError';
  const modeled: Record<string, string> = {
    CredentialReportNotReadyException: 'ReportInProgress',
    CredentialReportNotPresentException: 'ReportNotPresent',
    CredentialReportExpiredException: 'ReportExpired',
    NoSuchEntityException: 'NoSuchEntity',
    ServiceFailureException: 'ServiceFailure',
  };
  return modeled[n] ?? n;
}

/**
 * The cause of a failed AWS call. The status and code win over the error's class: a JSON-protocol service answering
 * 403 with an XML body makes the SDK throw a parse error, but the caller was denied, not sent garbage.
 */
export function awsCause(err: unknown, status?: number): FailureCause {
  const e = (err ?? {}) as SdkError;
  const code = errorCode(e);
  if (e instanceof MalformedReplyError || code === 'MALFORMED') return 'malformed';
  if (UNAUTHENTICATED.has(code)) return 'unauthenticated';
  if (/^Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|RequestThrottled|ProvisionedThroughputExceeded/.test(code)) return 'throttled';
  if (UNIMPLEMENTED.has(code)) return 'unimplemented';
  if (DENIED.has(code)) return 'denied';
  const s = status ?? e.$metadata?.httpStatusCode;
  if (s === 401) return 'unauthenticated';
  if (s === 403) return 'denied';
  if (s === 429) return 'throttled';
  if (s === 501) return 'unimplemented';
  if (s !== undefined && s >= 500) return 'server_error';
  if (s === 404 || s === 410) return 'not_found';
  return classifyFailure(err);
}

/**
 * A CollectionError for a failed AWS call: cause from status and code, `permission` kept (it is only said for a
 * denial), code from the wire (the HTTP status when the SDK could not read one).
 */
export function awsCollectionError(
  operation: string,
  err: unknown,
  base: { inputs: string[]; status?: number; where?: string; resources?: string[]; permission?: string },
): CollectionError {
  const e = (err ?? {}) as SdkError;
  const status = base.status ?? e.$metadata?.httpStatusCode;
  const cause = awsCause(err, status);
  let code = errorCode(e);
  // A parse failure of an error body says nothing about the error: name the status instead.
  if (code === 'SyntaxError' || code === 'Error' || code === 'UnknownError') code = status !== undefined ? `HTTP${status}` : cause.toUpperCase();
  const message = `${base.where ? `${base.where}: ` : ''}${redactSecrets(e.message ?? String(err)).slice(0, 500)}`;
  return collectionErrorFrom(err, { operation, inputs: base.inputs, permission: base.permission ?? operation, ...(base.resources ? { resources: base.resources } : {}) }, { cause, code, message });
}

/** Status that classifyFailure maps back to each cause, so an error thrown from scopes() classifies as we did. */
const STATUS_OF: Partial<Record<FailureCause, number>> = { unauthenticated: 401, denied: 403, not_found: 404, throttled: 429, unimplemented: 501, server_error: 500 };

/**
 * An AppError for a failure outside a collection (scopes(), AssumeRole) that keeps its cause for the pipeline:
 * `failureCause` names it, and the error's `status`/`cause` chain makes `classifyFailure` agree.
 */
export function awsAppError(code: string, operation: string, err: unknown, opts: { remediation: string; permission?: string }): SourceError {
  const e = (err ?? {}) as SdkError;
  const cause = awsCause(err);
  const wire = errorCode(e);
  const text = `${operation} failed: ${wire}: ${redactSecrets(e.message ?? String(err))}`;
  // keep the SDK error as the cause only when it classifies the same; otherwise a carrier that does
  const fields: Record<string, unknown> | undefined = STATUS_OF[cause]
    ? { status: STATUS_OF[cause] }
    : cause === 'malformed'
      ? { name: 'SyntaxError' }
      : cause === 'timeout'
        ? { name: 'TimeoutError' }
        : cause === 'unreachable'
          ? { code: 'ECONNREFUSED' }
          : undefined;
  const carrier = classifyFailure(err) === cause || !fields ? err : Object.assign(new Error(redactSecrets(e.message ?? '')), fields);
  return new SourceError(code, text, {
    remediation: opts.remediation,
    cause: carrier,
    operation,
    failureCause: cause,
    ...(opts.permission ? { permission: opts.permission } : {}),
    ...(STATUS_OF[cause] ? { status: STATUS_OF[cause] } : {}),
  });
}
