// One error type for the whole agent: a stable code users can match on, whether a retry may help, and what to do.
import type { FailureCause } from './types.js';

export interface AppErrorOptions {
  /** Whether retrying the same operation later may succeed. @defaultValue false */
  retryable?: boolean;
  /** What the user should do about it. */
  remediation?: string;
  /** Process exit code when this error ends a CLI command. @defaultValue 1 */
  exitCode?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly remediation?: string;
  readonly exitCode: number;

  constructor(code: string, message: string, opts: AppErrorOptions = {}) {
    super(redactSecrets(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.remediation = opts.remediation;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** A user mistake (bad config, arguments, input files): exit code 2, no stack trace, nothing written. */
export class UsageError extends AppError {
  constructor(code: string, message: string, opts: Omit<AppErrorOptions, 'exitCode'> = {}) {
    super(code, message, { ...opts, exitCode: 2 });
    this.name = 'UsageError';
  }
}

/** Causes of a failed read that a later retry may not meet again. */
export const RETRYABLE_CAUSES: readonly FailureCause[] = ['unreachable', 'timeout', 'throttled', 'server_error'];

export interface SourceErrorOptions extends Omit<AppErrorOptions, 'exitCode'> {
  /** The source operation that failed (`iam:ListUsers`, `okta:ListUsers`, `admin.directory.users.list`). */
  operation: string;
  /** The permission the operation needs, when the source denied it. */
  permission?: string;
  /** The cause the source's own client already named; when absent the pipeline classifies the error (failure.ts). */
  failureCause?: FailureCause;
  /** The HTTP status of the source's reply, when there was one. */
  status?: number;
}

/**
 * A failed read from a source: what every collector client throws, so the pipeline reads the operation, permission
 * and cause off a type instead of guessing at fields of any Error (src/pipeline/collect-stage.ts).
 */
export class SourceError extends AppError {
  readonly operation: string;
  readonly permission?: string;
  readonly failureCause?: FailureCause;
  readonly status?: number;

  constructor(code: string, message: string, opts: SourceErrorOptions) {
    // Retryable follows the cause unless the caller knows better.
    super(code, message, { ...opts, retryable: opts.retryable ?? (opts.failureCause !== undefined && RETRYABLE_CAUSES.includes(opts.failureCause)) });
    this.name = 'SourceError';
    this.operation = opts.operation;
    if (opts.permission !== undefined) this.permission = opts.permission;
    if (opts.failureCause !== undefined) this.failureCause = opts.failureCause;
    if (opts.status !== undefined) this.status = opts.status;
  }
}

const R = '[REDACTED]';

/** A bare value that looks like a credential rather than an English word: long, and not only lowercase letters. */
function looksLikeCredential(v: string): boolean {
  return v.length >= 8 && !/^[a-z]+$/.test(v) && /[0-9]|[A-Z].*[a-z]|[a-z].*[A-Z]|[-_./+=~]/.test(v) && !/^[A-Z]?[a-z]+[.,;:!?]?$/.test(v);
}

/**
 * Names whose value is a secret wherever they appear as `name=value` or `"name": "value"`. Matched as whole names, so
 * `token_type`, `tokenCount` or "the security token included" are not.
 */
const SECRET_KEYS =
  'password|passwd|pwd|secret|client_secret|clientSecret|secret_key|secretKey|aws_secret_access_key|secretAccessKey|' +
  'token|access_token|accessToken|refresh_token|refreshToken|id_token|idToken|session_token|sessionToken|api_key|apiKey|apikey|' +
  'api_token|apiToken|private_key|privateKey|private_key_id|x-api-key|x-amz-security-token|x-amz-signature|x-amz-credential|' +
  'x-goog-signature|x-goog-credential|signature|sig|client_assertion|assertion|code_verifier';

/** Each pattern matches a secret value (with just enough context to be sure) and says what to keep around it. */
const SECRET_PATTERNS: Array<{ re: RegExp; replace: (m: string, ...g: string[]) => string }> = [
  // PEM private keys (certificates are public and stay)
  { re: /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g, replace: () => R },
  // URL userinfo: keep the user so the operator can tell which account; an already masked password stays as it is
  { re: /\b([a-z][a-z0-9+.-]*:\/\/)([^:/@\s"']+):([^@\s"'/]+)@/gi, replace: (m, scheme: string, user: string, pass: string) => (/^\*+$/.test(pass) ? m : `${scheme}${user}:${R}@`) },
  // Known token shapes: AWS access key ids, GitHub, Slack, Google API keys and OAuth tokens, JWTs
  { re: /\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[0-9A-Z]{16}\b/g, replace: () => R },
  { re: /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, replace: () => R },
  { re: /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g, replace: () => R },
  { re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, replace: () => R },
  { re: /\bAIza[0-9A-Za-z_-]{35}\b/g, replace: () => R },
  { re: /\bya29\.[0-9A-Za-z_-]{20,}/g, replace: () => R },
  { re: /\b1\/\/0[0-9A-Za-z_-]{20,}/g, replace: () => R },
  { re: /\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, replace: () => R },
  // Authorization headers, in header, JSON or key=value form: keep the scheme, drop the credential
  {
    re: /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(bearer|basic|ssws|token|digest|negotiate|aws4-hmac-sha256|sharedkey)\s+)?([^\s"',;]+)/gi,
    replace: (m, name: string, sep: string, scheme: string | undefined, value: string) =>
      scheme || looksLikeCredential(value) || value === R ? `${name}${sep}${scheme ? `${scheme} ` : ''}${R}` : m,
  },
  // Credential schemes without a header name: "Bearer <token>", "SSWS <token>" (Okta)
  { re: /\b(Bearer|SSWS)\s+([A-Za-z0-9\-._~+/]+=*)/g, replace: (m, scheme: string, v: string) => (v !== 'REDACTED' && looksLikeCredential(v) ? `${scheme} ${R}` : m) },
  // "name": "value" (JSON, YAML with quotes): structured, so any value of a secret-named key goes
  { re: new RegExp(`(["'])(${SECRET_KEYS})\\1(\\s*:\\s*)(["'])((?:\\\\.|(?!\\4).)+)\\4`, 'gi'), replace: (_m, q: string, k: string, sep: string, vq: string) => `${q}${k}${q}${sep}${vq}${R}${vq}` },
  // name=value (query strings, DSNs, env lines): any value; name: value (prose-like): only a credential-looking value
  {
    re: new RegExp(`(?<![A-Za-z0-9_-])(${SECRET_KEYS})(?![A-Za-z0-9_-])(\\s*=\\s*|:[ \\t]*)(["']?)([^\\s"'&,;<>)]+)`, 'gi'),
    replace: (m, k: string, sep: string, q: string, v: string) => (v === R || v.startsWith('[REDACTED') ? m : sep.includes('=') || q || looksLikeCredential(v) ? `${k}${sep}${q}${R}` : m),
  },
];

/**
 * Removes credential values from free text before it is logged or stored: known token shapes, Authorization headers,
 * secret-named `key=value` pairs, URL passwords, PEM private keys, JWTs. English words are left alone ("Unexpected
 * token '<'", "The security token included in the request is invalid"): an error message must stay readable.
 */
export function redactSecrets(text: string): string {
  let out = text;
  for (const p of SECRET_PATTERNS) out = out.replace(p.re, p.replace as (m: string, ...g: unknown[]) => string);
  return out;
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
